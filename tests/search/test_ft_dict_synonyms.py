"""FT.DICTADD/DICTDEL/DICTDUMP (and FT.SPELLCHECK's TERMS), FT.SYNUPDATE/SYNDUMP through redis-py, and
their persistence through the AOF, an RDB snapshot and an AOF rewrite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import redis

from tests.search.helpers import ids
from tests.serverutil import subprocess_server


def _text(value: Any) -> Any:
    """bytes -> str, recursively (the fixtures' clients do not decode)."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, dict):
        return {_text(k): _text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_text(v) for v in value]
    return value


def _suggestions(raw: dict[Any, Any]) -> dict[str, list[str]]:
    return {word: [s["suggestion"] for s in found] for word, found in _text(raw).items()}


def test_dictionaries(client: redis.Redis) -> None:
    ft = client.ft("idx")
    assert ft.dict_add("d", "foo", "bar", "foo", "Baz") == 3
    assert ft.dict_add("d", "bar", "qux") == 1
    assert sorted(ft.dict_dump("d")) == [b"Baz", b"bar", b"foo", b"qux"]
    assert ft.dict_del("d", "foo", "nope") == 1
    with pytest.raises(redis.ResponseError, match="could not open dict key"):
        ft.dict_dump("missing")
    assert ft.dict_del("made", "x") == 0  # opening it for writing creates it, as in Redis Stack
    assert list(ft.dict_dump("made")) == []
    for args in (("FT.DICTADD", "d"), ("FT.DICTDEL", "d"), ("FT.DICTDUMP",), ("FT.DICTDUMP", "d", "x")):
        with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
            client.execute_command(*args)
    client.flushall()
    with pytest.raises(redis.ResponseError, match="could not open dict key"):
        ft.dict_dump("d")


def test_spellcheck_terms(client: redis.Redis) -> None:
    client.execute_command("FT.CREATE", "idx", "SCHEMA", "t", "TEXT")
    client.hset("doc1", "t", "hello world helo")
    client.hset("doc2", "t", "hello there")
    ft = client.ft("idx")
    ft.dict_add("d", "Baz", "bar", "qux")
    ft.dict_add("ex", "wrld")
    got = _suggestions(ft.spellcheck("helo wrld bax", include="d"))
    assert got == {"wrld": ["world"], "bax": ["Baz", "bar"]}
    assert _suggestions(ft.spellcheck("hell wrld", exclude="ex")) == {"hell": ["hello", "helo"]}
    with pytest.raises(redis.ResponseError, match="Dict does not exist: nodict"):
        ft.spellcheck("helo", include="nodict")
    with pytest.raises(redis.ResponseError, match="bad format, exlude/include operation was not given"):
        client.execute_command("FT.SPELLCHECK", "idx", "helo", "TERMS", "FOO", "d")


def test_synonyms(client: redis.Redis) -> None:
    client.execute_command("FT.CREATE", "idx", "SCHEMA", "t", "TEXT")
    ft = client.ft("idx")
    ft.synupdate("g1", False, "hello", "hi")
    ft.synupdate("g2", True, "hi", "Greetings")
    client.hset("doc1", "t", "hello world")
    client.hset("doc3", "t", "hi hi there")
    client.hset("doc4", "t", "greetings earthlings")
    assert _text(ft.syndump()) == {"greetings": ["g2"], "hi": ["g1", "g2"], "hello": ["g1"]}
    assert sorted(ids(client, "idx", "hi", "NOCONTENT")) == ["doc1", "doc3", "doc4"]
    assert sorted(ids(client, "idx", "greetings", "NOCONTENT")) == ["doc3", "doc4"]
    assert ids(client, "idx", "hi", "VERBATIM", "NOCONTENT") == ["doc3"]
    assert client.execute_command("FT.EXPLAIN", "idx", "hi") == (
        b"UNION {\n  hi\n  ~g1(expanded)\n  ~g2(expanded)\n  +hi(expanded)\n}\n")
    with pytest.raises(redis.ResponseError, match="Unknown index name"):
        client.execute_command("FT.SYNUPDATE", "nope", "g", "a")
    with pytest.raises(redis.ResponseError, match="Unknown index name"):
        client.execute_command("FT.SYNDUMP", "nope")
    with pytest.raises(redis.ResponseError, match=r"wrong number of arguments for 'FT\.SYNUPDATE'"):
        client.execute_command("FT.SYNUPDATE", "idx", "g1")


def _populate(r: redis.Redis) -> None:
    r.execute_command("FT.CREATE", "idx", "SCHEMA", "t", "TEXT")
    r.hset("doc1", "t", "hello world")
    r.hset("doc2", "t", "hi there")
    r.execute_command("FT.SYNUPDATE", "idx", "g1", "hello", "hi")
    r.execute_command("FT.SYNUPDATE", "idx", "g2", "SKIPINITIALSCAN", "hi", "greetings")
    r.execute_command("FT.DICTADD", "d", "alpha", "beta")
    r.execute_command("FT.DICTDEL", "d", "beta")
    r.execute_command("FT.DICTADD", "empty", "x")
    r.execute_command("FT.DICTDEL", "empty", "x")


def _check(r: redis.Redis) -> None:
    assert _text(r.ft("idx").syndump()) == {"greetings": ["g2"], "hi": ["g1", "g2"], "hello": ["g1"]}
    assert sorted(ids(r, "idx", "hello", "NOCONTENT")) == ["doc1", "doc2"]
    assert r.ft().dict_dump("d") == [b"alpha"]
    assert r.ft().dict_dump("empty") == []


@pytest.mark.parametrize("mode", ["aof", "rdb", "rewrite"])
def test_dictionaries_and_synonyms_survive_restart(tmp_path: Path, mode: str) -> None:
    args = ["--appendonly", "no" if mode == "rdb" else "yes", "--save", "", "--dir", str(tmp_path)]
    with subprocess_server(args) as (_, port):
        r = redis.Redis(port=port)
        _populate(r)
        if mode == "rdb":
            r.save()
        elif mode == "rewrite":
            r.bgrewriteaof()
            while r.info("persistence")["aof_rewrite_in_progress"]:
                pass
        r.close()
    with subprocess_server(args) as (_, port):
        r = redis.Redis(port=port)
        _check(r)
        r.close()
