"""The append-only file: restart round trips, MULTI/EXEC framing, truncated and corrupted logs,
crash safety with appendfsync always, and BGREWRITEAOF under write load."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import pytest
import redis

from tests.persistence.helpers import aof_files, redvector, run_to_exit, stop, wait_until

AOF_ONLY = ("--appendonly", "yes", "--save", "")


def test_restart_restores_strings_expiry_and_databases(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, *AOF_ONLY) as (_, r):
        r.set("plain", "v1")
        r.set("counter", 10)
        r.incrby("counter", 5)
        r.set("ttl", "x", ex=1000)
        r.set("gone", "soon", px=1)
        r.append("plain", "-more")
        r.execute_command("SELECT", 3)  # the connection's db stays 3 (redis-py pins one connection)
        r.set("in-db-3", "three")
        r.execute_command("SELECT", 0)
        r.delete("counter")
        r.set("counter", 42)
        expire_at = r.pexpiretime("ttl")
    with redvector(data, *AOF_ONLY) as (_, r):
        assert r.get("plain") == b"v1-more"
        assert r.get("counter") == b"42"
        assert r.get("gone") is None
        assert r.pexpiretime("ttl") == expire_at
        r.execute_command("SELECT", 3)
        assert r.get("in-db-3") == b"three"
        r.execute_command("SELECT", 0)
        assert r.dbsize() == 3


def test_log_is_resp_framed_with_select_absolute_expiry_and_multi_exec(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, *AOF_ONLY) as (_, r):
        r.set("a", "1", ex=100)
        with r.pipeline(transaction=True) as pipe:
            pipe.set("b", "2").incr("b").get("b")
            pipe.execute()
        with r.pipeline(transaction=True) as pipe:
            pipe.get("a").exists("b")  # read-only: not logged
            pipe.execute()
        r.set("short", "x", px=30)
        time.sleep(0.1)
        assert r.get("short") is None  # lazy expiry: logged as DEL, the GET is not
        r.execute_command("SELECT", 2)
        r.set("c", "3")
    log = aof_files(data)["incr"].read_bytes()
    assert log.startswith(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n")
    assert b"PXAT" in log and b"$2\r\nEX\r\n" not in log
    multi = log.index(b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n")
    assert log.index(b"*1\r\n$4\r\nEXEC\r\n") > log.index(b"$1\r\nb\r\n", multi + 40) > multi  # INCR b inside
    assert log.count(b"MULTI") == 1
    assert b"*2\r\n$3\r\nDEL\r\n$5\r\nshort\r\n" in log
    assert b"GET" not in log.upper().replace(b"GETDEL", b"")
    assert log.endswith(b"*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1\r\n3\r\n")


def test_truncated_tail_is_dropped_with_a_warning(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, *AOF_ONLY) as (_, r):
        r.set("k1", "v1")
        r.set("k2", "v2")
    incr = aof_files(data)["incr"]
    good_size = incr.stat().st_size
    with incr.open("ab") as f:
        f.write(b"*3\r\n$3\r\nSET\r\n$2\r\nk3\r\n$5\r\nva")  # a crash in the middle of a write
    with redvector(data, *AOF_ONLY) as (proc, r):
        assert r.mget("k1", "k2", "k3") == [b"v1", b"v2", None]
        assert incr.stat().st_size == good_size  # cut back to the last complete command
        r.set("k4", "v4")
    output = stop(proc)
    assert "short read" in output.lower() or "incomplete" in output.lower()
    with redvector(data, *AOF_ONLY) as (_, r):
        assert r.mget("k1", "k4") == [b"v1", b"v4"]


def test_unfinished_multi_at_the_end_is_dropped(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, *AOF_ONLY) as (_, r):
        r.set("before", "1")
    incr = aof_files(data)["incr"]
    with incr.open("ab") as f:
        f.write(b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n")
    with redvector(data, *AOF_ONLY) as (_, r):
        assert r.get("before") == b"1"
        assert r.get("x") is None


def test_truncated_tail_refused_when_aof_load_truncated_is_no(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, *AOF_ONLY) as (_, r):
        r.set("k1", "v1")
    incr = aof_files(data)["incr"]
    with incr.open("ab") as f:
        f.write(b"*2\r\n$3\r\nDEL")
    code, output = run_to_exit(data, *AOF_ONLY, "--aof-load-truncated", "no")
    assert code == 1
    assert str(incr) in output and "Unexpected end of file" in output


def test_corruption_in_the_middle_stops_the_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, *AOF_ONLY) as (_, r):
        for i in range(5):
            r.set(f"k{i}", f"v{i}")
    incr = aof_files(data)["incr"]
    blob = bytearray(incr.read_bytes())
    offset = blob.index(b"*3\r\n$3\r\nSET\r\n$2\r\nk2")
    blob[offset] = ord("?")
    incr.write_bytes(bytes(blob))
    code, output = run_to_exit(data, *AOF_ONLY)
    assert code == 1
    assert str(incr) in output
    assert f"at offset {offset}" in output


def test_kill_9_with_appendfsync_always_loses_no_acknowledged_write(tmp_path: Path) -> None:
    data = tmp_path / "data"
    acked: list[list[int]] = [[] for _ in range(4)]
    stop_flag = threading.Event()
    with redvector(data, *AOF_ONLY, "--appendfsync", "always") as (proc, r):
        port = r.connection_pool.connection_kwargs["port"]

        def writer(n: int) -> None:
            client = redis.Redis(port=port, socket_timeout=5)
            i = 0
            try:
                while not stop_flag.is_set():
                    client.set(f"w{n}:{i}", i)
                    acked[n].append(i)
                    i += 1
            except (redis.ConnectionError, redis.TimeoutError):
                pass
            finally:
                client.close()

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        wait_until(lambda: sum(len(a) for a in acked) > 300)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stop_flag.set()
        for t in threads:
            t.join(10)
    assert sum(len(a) for a in acked) > 300
    with redvector(data, *AOF_ONLY) as (_, r):
        for n, values in enumerate(acked):
            if not values:
                continue
            got = r.mget([f"w{n}:{i}" for i in values])
            missing = [i for i, v in zip(values, got, strict=True) if v != str(i).encode()]
            assert not missing, f"writer {n}: acknowledged writes lost: {missing[:10]}"


def test_bgrewriteaof_while_clients_write(tmp_path: Path) -> None:
    data = tmp_path / "data"
    counts = [0] * 3
    stop_flag = threading.Event()
    with redvector(data, *AOF_ONLY) as (_, r):
        port = r.connection_pool.connection_kwargs["port"]
        r.mset({f"pre{i}": i for i in range(200)})

        def writer(n: int) -> None:
            client = redis.Redis(port=port)
            while not stop_flag.is_set():
                client.incr(f"counter{n}")
                counts[n] += 1
            client.close()

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        for _ in range(3):
            time.sleep(0.15)
            assert r.bgrewriteaof() in (True, b"Background append only file rewriting started")
            wait_until(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0)
        stop_flag.set()
        for t in threads:
            t.join(10)
        info = r.info("persistence")
        assert info["aof_rewrites"] == 3 and info["aof_last_bgrewrite_status"] == "ok"
        files = aof_files(data)
        assert files["base"].name == "appendonly.aof.4.base.rdb"
        assert sorted(p.name for p in (data / "appendonlydir").iterdir()) == sorted(
            [files["manifest"].name, files["base"].name, files["incr"].name])
    with redvector(data, *AOF_ONLY) as (_, r):
        assert [int(r.get(f"counter{n}") or 0) for n in range(3)] == counts
        assert r.get("pre199") == b"199"


def test_appendonly_turned_on_at_run_time(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, "--appendonly", "no", "--save", "") as (_, r):
        r.set("before", "1")
        r.config_set("appendonly", "yes")
        wait_until(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0
                   and r.info("persistence")["aof_rewrites"] == 1)
        r.set("after", "2")
    with redvector(data, *AOF_ONLY) as (_, r):
        assert r.mget("before", "after") == [b"1", b"2"]


def test_pure_in_memory_writes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, "--appendonly", "no", "--save", "") as (proc, r):
        r.set("k", "v")
        assert r.info("persistence")["aof_enabled"] == 0
    assert "pure in-memory" in stop(proc)
    assert not data.exists()


@pytest.mark.parametrize("policy", ["no", "everysec"])
def test_other_fsync_policies_round_trip(tmp_path: Path, policy: str) -> None:
    data = tmp_path / "data"
    with redvector(data, *AOF_ONLY, "--appendfsync", policy) as (_, r):
        r.mset({f"k{i}": i for i in range(50)})
        assert r.config_get("appendfsync") == {"appendfsync": policy}
    with redvector(data, *AOF_ONLY) as (_, r):
        assert r.get("k49") == b"49"


def test_automatic_rewrite_on_growth(tmp_path: Path) -> None:
    data = tmp_path / "data"
    args = (*AOF_ONLY, "--auto-aof-rewrite-min-size", "4kb", "--auto-aof-rewrite-percentage", "100")
    with redvector(data, *args) as (_, r):
        for i in range(100):
            r.set("same-key", "x" * 100 + str(i))  # the log grows, the data does not
        wait_until(lambda: r.info("persistence")["aof_rewrites"] >= 1)
        # A rewrite may start before the last writes; the next one compacts those too.
        wait_until(lambda: r.info("persistence")["aof_current_size"] < 4096, timeout=20)
    with redvector(data, *AOF_ONLY) as (_, r):
        assert r.get("same-key") == b"x" * 100 + b"99"


def test_appendfsync_changed_at_run_time(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, *AOF_ONLY) as (_, r):
        r.set("a", "1")
        r.config_set("appendfsync", "always")
        r.set("b", "2")
        r.config_set("appendfsync", "no")
        r.set("c", "3")
    with redvector(data, *AOF_ONLY) as (_, r):
        assert r.mget("a", "b", "c") == [b"1", b"2", b"3"]


def test_kill_9_with_everysec_loses_at_most_about_a_second(tmp_path: Path) -> None:
    # The log reaches the kernel every loop turn and is fsynced each second: a crash may lose only the
    # tail of the writes (never one in the middle), and nothing acknowledged over a second before it.
    data = tmp_path / "data"
    acked: list[int] = []
    progress: list[tuple[float, int]] = []
    with redvector(data, *AOF_ONLY, "--appendfsync", "everysec") as (proc, r):
        port = r.connection_pool.connection_kwargs["port"]
        stop_flag = threading.Event()

        def writer() -> None:
            client = redis.Redis(port=port, socket_timeout=5)
            try:
                pipe = client.pipeline(transaction=False)
                i = 0
                while not stop_flag.is_set():
                    for j in range(i, i + 20):
                        pipe.rpush("log", j)
                    pipe.execute()
                    acked.extend(range(i, i + 20))
                    progress.append((time.monotonic(), len(acked)))
                    i += 20
            except (redis.ConnectionError, redis.TimeoutError):
                pass
            finally:
                client.close()

        thread = threading.Thread(target=writer)
        thread.start()
        wait_until(lambda: len(acked) > 2000 and progress[-1][0] - progress[0][0] > 1.5)
        killed_at = time.monotonic()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stop_flag.set()
        thread.join(10)
    acked_a_second_before = max(n for t, n in progress if t <= killed_at - 1.0)
    with redvector(data, *AOF_ONLY) as (_, r):
        restored = [int(x) for x in r.lrange("log", 0, -1)]
    assert restored == list(range(len(restored)))  # a prefix: no hole
    assert len(restored) >= acked_a_second_before


def test_waitaof_fsyncs_the_client_writes(tmp_path: Path) -> None:
    """WAITAOF 1 0 0 answers [1, 0] once everything the client wrote is in the AOF on disk."""
    data = tmp_path / "data"
    with redvector(data, "--appendonly", "yes", "--appendfsync", "no", "--save", "") as (_, r):
        r.set("durable", "yes")
        assert r.execute_command("WAITAOF", 1, 0, 0) == [1, 0]
        logged = b"".join(p.read_bytes() for p in (data / "appendonlydir").glob("*.incr.aof"))
        assert b"durable" in logged
