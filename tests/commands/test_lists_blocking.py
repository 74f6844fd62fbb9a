"""Blocking list commands across clients: timeouts, wake-ups, FIFO order, MULTI/EXEC, propagation."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
import redis

from tests.serverutil import ThreadedServer


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=4) as executor:
        yield executor


def proto(r: redis.Redis) -> int:
    return int(r.connection_pool.connection_kwargs.get("protocol") or 2)


def client(server: ThreadedServer, r: redis.Redis) -> redis.Redis:
    return redis.Redis(port=server.port, protocol=proto(r))


def blocked_count(r: redis.Redis) -> int:
    return int(r.info("clients")["blocked_clients"])


def wait_blocked(r: redis.Redis, n: int) -> None:
    deadline = time.monotonic() + 5
    while blocked_count(r) < n:
        assert time.monotonic() < deadline, f"expected {n} blocked clients"
        time.sleep(0.01)


def in_thread(pool: ThreadPoolExecutor, server: ThreadedServer, r: redis.Redis,
              call: Callable[[redis.Redis], Any]) -> Future[Any]:
    def run() -> Any:
        c = client(server, r)
        try:
            return call(c)
        finally:
            c.close()

    return pool.submit(run)


def pair(reply: Any) -> list[Any] | None:
    return None if reply is None else list(reply)


def test_timeout_sub_second(r: redis.Redis) -> None:
    start = time.monotonic()
    assert r.blpop(["none"], timeout=0.2) is None
    elapsed = time.monotonic() - start
    assert 0.15 <= elapsed < 2
    assert r.brpoplpush("none", "dst", timeout=0.05) is None
    assert r.blmove("none", "dst", 0.05, "LEFT", "RIGHT") is None
    assert r.execute_command("BLMPOP", "0.05", 1, "none", "LEFT") is None
    assert r.exists("dst") == 0


def test_immediate_when_available(r: redis.Redis) -> None:
    r.rpush("b", "x", "y")
    assert pair(r.blpop(["a", "b"], timeout=1)) == [b"b", b"x"]
    assert pair(r.brpop(["a", "b"], timeout=1)) == [b"b", b"y"]
    r.rpush("b", "1", "2", "3")
    assert list(r.execute_command("BLMPOP", 1, 2, "a", "b", "RIGHT", "COUNT", 2)) == [b"b", [b"3", b"2"]]
    assert r.brpoplpush("b", "c", 1) == b"1"
    assert r.lrange("c", 0, -1) == [b"1"]


def test_timeout_errors(r: redis.Redis) -> None:
    for bad in ("abc", "1_0", " 1", "nan"):
        with pytest.raises(redis.ResponseError, match="timeout is not a float or out of range"):
            r.execute_command("BLPOP", "k", bad)
    with pytest.raises(redis.ResponseError, match="timeout is negative"):
        r.execute_command("BRPOP", "k", "-1")
    with pytest.raises(redis.ResponseError, match="timeout is negative"):
        r.execute_command("BLMOVE", "a", "b", "LEFT", "LEFT", "-0.5")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("BLMOVE", "a", "b", "UP", "LEFT", "1")
    with pytest.raises(redis.ResponseError, match="numkeys should be greater than 0"):
        r.execute_command("BLMPOP", "1", "0", "a", "LEFT")


def test_wakeup_by_other_client(server: ThreadedServer, r: redis.Redis, pool: ThreadPoolExecutor) -> None:
    fut = in_thread(pool, server, r, lambda c: c.blpop(["q1", "q2"], timeout=5))
    wait_blocked(r, 1)
    r.rpush("q2", "hello")
    assert pair(fut.result(5)) == [b"q2", b"hello"]
    assert r.exists("q2") == 0
    assert blocked_count(r) == 0


def test_fifo_order(server: ThreadedServer, r: redis.Redis, pool: ThreadPoolExecutor) -> None:
    futures = []
    for i in range(3):
        futures.append(in_thread(pool, server, r, lambda c: c.blpop(["fifo"], timeout=5)))
        wait_blocked(r, i + 1)
    assert r.rpush("fifo", "a", "b", "c", "d") == 4
    assert [pair(f.result(5)) for f in futures] == [[b"fifo", b"a"], [b"fifo", b"b"], [b"fifo", b"c"]]
    assert r.lrange("fifo", 0, -1) == [b"d"]


def test_one_push_serves_only_first(server: ThreadedServer, r: redis.Redis, pool: ThreadPoolExecutor) -> None:
    first = in_thread(pool, server, r, lambda c: c.brpop(["k"], timeout=5))
    wait_blocked(r, 1)
    second = in_thread(pool, server, r, lambda c: c.brpop(["k"], timeout=1.5))
    wait_blocked(r, 2)
    r.lpush("k", "only")
    assert pair(first.result(5)) == [b"k", b"only"]
    assert second.result(5) is None  # timed out, still in order


def test_wakeup_by_exec(server: ThreadedServer, r: redis.Redis, pool: ThreadPoolExecutor) -> None:
    fut = in_thread(pool, server, r, lambda c: c.blpop(["tx"], timeout=5))
    wait_blocked(r, 1)
    pipe = r.pipeline(transaction=True)
    pipe.rpush("tx", "1", "2").rpush("other", "x")
    pipe.execute()
    assert pair(fut.result(5)) == [b"tx", b"1"]
    assert r.lrange("tx", 0, -1) == [b"2"]


def test_push_and_pop_in_one_exec_does_not_serve(server: ThreadedServer, r: redis.Redis,
                                                 pool: ThreadPoolExecutor) -> None:
    fut = in_thread(pool, server, r, lambda c: c.blpop(["tx"], timeout=1.5))
    wait_blocked(r, 1)
    pipe = r.pipeline(transaction=True)
    pipe.rpush("tx", "1").lpop("tx")
    assert pipe.execute() == [1, b"1"]
    assert fut.result(5) is None


def test_blpop_inside_multi_does_not_block(r: redis.Redis) -> None:
    pipe = r.pipeline(transaction=True)
    pipe.blpop(["empty"], timeout=0).brpoplpush("empty", "d", 0).rpush("full", "x").blpop(["full"], timeout=0)
    start = time.monotonic()
    replies = pipe.execute()
    assert time.monotonic() - start < 2
    assert replies[0] is None and replies[1] is None and replies[2] == 1
    assert pair(replies[3]) == [b"full", b"x"]


def test_blmove_chain(server: ThreadedServer, r: redis.Redis, pool: ThreadPoolExecutor) -> None:
    mover = in_thread(pool, server, r, lambda c: c.blmove("k1", "k2", 5, "LEFT", "RIGHT"))
    wait_blocked(r, 1)
    popper = in_thread(pool, server, r, lambda c: c.blpop(["k2"], timeout=5))
    wait_blocked(r, 2)
    r.rpush("k1", "v")
    assert mover.result(5) == b"v"
    assert pair(popper.result(5)) == [b"k2", b"v"]
    assert r.exists("k1", "k2") == 0


def test_blmpop_wakeup(server: ThreadedServer, r: redis.Redis, pool: ThreadPoolExecutor) -> None:
    fut = in_thread(pool, server, r,
                    lambda c: c.execute_command("BLMPOP", 5, 2, "m1", "m2", "LEFT", "COUNT", 2))
    wait_blocked(r, 1)
    r.rpush("m2", "a", "b", "c")
    assert list(fut.result(5)) == [b"m2", [b"a", b"b"]]


def test_wrongtype_after_blocking(r: redis.Redis) -> None:
    r.set("str", "x")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.blpop(["empty", "str"], timeout=0.1)
    r.rpush("l", "v")
    assert pair(r.blpop(["l", "str"], timeout=0.1)) == [b"l", b"v"]


def test_disconnect_while_blocked(server: ThreadedServer, r: redis.Redis) -> None:
    c = client(server, r)
    conn = c.connection_pool.get_connection()
    conn.send_command("BLPOP", "gone", 0)
    wait_blocked(r, 1)
    conn.disconnect()
    deadline = time.monotonic() + 5
    while blocked_count(r):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    r.rpush("gone", "kept")
    assert r.lrange("gone", 0, -1) == [b"kept"]
    c.close()


def test_pipelined_after_block(server: ThreadedServer, r: redis.Redis) -> None:
    c = client(server, r)
    conn = c.connection_pool.get_connection()
    conn.send_packed_command(conn.pack_commands([("BLPOP", "pp", "5"), ("PING",), ("LLEN", "pp")]))
    wait_blocked(r, 1)
    r.rpush("pp", "a", "b")
    assert pair(conn.read_response()) == [b"pp", b"a"]
    assert conn.read_response() in (b"PONG", "PONG", True)
    assert conn.read_response() == 1
    c.connection_pool.release(conn)
    c.close()


def test_served_pop_is_propagated_as_pop(server: ThreadedServer, r: redis.Redis,
                                         pool: ThreadPoolExecutor) -> None:
    assert server.app is not None
    srv = server.app.server
    logged: list[list[bytes]] = []

    def sink(db_index: int, argv: list[bytes]) -> None:
        logged.append(list(argv))

    server.call(srv.propagate_sinks.append, sink)
    try:
        fut = in_thread(pool, server, r, lambda c: c.blpop(["pq"], timeout=5))
        wait_blocked(r, 1)
        r.rpush("pq", "x")
        fut.result(5)
        mover = in_thread(pool, server, r, lambda c: c.brpoplpush("pq", "dst", 5))
        wait_blocked(r, 1)
        r.rpush("pq", "y")
        mover.result(5)
        r.rpush("b", "1", "2")
        r.execute_command("BLMPOP", 1, 1, "b", "RIGHT", "COUNT", 5)
    finally:
        server.call(srv.propagate_sinks.remove, sink)
    assert [b"LPOP", b"pq"] in logged
    assert [b"LMOVE", b"pq", b"dst", b"RIGHT", b"LEFT"] in logged
    assert [b"RPOP", b"b", b"2"] in logged
    assert not any(a[0].upper().startswith(b"B") for a in logged)


def test_failed_retry_keeps_queue_position(server: ThreadedServer, r: redis.Redis,
                                           pool: ThreadPoolExecutor) -> None:
    # W0 waits on b; W1 waits on a and b. A push to a that is gone again by the time W1 retries must not
    # move W1 ahead of W0 in b's queue.
    w0 = in_thread(pool, server, r, lambda c: c.blpop(["b"], timeout=5))
    wait_blocked(r, 1)
    w1 = in_thread(pool, server, r, lambda c: c.blpop(["a", "b"], timeout=5))
    wait_blocked(r, 2)
    pipe = r.pipeline(transaction=True)
    pipe.rpush("a", "x").lpop("a")
    pipe.execute()
    r.rpush("b", "first")
    assert pair(w0.result(5)) == [b"b", b"first"]
    r.rpush("b", "second")
    assert pair(w1.result(5)) == [b"b", b"second"]
