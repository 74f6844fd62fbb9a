"""Connection, protocol errors, transactions and keys through a real server."""

from __future__ import annotations

import gc
import socket
import time

import pytest
import redis

from tests.serverutil import ThreadedServer


def raw(server: ThreadedServer, payload: bytes, read: int = 4096) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(payload)
        chunks = b""
        try:
            while True:
                data = s.recv(read)
                if not data:
                    break
                chunks += data
                if chunks.endswith(b"\r\n") and payload.count(b"\n") <= chunks.count(b"\n"):
                    break
        except TimeoutError:
            pass
        return chunks


def test_ping_echo(r: redis.Redis) -> None:
    assert r.ping() is True
    assert r.echo("hi") == b"hi"


def test_unknown_command_and_arity(r: redis.Redis) -> None:
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("NOPE", "a", "b")
    assert str(e.value) == "unknown command 'NOPE', with args beginning with: 'a' 'b' "
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("GET")
    assert str(e.value) == "wrong number of arguments for 'get' command"


def test_inline_commands(server: ThreadedServer) -> None:
    assert raw(server, b"PING\r\n") == b"+PONG\r\n"
    assert raw(server, b'SET inl "a b"\r\nGET inl\r\n') == b"+OK\r\n$3\r\na b\r\n"


def test_huge_multibulk_count_is_refused_before_hiredis_allocates(server: ThreadedServer) -> None:
    """hiredis allocates a multibulk's list at its header: "*3000000000" used to leave the server busy for
    minutes (freeing it walked every slot). It is refused before hiredis reads it, at a request boundary,
    after earlier requests in the same read, and split over two reads; a bulk value that looks like a
    header is data."""
    started = time.monotonic()
    assert raw(server, b"*3000000000\r\n") == b"-ERR Protocol error: invalid multibulk length\r\n"
    assert raw(server, b"*1\r\n$4\r\nPING\r\n*2147483647\r\n") == \
        b"+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"*2\r\n$4\r\nECHO\r\n$1\r\nx")  # a request left incomplete, then the rest and a header
        time.sleep(0.1)
        s.sendall(b"\r\n*3000000000\r\n")
        assert s.recv(4096) + s.recv(4096) == b"$1\r\nx\r\n-ERR Protocol error: invalid multibulk length\r\n"
    assert raw(server, b"*2\r\n$4\r\nECHO\r\n$12\r\n*99999999999\r\n") == b"$12\r\n*99999999999\r\n"
    for _ in range(3):  # the server is not busy freeing anything
        assert raw(server, b"PING\r\n") == b"+PONG\r\n"
    gc.collect()  # (the in-process server's parsers are freed here at the latest)
    assert time.monotonic() - started < 10, "the server stalled (it took ~40 s before the fix)"


def test_protocol_errors_close_connection(server: ThreadedServer) -> None:
    assert raw(server, b"*x\r\n") == b"-ERR Protocol error: invalid multibulk length\r\n"
    assert raw(server, b"*1\r\n$600000000\r\n") == b"-ERR Protocol error: invalid bulk length\r\n"
    assert raw(server, b'SET a "b\r\n') == b"-ERR Protocol error: unbalanced quotes in request\r\n"
    assert raw(server, b"*1\r\n:1\r\n") == b"-ERR Protocol error: expected '$', got ':'\r\n"
    assert raw(server, b"*1\r\n$-1\r\n") == b"-ERR Protocol error: invalid bulk length\r\n"  # a null element
    # the server carries on
    assert raw(server, b"HELLO 3 AUTH\r\n") == b"-ERR Syntax error in HELLO option 'AUTH'\r\n"  # as written
    assert raw(server, b"PING\r\n") == b"+PONG\r\n"


def test_pipelined_requests_before_a_malformed_one_are_answered(server: ThreadedServer) -> None:
    # One packet: two good requests, then a bad one. Redis answers the good ones, then the error.
    payload = b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n*1\r\n:1\r\n*1\r\n$4\r\nPING\r\n"
    assert raw(server, payload) == b"+PONG\r\n$2\r\nhi\r\n-ERR Protocol error: expected '$', got ':'\r\n"
    inline_then_bad = b'PING\r\nECHO "x\r\n'
    assert raw(server, inline_then_bad) == b"+PONG\r\n-ERR Protocol error: unbalanced quotes in request\r\n"


def test_pipeline_many(r: redis.Redis) -> None:
    pipe = r.pipeline(transaction=False)
    for i in range(5000):
        pipe.set(f"k{i}", i)
    pipe.get("k4999")
    assert pipe.execute()[-1] == b"4999"
    assert r.dbsize() == 5000


def test_hello(r: redis.Redis) -> None:
    reply = r.execute_command("HELLO", 3)
    info = reply if isinstance(reply, dict) else dict(zip(reply[::2], reply[1::2], strict=True))
    assert info[b"proto"] == 3 and info[b"server"] == b"redis"


def test_multi_exec_watch(server: ThreadedServer, r: redis.Redis) -> None:
    pipe = r.pipeline(transaction=True)
    pipe.set("a", 1).incr("a").get("a")
    assert pipe.execute() == [True, 2, b"2"]
    other = redis.Redis(port=server.port)
    with r.pipeline() as p:
        p.watch("w")
        other.set("w", "changed")
        p.multi()
        p.set("w", "mine")
        with pytest.raises(redis.WatchError):
            p.execute()
    assert r.get("w") == b"changed"
    other.close()


def test_execabort(r: redis.Redis) -> None:
    conn = r.connection_pool.get_connection()
    try:
        conn.send_command("MULTI")
        assert conn.read_response() == b"OK"
        conn.send_command("SET", "x", "1")
        assert conn.read_response() == b"QUEUED"
        conn.send_command("NOSUCH")
        with pytest.raises(redis.ResponseError):
            conn.read_response()
        conn.send_command("EXEC")
        with pytest.raises(redis.exceptions.ExecAbortError, match=r"Transaction discarded because of previous errors\."):
            conn.read_response()
    finally:
        r.connection_pool.release(conn)
    assert r.get("x") is None


def test_keys_expire(r: redis.Redis) -> None:
    r.set("a", 1)
    assert r.expire("a", 100) is True
    assert r.expire("a", 50, gt=True) is False
    assert r.ttl("a") == 100
    assert r.persist("a") is True
    assert r.ttl("a") == -1
    assert r.ttl("missing") == -2
    assert r.rename("a", "b") is True
    assert r.type("b") == b"string"
    with pytest.raises(redis.ResponseError, match="no such key"):
        r.rename("a", "c")
    assert sorted(r.keys("*")) == [b"b"]
    assert r.delete("b", "nope") == 1


def test_auth(server: ThreadedServer) -> None:
    r = redis.Redis(port=server.port)
    with pytest.raises(redis.AuthenticationError, match="AUTH <password> called without any password configured"):
        r.execute_command("AUTH", "x")
    r.config_set("requirepass", "s3cret")
    try:
        anon = redis.Redis(port=server.port)
        with pytest.raises(redis.AuthenticationError):
            anon.get("a")
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=server.port, password="wrong").ping()
        assert redis.Redis(port=server.port, password="s3cret").ping()
    finally:
        redis.Redis(port=server.port, password="s3cret").config_set("requirepass", "")
