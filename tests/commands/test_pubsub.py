"""Pub/Sub through redis-py and raw sockets: channels, patterns across clients, shard channels,
RESP2 subscribe mode, RESET/disconnect cleanup and the slow-subscriber output limit."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
import redis

from tests.serverutil import ThreadedServer


def next_message(p: Any, timeout: float = 2.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = p.get_message(timeout=0.1)
        if msg is not None:
            return dict(msg)
    raise AssertionError("no message")


def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached")


@pytest.mark.parametrize("protocol", [2, 3])
def test_channels_and_patterns_across_clients(server: ThreadedServer, r: redis.Redis, protocol: int) -> None:
    sub_client = redis.Redis(port=server.port, protocol=protocol)
    p = sub_client.pubsub()
    try:
        p.subscribe("news")
        assert next_message(p) == {"type": "subscribe", "pattern": None, "channel": b"news", "data": 1}
        p.psubscribe("n*")
        assert next_message(p)["data"] == 2
        assert r.publish("news", "hello") == 2
        got = [next_message(p), next_message(p)]
        assert {"type": "message", "pattern": None, "channel": b"news", "data": b"hello"} in got
        assert {"type": "pmessage", "pattern": b"n*", "channel": b"news", "data": b"hello"} in got
        assert r.publish("nope", "x") == 1  # only the pattern
        assert next_message(p)["channel"] == b"nope"
        assert r.publish("other", "x") == 0
        assert r.pubsub_channels() == [b"news"]
        assert r.pubsub_channels("ne*") == [b"news"] and r.pubsub_channels("x*") == []
        assert r.pubsub_numsub("news", "other") == [(b"news", 1), (b"other", 0)]
        assert r.pubsub_numpat() == 1
        stats = r.info("stats")
        assert (stats["pubsub_channels"], stats["pubsub_patterns"]) == (1, 1)
        p.unsubscribe("news")
        assert next_message(p) == {"type": "unsubscribe", "pattern": None, "channel": b"news", "data": 1}
        p.punsubscribe()
        assert next_message(p)["type"] == "punsubscribe"
        assert r.pubsub_numpat() == 0 and r.pubsub_channels() == []
    finally:
        p.close()
        sub_client.close()


def test_shard_channels(server: ThreadedServer, r: redis.Redis) -> None:
    sub_client = redis.Redis(port=server.port)
    p = sub_client.pubsub()
    try:
        p.ssubscribe("orders")
        assert next_message(p)["type"] == "ssubscribe"
        assert r.spublish("orders", "1") == 1
        assert r.publish("orders", "1") == 0  # another namespace
        msg = next_message(p)
        assert (msg["type"], msg["channel"], msg["data"]) == ("smessage", b"orders", b"1")
        assert r.pubsub_shardchannels() == [b"orders"]
        assert r.pubsub_shardnumsub("orders") == [(b"orders", 1)]
    finally:
        p.close()
        sub_client.close()


def send(sock: socket.socket, *args: bytes) -> None:
    out = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%b\r\n" % (len(a), a) for a in args)
    sock.sendall(out)


def read_exactly(sock: socket.socket, expected: bytes) -> bytes:
    data = b""
    sock.settimeout(3)
    while len(data) < len(expected):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_resp2_subscribe_mode_and_ordering(server: ThreadedServer, r: redis.Redis) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        # Pipelined: the PING reply, both confirmations, then the error, in order.
        send(s, b"PING")
        send(s, b"SUBSCRIBE", b"a", b"b")
        send(s, b"GET", b"x")
        send(s, b"PING")
        expected = (
            b"+PONG\r\n"
            b"*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"
            b"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
            b"are allowed in this context\r\n"
            b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"
        )
        assert read_exactly(s, expected) == expected
        send(s, b"UNSUBSCRIBE")
        send(s, b"UNSUBSCRIBE")
        got = read_exactly(s, b"*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n" * 2 + b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n")
        assert got.endswith(b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n")
        send(s, b"GET", b"x")  # out of subscribe mode again
        assert read_exactly(s, b"$-1\r\n") == b"$-1\r\n"


def test_resp3_push_interleaves_with_replies(server: ThreadedServer, r: redis.Redis) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        send(s, b"HELLO", b"3")
        s.settimeout(3)
        time.sleep(0.1)
        s.recv(65536)
        send(s, b"SUBSCRIBE", b"c")
        expected = b">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n"
        assert read_exactly(s, expected) == expected
        # RESP3: ordinary commands work while subscribed; our own PUBLISH delivers the push first.
        send(s, b"SET", b"k", b"v")
        send(s, b"PUBLISH", b"c", b"m")
        expected = b"+OK\r\n>3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n:1\r\n"
        assert read_exactly(s, expected) == expected


def test_reset_and_disconnect_unsubscribe(server: ThreadedServer, r: redis.Redis) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        send(s, b"SUBSCRIBE", b"gone")
        send(s, b"PSUBSCRIBE", b"g*")
        read_exactly(s, b"x" * 60)
        wait_for(lambda: r.pubsub_numsub("gone") == [(b"gone", 1)])
        send(s, b"RESET")
        assert read_exactly(s, b"+RESET\r\n") == b"+RESET\r\n"
        assert r.pubsub_numsub("gone") == [(b"gone", 0)] and r.pubsub_numpat() == 0
        send(s, b"SUBSCRIBE", b"gone")
        read_exactly(s, b"x" * 30)
    wait_for(lambda: r.pubsub_numsub("gone") == [(b"gone", 0)])


def test_slow_subscriber_is_disconnected(server: ThreadedServer, r: redis.Redis) -> None:
    old = r.config_get("client-output-buffer-limit")["client-output-buffer-limit"]
    r.config_set("client-output-buffer-limit", "pubsub 256kb 128kb 60")
    try:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", server.port))
        send(s, b"SUBSCRIBE", b"firehose")
        wait_for(lambda: r.pubsub_numsub("firehose") == [(b"firehose", 1)])
        payload = b"x" * 10_000
        published = 0
        # The subscriber never reads: it must be dropped soon after 256 KB are queued for it,
        # so the server never holds much more than the limit (plus socket buffers) for it.
        while r.pubsub_numsub("firehose") == [(b"firehose", 1)]:
            r.publish("firehose", payload)
            published += len(payload)
            assert published < 20 * 1024 * 1024, "subscriber was never disconnected"
        assert published >= 256 * 1024
        s.close()
    finally:
        r.config_set("client-output-buffer-limit", old)


def test_pubsub_errors(r: redis.Redis) -> None:
    with pytest.raises(redis.ResponseError, match=r"unknown subcommand 'foo'\. Try PUBSUB HELP\."):
        r.execute_command("PUBSUB", "foo")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'publish' command"):
        r.execute_command("PUBLISH", "a")
    assert r.execute_command("PUBSUB", "NUMSUB") == []


def test_slow_subscriber_soft_limit(server: ThreadedServer, r: redis.Redis) -> None:
    """Over the soft limit for longer than its seconds (and no hard limit): disconnected too."""
    old = r.config_get("client-output-buffer-limit")["client-output-buffer-limit"]
    r.config_set("client-output-buffer-limit", "pubsub 0 64kb 1")
    try:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", server.port))
        send(s, b"SUBSCRIBE", b"soft")
        wait_for(lambda: r.pubsub_numsub("soft") == [(b"soft", 1)])
        started = time.monotonic()
        while r.pubsub_numsub("soft") == [(b"soft", 1)]:
            r.publish("soft", b"y" * 10_000)
            assert time.monotonic() - started < 20, "subscriber was never disconnected"
        assert time.monotonic() - started >= 1.0  # held over the soft limit for its full second first
        s.close()
    finally:
        r.config_set("client-output-buffer-limit", old)
