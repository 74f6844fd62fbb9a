"""MIGRATE through real servers: RedVector to RedVector, to and from Debian's Redis 7.0, error texts
compared with Redis Stack 7.4, the AOF's DEL, and other clients served while the target is slow."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.persistence.helpers import aof_files, redvector, wait_until
from tests.serverutil import ThreadedServer, free_port, reference_redis

HOST = "127.0.0.1"


@pytest.fixture(scope="module")
def target() -> Iterator[ThreadedServer]:
    srv = ThreadedServer().start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def locked_target() -> Iterator[ThreadedServer]:
    srv = ThreadedServer({"requirepass": "s3cret"}).start()
    yield srv
    srv.stop()


@pytest.fixture
def t(target: ThreadedServer) -> Iterator[redis.Redis]:
    client = redis.Redis(port=target.port)
    client.flushall()
    yield client
    client.close()


def migrate(c: redis.Redis, *args: object) -> object:
    return c.execute_command("MIGRATE", *args)


def error_of(c: redis.Redis, *args: object) -> str:
    with pytest.raises(redis.ResponseError) as info:
        migrate(c, *args)
    return str(info.value)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A target that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen(8)
        yield listener.getsockname()[1]


# -- moving and copying ----------------------------------------------------------------------------


def test_single_key_moves_with_its_ttl(r: redis.Redis, t: redis.Redis, target: ThreadedServer) -> None:
    r.set("k", "v", px=50_000)
    assert migrate(r, HOST, target.port, "k", 0, 1000) in (b"OK", "OK")
    assert r.exists("k") == 0
    assert t.get("k") == b"v"
    assert 45_000 < t.pttl("k") <= 50_000


def test_every_type_moves(r: redis.Redis, t: redis.Redis, target: ThreadedServer) -> None:
    r.rpush("list", "a", "b")
    r.sadd("set", "x", 1)
    r.hset("hash", mapping={"f": "v"})
    r.zadd("zset", {"m": 1.5})
    r.xadd("stream", {"f": "v"}, id="1-1")
    assert migrate(r, HOST, target.port, "", 0, 1000, "KEYS", "list", "set", "hash", "zset", "stream") in (b"OK", "OK")
    assert r.dbsize() == 0
    assert t.lrange("list", 0, -1) == [b"a", b"b"]
    assert t.smembers("set") == {b"x", b"1"}
    assert t.hgetall("hash") == {b"f": b"v"}
    assert t.zrange("zset", 0, -1, withscores=True) == [(b"m", 1.5)]
    assert t.xrange("stream") == [(b"1-1", {b"f": b"v"})]


def test_hash_field_ttls_move(r: redis.Redis, t: redis.Redis, target: ThreadedServer) -> None:
    r.hset("h", mapping={"f": "1", "g": "2"})
    r.execute_command("HPEXPIRE", "h", 60_000, "FIELDS", 1, "f")
    assert migrate(r, HOST, target.port, "h", 0, 1000) in (b"OK", "OK")
    assert t.hgetall("h") == {b"f": b"1", b"g": b"2"}
    ttls = t.execute_command("HPTTL", "h", "FIELDS", 2, "f", "g")
    assert 50_000 < ttls[0] <= 60_000 and ttls[1] == -1


def test_copy_keeps_the_source_key(r: redis.Redis, t: redis.Redis, target: ThreadedServer) -> None:
    r.set("k", "v")
    assert migrate(r, HOST, target.port, "k", 0, 1000, "COPY") in (b"OK", "OK")
    assert r.get("k") == b"v" and t.get("k") == b"v"


def test_busykey_is_forwarded_and_replace_overwrites(r: redis.Redis, t: redis.Redis, target: ThreadedServer) -> None:
    r.set("k", "new")
    t.set("k", "old")
    assert error_of(r, HOST, target.port, "k", 0, 1000) == \
        "Target instance replied with error: BUSYKEY Target key name already exists."
    assert r.get("k") == b"new" and t.get("k") == b"old"
    assert migrate(r, HOST, target.port, "k", 0, 1000, "REPLACE") in (b"OK", "OK")
    assert r.exists("k") == 0 and t.get("k") == b"new"


def test_keys_form_into_another_db_with_a_missing_key(r: redis.Redis, target: ThreadedServer) -> None:
    r.set("a", "1")
    r.set("b", "2")
    assert migrate(r, HOST, target.port, "", 5, 1000, "REPLACE", "KEYS", "a", "missing", "b") in (b"OK", "OK")
    assert r.exists("a", "b") == 0
    t5 = redis.Redis(port=target.port, db=5)
    assert t5.mget("a", "b") == [b"1", b"2"]
    t5.flushdb()


def test_only_the_keys_the_target_accepted_are_deleted(r: redis.Redis, t: redis.Redis, target: ThreadedServer) -> None:
    r.mset({"a": "1", "b": "2", "c": "3"})
    t.set("b", "taken")
    assert error_of(r, HOST, target.port, "", 0, 1000, "KEYS", "a", "b", "c") == \
        "Target instance replied with error: BUSYKEY Target key name already exists."
    assert r.exists("a") == 0 and r.get("b") == b"2" and r.exists("c") == 0
    assert t.mget("a", "b", "c") == [b"1", b"taken", b"3"]


def test_nokey(r: redis.Redis, target: ThreadedServer) -> None:
    assert migrate(r, HOST, target.port, "nothing", 0, 1000) in (b"NOKEY", "NOKEY")
    assert migrate(r, HOST, target.port, "", 0, 1000, "KEYS", "x", "y") in (b"NOKEY", "NOKEY")
    assert migrate(r, HOST, target.port, "", 0, 1000, "KEYS") in (b"NOKEY", "NOKEY")
    # No key: nothing is sent, even to a port where nothing listens.
    assert migrate(r, HOST, free_port(), "nothing", 0, 1000) in (b"NOKEY", "NOKEY")


def test_target_db_out_of_range_is_the_targets_error(r: redis.Redis, target: ThreadedServer) -> None:
    r.set("k", "v")
    assert error_of(r, HOST, target.port, "k", 99, 1000) == \
        "Target instance replied with error: ERR DB index is out of range"
    assert r.get("k") == b"v"


# -- authentication --------------------------------------------------------------------------------


def test_auth_and_auth2_to_a_target_with_requirepass(r: redis.Redis, locked_target: ThreadedServer) -> None:
    locked = redis.Redis(port=locked_target.port, password="s3cret")
    locked.flushall()
    # The source's cached connection (authenticated by an earlier run) is dropped: the next MIGRATE
    # retries over a fresh one, as Redis does.
    locked.client_kill_filter(_type="normal", skipme=True)
    r.set("c", "3")
    assert error_of(r, HOST, locked_target.port, "c", 0, 1000) == \
        "Target instance replied with error: NOAUTH Authentication required."
    assert error_of(r, HOST, locked_target.port, "c", 0, 1000, "AUTH", "wrong") == \
        "Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled."
    assert r.get("c") == b"3" and locked.exists("c") == 0
    r.mset({"a": "1", "b": "2"})
    assert migrate(r, HOST, locked_target.port, "a", 0, 1000, "AUTH", "s3cret") in (b"OK", "OK")
    assert migrate(r, HOST, locked_target.port, "b", 0, 1000, "AUTH2", "default", "s3cret") in (b"OK", "OK")
    assert locked.mget("a", "b") == [b"1", b"2"] and r.exists("a", "b") == 0
    locked.close()


# -- argument errors and I/O errors ----------------------------------------------------------------

BAD_ARGUMENTS = [
    (("k", 0, 1000, "KEYS", "a"), "When using MIGRATE KEYS option, the key argument must be set to the empty string"),
    (("", 0, 1000, "bogus"), "syntax error"),
    (("k", 0, 1000, "AUTH"), "syntax error"),
    (("k", 0, 1000, "AUTH2", "user"), "syntax error"),
    (("k", 0, 1000, "COPY", "REPLACE", "KEYS"), "When using MIGRATE KEYS option, the key argument must be set to the empty string"),
    (("k", "db", 1000), "value is not an integer or out of range"),
    (("k", 0, "soon"), "value is not an integer or out of range"),
    (("k", 0, "1.5"), "value is not an integer or out of range"),
]


@pytest.mark.parametrize(("args", "message"), BAD_ARGUMENTS)
def test_argument_errors(r: redis.Redis, target: ThreadedServer, args: tuple[object, ...], message: str) -> None:
    r.set("k", "v")
    assert error_of(r, HOST, target.port, *args) == message
    assert r.get("k") == b"v"


def test_arity(r: redis.Redis) -> None:
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'migrate' command"):
        r.execute_command("MIGRATE", HOST, 1, "k", 0)


def test_target_down_or_unresolvable_is_ioerr(r: redis.Redis) -> None:
    r.set("k", "v")
    # Redis 7.4's connect does not fail on a refused port: the first write does.
    assert error_of(r, HOST, free_port(), "k", 0, 300) == "IOERR error or timeout writing to target instance"
    assert error_of(r, "nonexistent.invalid", 6379, "k", 0, 300) == "IOERR error or timeout connecting to the client"
    assert error_of(r, "", 6379, "k", 0, 300) == "IOERR error or timeout connecting to the client"
    assert error_of(r, HOST, -1, "k", 0, 300) == "IOERR error or timeout connecting to the client"
    assert r.get("k") == b"v"


def test_ioerr_code(r2: redis.Redis) -> None:
    r2.set("k", "v")
    with socket.create_connection((HOST, r2.connection_pool.connection_kwargs["port"])) as sock:
        sock.sendall(b"MIGRATE 127.0.0.1 %d k 0 300\r\n" % free_port())
        assert sock.recv(200) == b"-IOERR error or timeout writing to target instance\r\n"
        sock.sendall(b"MIGRATE 127.0.0.1 1 none 0 300\r\n")
        assert sock.recv(200) == b"+NOKEY\r\n"


def test_slow_target_times_out_while_other_clients_are_served(r: redis.Redis, server: ThreadedServer,
                                                             silent_port: int) -> None:
    r.set("k", "v")
    results: dict[str, object] = {}

    def run() -> None:
        started = time.monotonic()
        results["error"] = error_of(redis.Redis(port=server.port), HOST, silent_port, "k", 0, 800)
        results["took"] = time.monotonic() - started

    waiter = threading.Thread(target=run)
    waiter.start()
    time.sleep(0.2)
    other = redis.Redis(port=server.port)
    started = time.monotonic()
    assert other.ping() and other.get("k") == b"v"
    assert time.monotonic() - started < 0.3
    waiter.join(5)
    assert results["error"] == "IOERR error or timeout reading to target instance"
    assert 0.7 < results["took"] < 3  # type: ignore[operator]
    assert r.get("k") == b"v"
    other.close()


def test_closing_target_is_retried_once_then_ioerr(r: redis.Redis) -> None:
    r.set("k", "v")
    accepted = []
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen(8)

        def close_each() -> None:
            for _ in range(2):
                conn, _ = listener.accept()
                accepted.append(conn.recv(65536))
                conn.close()

        thread = threading.Thread(target=close_each, daemon=True)
        thread.start()
        assert error_of(r, HOST, listener.getsockname()[1], "k", 0, 2000) == \
            "IOERR error or timeout reading to target instance"
        thread.join(5)
    assert len(accepted) == 2 and accepted[0].startswith(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*4\r\n$7\r\nRESTORE\r\n")
    assert r.get("k") == b"v"


def test_a_key_changed_during_the_round_trip_stays(r: redis.Redis, server: ThreadedServer) -> None:
    """The target has the snapshot MIGRATE took; a key another client wrote meanwhile is not deleted."""
    r.mset({"a": "1", "b": "2"})
    release = threading.Event()
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen(8)

        def answer_later() -> None:
            conn, _ = listener.accept()
            conn.recv(65536)
            release.wait(5)
            conn.sendall(b"+OK\r\n+OK\r\n+OK\r\n")
            conn.recv(10)
            conn.close()

        threading.Thread(target=answer_later, daemon=True).start()
        reply: list[object] = []
        mover = threading.Thread(target=lambda: reply.append(
            migrate(redis.Redis(port=server.port), HOST, listener.getsockname()[1], "", 0, 5000, "KEYS", "a", "b")))
        mover.start()
        time.sleep(0.2)
        r.append("b", "-more")
        release.set()
        mover.join(5)
    assert reply and reply[0] in (b"OK", "OK")
    assert r.exists("a") == 0 and r.get("b") == b"2-more"


# -- inside MULTI and scripts (blocking, as in Redis) ------------------------------------------------


def test_in_multi_and_in_a_script(r: redis.Redis, t: redis.Redis, target: ThreadedServer) -> None:
    r.mset({"a": "1", "b": "2"})
    with r.pipeline(transaction=True) as pipe:
        pipe.execute_command("MIGRATE", HOST, target.port, "a", 0, 1000)
        pipe.execute_command("MIGRATE", HOST, target.port, "zz", 0, 1000)
        pipe.execute_command("MIGRATE", HOST, target.port, "b", 0, 1000, "COPY")
        assert pipe.execute() in ([b"OK", b"NOKEY", b"OK"], ["OK", "NOKEY", "OK"])
    assert r.exists("a") == 0 and r.get("b") == b"2" and t.mget("a", "b") == [b"1", b"2"]
    script = "return redis.call('MIGRATE', ARGV[1], ARGV[2], KEYS[1], 0, 1000, 'REPLACE')"
    assert r.eval(script, 1, "b", HOST, target.port) in (b"OK", "OK")
    assert r.exists("b") == 0
    r.set("c", "3")
    script = "return redis.pcall('MIGRATE', ARGV[1], ARGV[2], KEYS[1], 0, 300)"
    with pytest.raises(redis.ResponseError, match="error or timeout writing to target instance"):
        r.eval(script, 1, "c", HOST, free_port())


def test_command_getkeys(r3: redis.Redis) -> None:
    assert r3.command_getkeys("MIGRATE", "h", 1, "k", 0, 1) == [b"k"]
    assert r3.command_getkeys("MIGRATE", "h", 1, "", 0, 1, "AUTH", "keys", "COPY", "KEYS", "a",
                              "b") == [b"a", b"b"]
    assert r3.command_getkeys("MIGRATE", "h", 1, "", 0, 1, "AUTH2", "keys", "keys", "KEYS",
                              "a") == [b"a"]


def test_restore_asking_is_restore(r: redis.Redis) -> None:
    r.set("k", "v")
    payload = r.dump("k")
    assert r.execute_command("RESTORE-ASKING", "k2", 0, payload) in (b"OK", "OK")
    assert r.get("k2") == b"v"
    with pytest.raises(redis.ResponseError, match=r"^BUSYKEY Target key name already exists\.$"):
        r.execute_command("RESTORE-ASKING", "k2", 0, payload)


# -- persistence ------------------------------------------------------------------------------------


def test_the_aof_logs_del_for_the_moved_keys(tmp_path: Path, target: ThreadedServer) -> None:
    data = tmp_path / "data"
    with redvector(data, "--appendonly", "yes", "--save", "") as (_, source):
        source.mset({"a": "1", "b": "2", "c": "3"})
        assert migrate(source, HOST, target.port, "", 0, 1000, "REPLACE", "KEYS", "a", "b") in (b"OK", "OK")
        assert migrate(source, HOST, target.port, "c", 0, 1000, "COPY", "REPLACE") in (b"OK", "OK")
        with source.pipeline(transaction=True) as pipe:
            pipe.execute_command("MIGRATE", HOST, target.port, "c", 0, 1000, "REPLACE")
            pipe.set("d", "4")
            pipe.execute()
        log_path = aof_files(data)["incr"]
        wait_until(lambda: b"$1\r\nd\r\n" in log_path.read_bytes())
    log = log_path.read_bytes()
    assert b"*3\r\n$3\r\nDEL\r\n$1\r\na\r\n$1\r\nb\r\n" in log
    assert b"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\nc\r\n*3\r\n$3\r\nSET\r\n$1\r\nd\r\n" in log
    assert b"MIGRATE" not in log.upper() and log.count(b"DEL\r\n") == 2
    redis.Redis(port=target.port).flushall()


# -- interoperability and differential checks ----------------------------------------------------------


def test_to_and_from_redis_7_0(r: redis.Redis, server: ThreadedServer) -> None:
    with reference_redis() as port:
        ref = redis.Redis(port=port)
        r.rpush("list", *range(300))
        r.hset("hash", mapping={"f": "v"})
        r.set("str", "s", px=60_000)
        assert migrate(r, HOST, port, "", 0, 1000, "KEYS", "list", "hash", "str") in (b"OK", "OK")
        assert ref.lrange("list", 0, -1) == [str(i).encode() for i in range(300)]
        assert ref.hgetall("hash") == {b"f": b"v"} and 50_000 < ref.pttl("str") <= 60_000
        assert r.dbsize() == 0
        ref.zadd("zset", {"m": 2})
        assert migrate(ref, HOST, server.port, "", 0, 1000, "KEYS", "zset", "str") in (b"OK", "OK")
        assert r.zscore("zset", "m") == 2.0 and r.pttl("str") > 50_000
        assert sorted(ref.keys()) == [b"hash", b"list"]
        ref.close()


DIFFERENTIAL = [
    ("k", 0, 1000, "KEYS", "a"),
    ("", 0, 1000, "bogus"),
    ("k", 0, 1000, "AUTH"),
    ("k", "db", 1000),
    ("k", 0, "x"),
    ("", 0, 1000, "KEYS", "nope"),
    ("nope", 0, 1000),
]


def test_replies_match_redis_stack(r2: redis.Redis, stack_port: int, target: ThreadedServer) -> None:
    stack = redis.Redis(port=stack_port)
    down = free_port()
    cases: list[tuple[str, int, tuple[object, ...]]] = [(HOST, target.port, args) for args in DIFFERENTIAL]
    cases += [(HOST, down, ("k", 0, 300)), ("nonexistent.invalid", 6379, ("k", 0, 300)),
              (HOST, -1, ("k", 0, 300)), (HOST, target.port, ("k", 99, 1000)),
              (HOST, target.port, ("k", 0, 1000, "AUTH", "pw"))]
    for host, port, args in cases:
        replies = []
        for client in (r2, stack):
            client.set("k", "v")
            try:
                replies.append(migrate(client, host, port, *args))
            except redis.ResponseError as exc:
                replies.append(f"error: {exc}")
        assert replies[0] == replies[1], (host, port, args)
    stack.close()


def test_replicas_get_the_del(tmp_path: Path, target: ThreadedServer) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "r").mkdir()
    with redvector(tmp_path / "m", "--appendonly", "no", "--save", "") as (_, master), \
            redvector(tmp_path / "r", "--appendonly", "no", "--save", "") as (_, replica):
        master.mset({"a": "1", "b": "2"})
        replica.execute_command("REPLICAOF", HOST, master.connection_pool.connection_kwargs["port"])
        wait_until(lambda: replica.mget("a", "b") == [b"1", b"2"])
        assert migrate(master, HOST, target.port, "", 0, 1000, "REPLACE", "KEYS", "a", "b") in (b"OK", "OK")
        master.set("after", "x")
        wait_until(lambda: replica.get("after") == b"x")
        assert replica.exists("a", "b") == 0
    redis.Redis(port=target.port).flushall()


def test_connections_are_cached_per_target(r: redis.Redis, t: redis.Redis, target: ThreadedServer,
                                           server: ThreadedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """One connection per target, SELECT only when the database changes, a dropped connection retried
    once, closed after SocketCache.IDLE_S unused (INFO migrate_cached_sockets)."""
    from redvector.commands.migrate import SocketCache

    monkeypatch.setattr(SocketCache, "IDLE_S", 1.0)
    t.client_kill_filter(_type="normal", skipme=True)  # what earlier tests left cached

    def target_stats() -> tuple[int, int]:
        selects = t.info("commandstats").get("cmdstat_select", {}).get("calls", 0)
        return t.info("stats")["total_connections_received"], selects

    r.mset({"a": "1", "b": "2", "c": "3"})
    assert migrate(r, HOST, target.port, "a", 0, 1000) in (b"OK", "OK")  # a new connection (the retry's)
    before = target_stats()
    assert migrate(r, HOST, target.port, "b", 0, 1000) in (b"OK", "OK")
    assert target_stats() == before  # same connection, same database: no SELECT
    assert migrate(r, HOST, target.port, "c", 1, 1000) in (b"OK", "OK")
    assert target_stats() == (before[0], before[1] + 1)
    assert r.info("stats")["migrate_cached_sockets"] >= 1

    def cached() -> bool:
        assert server.app is not None
        return (HOST, target.port) in server.call(lambda: server.app.server.extensions["migrate_sockets"].idle)

    assert cached()
    t.client_kill_filter(_type="normal", skipme=True)
    r.set("d", "4")
    assert migrate(r, HOST, target.port, "d", 1, 1000) in (b"OK", "OK")  # retried on a fresh connection
    assert redis.Redis(port=target.port, db=1).mget("c", "d") == [b"3", b"4"]
    wait_until(lambda: not cached(), timeout=5)
    redis.Redis(port=target.port, db=1).flushdb()
