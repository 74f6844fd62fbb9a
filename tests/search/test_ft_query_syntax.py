"""Query syntax through the server (RESP2 and RESP3): RediSearch 2.10's errors for malformed queries in
FT.SEARCH, FT.EXPLAIN and FT.AGGREGATE, queries Redis Stack accepts that RedVector used to refuse, and
A-Z-only case folding of TEXT and TAG values. (The texts were read off Redis Stack 7.4.1;
test_differential_query_errors.py compares against it live.)"""

from __future__ import annotations

import pytest
import redis

from tests.search.helpers import hset, search


def ids(c: redis.Redis, *args: object) -> list[str]:
    return sorted(doc for doc, _ in search(c, "idx", *args, "NOCONTENT")[1])


def make(c: redis.Redis) -> None:
    c.execute_command("FT.CREATE", "idx", "PREFIX", "1", "d:", "SCHEMA", "t", "TEXT", "g", "TAG", "n", "NUMERIC")
    hset(c, "d:1", {"t": "hello world ÜNÏCÖDÉ", "g": "ÜX,Blue", "n": 5})
    hset(c, "d:2", {"t": "other words", "g": "x y", "n": 1})


def error(c: redis.Redis, *args: object) -> str:
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command(*args)
    return str(e.value)


@pytest.mark.parametrize(("query", "dialect", "message"), [
    ("'cat'", 2, "Syntax error at offset 0 near cat"),
    ("stop *", 2, "Syntax error at offset 5 near stop"),
    ("the |", 1, "Syntax error at offset 4 near the"),
    ("@t:", 2, "Syntax error at offset 2 near t"),
    ("(cat", 1, "Syntax error at offset 1 near cat"),
    ("@n:[1 2 3]", 2, "Syntax error at offset 9 near 3"),
    ("@g:{a|}", 2, "Syntax error at offset 6 near a"),
    ("*=>[KNN x @v $vec]", 2, "Syntax error at offset 8 near x"),
    ("$p", 1, "Syntax error at offset 0 near p"),
    ("cat=>{$nosuch: 1}", 2, "Invalid attribute nosuch"),
    ("(" * 300 + "x" + ")" * 300, 2, "Parser stack overflow. Try moving nested parentheses more to the left"),
])
def test_syntax_errors(client: redis.Redis, query: str, dialect: int, message: str) -> None:
    make(client)
    for command in (("FT.SEARCH", "idx", query), ("FT.EXPLAIN", "idx", query), ("FT.AGGREGATE", "idx", query)):
        assert error(client, *command, "PARAMS", "2", "p", "hello", "DIALECT", dialect) == message
    assert client.ping()


def test_queries_redis_stack_accepts(client: redis.Redis) -> None:
    make(client)
    for dialect in (1, 2):
        assert ids(client, "", "DIALECT", dialect) == []  # nothing to match
        assert ids(client, "% helo %", "DIALECT", dialect) == ["d:1"]
        assert ids(client, "@n:[4,6]", "DIALECT", dialect) == ["d:1"]
        assert ids(client, "-the", "DIALECT", dialect) == []  # only a stop word: nothing
    # DIALECT 1 needs no closing brace after a tag list; DIALECT 2 has ismissing() on any field name.
    assert ids(client, "@g:{blue", "DIALECT", 1) == ["d:1"]
    assert ids(client, "ismissing(@nosuch)", "DIALECT", 2) == []
    # Words in a tag clause are one tag ("x y"), whatever separates them.
    assert ids(client, "@g:{x   y}", "DIALECT", 2) == ["d:2"]


def test_case_folding_is_a_to_z_only(client: redis.Redis) -> None:
    make(client)
    # TEXT: "ÜNÏCÖDÉ" is the term "ÜnÏcÖdÉ"; its lower-case spelling is another word.
    assert client.execute_command("FT.EXPLAIN", "idx", "ÜNÏCÖDÉ", "VERBATIM") == "ÜnÏcÖdÉ\n".encode()
    assert ids(client, "ÜNÏCÖDÉ") == ["d:1"]
    assert ids(client, "ünïcödé") == []
    # TAG: the same folding.
    assert sorted(client.execute_command("FT.TAGVALS", "idx", "g")) == sorted([b"blue", "Üx".encode(), b"x y"])
    assert ids(client, "@g:{ÜX}") == ["d:1"]
    assert ids(client, "@g:{üx}") == []
