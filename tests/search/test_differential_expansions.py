"""MAXPREFIXEXPANSIONS (alias MAXEXPANSIONS) against Redis Stack 7.4.1: a prefix, suffix, infix, fuzzy or
wildcard word, or a tag pattern, stands for at most that many indexed terms, the first in lexicographic
order (RediSearch walks its trie in order and stops there); FT.PROFILE marks such a union with "Max prefix
expansion reached" and nests a tag clause's pattern unions as RediSearch does. The same documents and
queries on both servers; skipped when Redis Stack cannot start. A test through redis-py alone runs
without it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis

from tests.search.test_differential import _call
from tests.serverutil import ThreadedServer

WORDS = ["hello", "help", "helm", "hell", "heaven", "shell", "yellow", "hallo", "hullo", "jello", "zhelp", "held",
         "helix"]
QUERIES = ["hel*", "*llo", "*el*", "%hello%", "%%hello%%", "w'hel?'", "w'*l*'", "@g:{hel*}", "@g:{*llo}", "@g:{*el*}",
           "@g:{w'hel?'}", "hel*|*llo", "hel* hel*", "@g:{hel*|*llo}", "@g:{hea*}", "@g:{hello|help}", "@g:{zz*}",
           "@g:{zz*|hello}", "@g:{hea*|zz*}", "he*", "@g:{h*}", "hello|help|helm|hell",
           "@g:{hello|help|helm|hell}", "@t:hello | @g:{help}", "@t:(hello|help|helm)",
           "@g:{hea*|hello}", "hea*"]


@pytest.fixture
def pair(stack_port: int, server: ThreadedServer) -> Iterator[tuple[redis.Redis, redis.Redis]]:
    ref, ours = redis.Redis(port=stack_port, protocol=2), redis.Redis(port=server.port, protocol=2)
    for c in (ref, ours):
        c.flushall()
        c.execute_command("FT.CREATE", "e", "ON", "HASH", "PREFIX", "1", "e:", "SCHEMA", "t", "TEXT", "NOSTEM", "g",
                          "TAG")
        for i, w in enumerate(WORDS):
            c.hset(f"e:{i}", mapping={"t": w, "g": w})
    yield ref, ours
    for c in (ref, ours):
        c.execute_command("FT.CONFIG", "SET", "MAXPREFIXEXPANSIONS", "200")
        c.close()


def _words(reply: Any) -> list[bytes] | str:
    if isinstance(reply, str):
        return reply
    return sorted(fields[1] for fields in reply[2::2])


def _untimed(reply: Any) -> Any:
    """A profile without its times (and totals), which differ from run to run."""
    if isinstance(reply, list):
        out: list[Any] = []
        skip = False
        for v in reply:
            if skip:
                skip = False
            elif v in (b"Time", b"Total profile time", b"Parsing time", b"Pipeline creation time"):
                skip = True
            else:
                out.append(_untimed(v))
        return out
    return reply


@pytest.mark.parametrize("cap", ["3", "2", "1", "200"])
def test_expansions_match_redis_stack(pair: tuple[redis.Redis, redis.Redis], cap: str) -> None:
    ref, ours = pair
    for c in pair:
        assert c.execute_command("FT.CONFIG", "SET", "MAXEXPANSIONS", cap) == b"OK"
    for name in ("MAXEXPANSIONS", "MAXPREFIXEXPANSIONS"):  # one setting under two names
        assert _call(ours, ("FT.CONFIG", "GET", name)) == _call(ref, ("FT.CONFIG", "GET", name)) == [[name.encode(),
                                                                                                    cap.encode()]]
    for query in QUERIES:
        args = ("FT.SEARCH", "e", query, "LIMIT", "0", "100", "RETURN", "1", "t", "DIALECT", "2")
        assert _words(_call(ours, args)) == _words(_call(ref, args)), query
        profile = ("FT.PROFILE", "e", "SEARCH", "QUERY", query, "LIMIT", "0", "0", "DIALECT", "2")
        assert _untimed(_call(ours, profile)) == _untimed(_call(ref, profile)), query
        limited = ("FT.PROFILE", "e", "SEARCH", "LIMITED", "QUERY", query, "LIMIT", "0", "0", "DIALECT", "2")
        assert _untimed(_call(ours, limited)) == _untimed(_call(ref, limited)), query


def test_prefix_stands_for_the_first_terms_in_order(server: ThreadedServer) -> None:
    """Through redis-py's search API: 300 words share a prefix; ``w*`` finds the documents of the first 200
    in lexicographic order until MAXEXPANSIONS is raised."""
    from redis.commands.search.field import TagField, TextField
    from redis.commands.search.index_definition import IndexDefinition
    from redis.commands.search.query import Query

    c = redis.Redis(port=server.port, protocol=2)
    c.flushall()
    try:
        ft = c.ft("w")
        ft.create_index([TextField("t"), TagField("g")], definition=IndexDefinition(prefix=["w:"]))
        words = [f"wo{i:03d}" for i in range(300)]
        for i, word in enumerate(words):
            c.hset(f"w:{i}", mapping={"t": word, "g": word})
        first = {f"w:{i}" for i in range(200)}
        for query in ("wo*", "@g:{wo*}"):
            found = ft.search(Query(query).no_content().paging(0, 1000).dialect(2))
            assert found.total == 200 and {d.id for d in found.docs} == first, query
        assert c.execute_command("FT.CONFIG", "SET", "MAXPREFIXEXPANSIONS", "1000") == b"OK"
        assert c.execute_command("FT.CONFIG", "GET", "MAXEXPANSIONS") == [[b"MAXEXPANSIONS", b"1000"]]
        for query in ("wo*", "@g:{wo*}"):
            assert ft.search(Query(query).no_content().paging(0, 0).dialect(2)).total == 300, query
        with pytest.raises(redis.ResponseError, match="Could not convert argument to expected type"):
            c.execute_command("FT.CONFIG", "SET", "MAXPREFIXEXPANSIONS", "many")
    finally:
        c.execute_command("FT.CONFIG", "SET", "MAXPREFIXEXPANSIONS", "200")
        c.close()
