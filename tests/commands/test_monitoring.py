"""MONITOR (through redis-py's Monitor, which parses Redis's line format) and SLOWLOG."""

from __future__ import annotations

import pytest
import redis

from tests.serverutil import ThreadedServer


def test_monitor_sees_every_client_command(server: ThreadedServer) -> None:
    watcher = redis.Redis(port=server.port)
    other = redis.Redis(port=server.port)
    with watcher.monitor() as monitor:
        other.set("greeting", 'say "hi"\n')
        other.eval("return redis.call('GET', KEYS[1])", 1, "greeting")
        other.config_get("port")  # administrative: not shown, as in Redis
        try:
            other.execute_command("AUTH", "secret")  # refused, and its argument redacted
        except redis.AuthenticationError:
            pass
        other.get("last")
        seen = []
        for event in monitor.listen():
            seen.append(event)
            if event["command"].startswith("GET last"):
                break
    commands = [(e["command"], e["client_type"], e["db"]) for e in seen if not e["command"].startswith(("CLIENT", "HELLO"))]
    assert commands[0] == ('SET greeting say "hi"\\n', "tcp", 0)  # escaped as Redis does (redis-py unquotes)
    assert ("GET greeting", "lua", 0) in commands
    assert ("AUTH (redacted)", "tcp", 0) in commands
    assert ("EVAL return redis.call('GET', KEYS[1]) 1 greeting", "tcp", 0) in commands
    assert not any(c.startswith("CONFIG") for c, _, _ in commands)
    assert all(e["time"] > 1e9 and e["client_port"] for e in seen if e["client_type"] == "tcp")
    watcher.close()
    other.close()


def test_slowlog_keeps_slow_commands(r: redis.Redis) -> None:
    """Commands flagged fast (O(1), O(log n)) are not timed; every other one is, and kept when it ran at
    least slowlog-log-slower-than microseconds."""
    r.config_set("slowlog-log-slower-than", 0)  # every timed command
    r.config_set("slowlog-max-len", 3)
    r.slowlog_reset()
    r.mset({f"k{i}": "v" * 200 for i in range(20)})  # 41 arguments
    r.keys("k1*")
    r.get("k1")  # fast: not timed
    entries = r.slowlog_get(-1)
    assert r.slowlog_len() == 3 and len(entries) == 3
    # newest first; SLOWLOG RESET is logged after it ran, as in Redis
    assert [e["command"].split()[0] for e in entries] == [b"KEYS", b"MSET", b"SLOWLOG"]
    mset = entries[1]["command"]
    assert mset.endswith(b"... (10 more arguments)")  # 32 arguments at most: 31 and a count
    assert b"v" * 128 + b"... (72 more bytes)" in mset  # each cut at 128 bytes
    assert all(e["duration"] >= 0 and e["start_time"] > 1e9 for e in entries)
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)
    r.config_set("slowlog-log-slower-than", -1)
    r.slowlog_reset()
    r.keys("*")
    assert r.slowlog_len() == 0
    r.config_set("slowlog-log-slower-than", 10000)
    r.config_set("slowlog-max-len", 128)


def test_wait_without_replicas(r: redis.Redis) -> None:
    """WAIT: no replica ever acknowledges (0 at once when none is asked for, else after the timeout);
    WAITAOF without the AOF refuses numlocal, as Redis does."""
    import time

    assert r.wait(0, 0) == 0
    started = time.monotonic()
    assert r.wait(1, 150) == 0
    assert 0.1 < time.monotonic() - started < 2
    assert r.execute_command("WAITAOF", 0, 0, 0) == [0, 0]
    with pytest.raises(redis.ResponseError, match="appendonly is disabled"):
        r.execute_command("WAITAOF", 1, 0, 0)
    with pytest.raises(redis.ResponseError, match="timeout is negative"):
        r.wait(1, -1)
