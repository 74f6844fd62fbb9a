"""Write every value type through RedVector's own commands, restart, compare everything: from the AOF
(replayed commands, including the logged forms of blocking pops, SPOP and expiry) and from the RDB."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import redis

from tests.persistence.helpers import fill_with_every_encoding, redis_contents, redvector, wait_until

MODES = {
    "aof": ("--appendonly", "yes", "--save", ""),
    "rdb": ("--appendonly", "no", "--save", "3600 1"),  # the final save on SIGTERM
    "aof-always": ("--appendonly", "yes", "--appendfsync", "always", "--save", ""),
}


def _mutate(r: redis.Redis) -> None:
    """Writes whose logged form differs from the request, on every type, and expiries on containers."""
    port = r.connection_pool.connection_kwargs["port"]
    blocked = redis.Redis(port=port)
    result: list[object] = []
    waiter = threading.Thread(target=lambda: result.append(blocked.blpop(["bl-empty"], timeout=10)))
    waiter.start()
    time.sleep(0.2)
    r.rpush("bl-empty", "first", "second")  # served to the blocked client: logged as a pop
    waiter.join(10)
    blocked.close()
    assert result == [(b"bl-empty", b"first")]
    r.spop("sbig", 3)  # random choice: logged as SREM of the members taken
    r.srandmember("sstr")
    r.lpop("lbig", 5)
    r.lmove("lsmall", "lmoved", "LEFT", "RIGHT")
    r.hincrbyfloat("hsmall", "f1", 0.25)
    r.hdel("hbig", "f1", "f2")
    r.zincrby("zsmall", 2.5, "a")
    r.zpopmin("zbig", 2)
    r.zunionstore("zunion", ["zsmall", "zbig"])
    r.sinterstore("sinter", ["sint", "sint"])
    r.expire("hsmall", 5000)
    r.pexpire("lbig", 9_000_000)
    r.set("short", "gone", px=20)
    r.incrbyfloat("float", 1.5)
    r.setrange("s", 2, "LL")
    time.sleep(0.05)
    with r.pipeline(transaction=True) as pipe:
        pipe.zadd("ztx", {"x": 1}).sadd("stx", "y").hset("htx", "f", "v").lpush("ltx", "z")
        pipe.execute()
    r.execute_command("SELECT", 7)
    r.hset("db7-hash", mapping={"a": "1"})
    r.execute_command("SELECT", 0)


@pytest.mark.parametrize("mode", MODES)
def test_every_type_survives_a_restart(tmp_path: Path, mode: str) -> None:
    data = tmp_path / "data"
    with redvector(data, *MODES[mode]) as (_, r):
        fill_with_every_encoding(r)
        _mutate(r)
        expected = redis_contents(r)
    assert (0, b"short") not in expected and (7, b"db7-hash") in expected
    with redvector(data, *MODES[mode]) as (_, r):
        assert redis_contents(r) == expected
    if mode == "aof":
        with redvector(data, *MODES[mode]) as (_, r):  # after a rewrite, from the new base
            r.bgrewriteaof()
            wait_until(lambda: r.info("persistence")["aof_rewrites"] == 1)
        with redvector(data, *MODES[mode]) as (_, r):
            assert redis_contents(r) == expected
