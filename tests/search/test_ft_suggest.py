"""FT.SUGADD / FT.SUGGET / FT.SUGDEL / FT.SUGLEN through redis-py: a suggestion dictionary is a key
(TYPE trietype0) with Redis Stack's ranking, errors, and persistence through the AOF and RDB."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from redis.commands.search.suggestion import Suggestion

from tests.serverutil import subprocess_server


def _fill(client: redis.Redis) -> None:
    ft = client.ft()
    ft.sugadd("ac", Suggestion("hello", 1), Suggestion("help", 2), Suggestion("helicopter", 3, "pl"))
    ft.sugadd("ac", Suggestion("Hello", 5))
    ft.sugadd("ac", Suggestion("hellO", 1), increment=True)


def test_sugadd_sugget_order_and_scores(client: redis.Redis) -> None:
    _fill(client)
    ft = client.ft()
    assert ft.suglen("ac") == 5
    got = ft.sugget("ac", "hel", with_scores=True, with_payloads=True, num=5)
    # Score / sqrt(1 + letters past the prefix), as float32; equal scores in Redis Stack's heap order.
    assert [(s.string, round(s.score, 6), s.payload) for s in got] == [
        ("Hello", 2.886751, None), ("help", 1.414214, None), ("helicopter", 1.06066, "pl"),
        ("hellO", 0.57735, None), ("hello", 0.57735, None)]
    assert [s.string for s in ft.sugget("ac", "HEL", num=2)] == ["Hello", "help"]
    fuzzy = ft.sugget("ac", "hwl", fuzzy=True, with_scores=True)
    assert fuzzy[0].string == "Hello" and round(fuzzy[0].score, 6) == 0.390679  # times exp(-2)
    assert ft.sugget("ac", "zzz") == []
    assert client.execute_command("FT.SUGGET", "missing", "x") is None
    assert client.execute_command("FT.SUGGET", "ac", "hello", "WITHSCORES")[1] in (b"2147483648", 2147483648.0)
    assert ft.sugdel("ac", "hello") == 1 and ft.sugdel("ac", "hello") == 0
    ft.sugadd("ac", Suggestion("hellO", 2), increment=True)
    assert ft.sugget("ac", "hellO", with_scores=True)[0].score > 1e9  # the exact match outranks everything


def test_suggestion_key_is_a_key(client: redis.Redis) -> None:
    _fill(client)
    assert client.type("ac") == b"trietype0"
    assert client.object("encoding", "ac") == b"raw"
    assert client.scan(0, _type="trietype0")[1] == [b"ac"]
    assert client.memory_usage("ac") > 0
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        client.lpush("ac", "x")
    client.set("str", "x")
    for args in (("FT.SUGADD", "str", "a", "1"), ("FT.SUGGET", "str", "a"), ("FT.SUGLEN", "str"),
                 ("FT.SUGDEL", "str", "a")):
        with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
            client.execute_command(*args)
    payload = client.dump("ac")
    client.restore("copy", 0, payload)
    assert client.ft().suglen("copy") == 5
    client.rename("copy", "moved")
    assert client.expire("moved", 100) and client.ttl("moved") > 0
    assert client.delete("moved") == 1 and client.ft().suglen("moved") == 0
    client.ft().sugdel("ac", "Hello")
    assert client.exists("ac") == 1  # an emptied dictionary stays, as in Redis Stack
    client.flushall()
    assert client.exists("ac") == 0


@pytest.mark.parametrize(("args", "message"), [
    (("FT.SUGADD", "k", "a"), "wrong number of arguments for 'FT.SUGADD' command"),
    (("FT.SUGADD", "k", "a", "1", "PAYLOAD", "x", "PAYLOAD", "y"), "wrong number of arguments for 'FT.SUGADD'"),
    (("FT.SUGADD", "k", "a", "b"), "invalid score"),
    (("FT.SUGADD", "k", "a", "nan"), "invalid score"),
    (("FT.SUGADD", "k", "a", "1", "FOO"), "Unknown argument `FOO`"),
    (("FT.SUGADD", "k", "a", "1", "PAYLOAD"), "Invalid payload: Expected an argument, but none provided"),
    (("FT.SUGGET", "k", "a", "MAX", "x"), "MAX: Could not convert argument to expected type"),
    (("FT.SUGGET", "k", "a", "MAX", "0"), "MAX: Value is outside acceptable bounds"),
    (("FT.SUGGET", "k", "a", "MAX"), "MAX: Expected an argument, but none provided"),
    (("FT.SUGGET", "k", "a", "FOO"), "Unrecognized argument: FOO"),
    (("FT.SUGGET", "k", "a" * 200), "Invalid query length"),
    (("FT.SUGDEL", "k"), "wrong number of arguments for 'FT.SUGDEL' command"),
    (("FT.SUGLEN", "k", "x"), "wrong number of arguments for 'FT.SUGLEN' command"),
])
def test_suggestion_errors(client: redis.Redis, args: tuple[str, ...], message: str) -> None:
    with pytest.raises(redis.ResponseError, match=message.replace("(", r"\(")):
        client.execute_command(*args)


def _check_restored(r: redis.Redis) -> None:
    got = r.ft().sugget("ac", "hel", with_scores=True, with_payloads=True)
    assert [(s.string, round(s.score, 4), s.payload) for s in got] == [
        ("Hello", 2.8868, None), ("help", 1.4142, None), ("helicopter", 1.0607, "pl"), ("hellO", 0.5774, None)]
    assert r.type("ac") == "trietype0"


@pytest.mark.parametrize("mode", ["aof", "rdb", "rewrite"])
def test_suggestions_survive_restart(tmp_path: Path, mode: str) -> None:
    args = ["--appendonly", "no" if mode == "rdb" else "yes", "--save", "", "--dir", str(tmp_path)]
    with subprocess_server(args) as (_, port):
        r = redis.Redis(port=port, decode_responses=True)
        _fill(r)
        r.ft().sugdel("ac", "hello")
        if mode == "rdb":
            r.save()
        elif mode == "rewrite":  # the new AOF base is an RDB image holding the trie
            r.bgrewriteaof()
            while r.info("persistence")["aof_rewrite_in_progress"]:
                pass
            r.ft().sugadd("ac", Suggestion("zzz", 1))
        r.close()
    with subprocess_server(args) as (_, port):
        r = redis.Redis(port=port, decode_responses=True)
        _check_restored(r)
        r.close()


def test_sugadd_touches_watch_but_sends_no_notification(client: redis.Redis) -> None:
    client.config_set("notify-keyspace-events", "KEA")
    try:
        sub = client.pubsub()
        sub.psubscribe("__key*__:*")
        assert sub.get_message(timeout=1)["type"] == "psubscribe"
        pipe = client.pipeline()
        pipe.watch("ac")
        client.ft().sugadd("ac", Suggestion("x", 1))
        pipe.multi()
        pipe.get("other")
        with pytest.raises(redis.WatchError):
            pipe.execute()
        client.delete("ac")
        message = sub.get_message(timeout=1)
        assert message is not None and message["data"] in (b"del", b"ac")  # the DEL, not the FT.SUGADD
        sub.close()
    finally:
        client.config_set("notify-keyspace-events", "")
