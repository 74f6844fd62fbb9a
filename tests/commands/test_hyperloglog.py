"""HyperLogLog: PFADD/PFCOUNT/PFMERGE through redis-py, the error bound, and Redis byte compatibility."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
import redis

from redvector.keyspace.types import hyperloglog as hll
from tests.serverutil import RawClient, ThreadedServer, reference_redis


def err(r: redis.Redis, *args: object) -> str:
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def test_pfadd_pfcount(r: redis.Redis) -> None:
    assert r.pfadd("h", "a", "b", "c") == 1
    assert r.pfadd("h", "a", "b") == 0
    assert r.pfcount("h") == 3
    assert r.pfadd("empty") == 1 and r.pfadd("empty") == 0
    assert r.pfcount("empty") == 0 and r.pfcount("nope") == 0
    assert r.type("h") == b"string"
    value = r.get("h")  # a few registers: the sparse encoding, a handful of bytes
    assert value is not None and value[:5] == b"HYLL\x01" and len(value) < 40
    r.pfadd("h", *[f"e{i}" for i in range(3000)])  # too many registers for sparse: promoted to dense
    value = r.get("h")
    assert value is not None and value[:5] == b"HYLL\x00" and len(value) == hll.DENSE_SIZE


def test_values_are_byte_for_byte_redis_stacks(server: ThreadedServer, stack_port: int) -> None:
    """Random PFADD / PFCOUNT / PFMERGE over three keys: every reply, GET of the raw value included, is
    Redis Stack's (sparse opcodes, promotion to dense, cached cardinalities)."""
    rnd = random.Random(7)
    ours, theirs = RawClient(server.port, 2), RawClient(stack_port, 2)
    keys = [b"h1", b"h2", b"h3"]
    try:
        for client in (ours, theirs):
            client.call([b"FLUSHALL"])
        for step in range(2500):
            pick = rnd.random()
            if pick < 0.6:
                spread = rnd.choice([50, 500, 5000, 100000])
                cmd = [b"PFADD", rnd.choice(keys)] + [b"e%d" % rnd.randrange(spread)
                                                      for _ in range(rnd.choice([0, 1, 2, 5, 30]))]
            elif pick < 0.75:
                cmd = [b"PFCOUNT", rnd.choice(keys)]
            elif pick < 0.8:
                cmd = [b"PFCOUNT", rnd.choice(keys), rnd.choice(keys)]
            elif pick < 0.9:
                cmd = [b"PFMERGE", rnd.choice(keys), rnd.choice(keys), rnd.choice(keys)]
            elif pick < 0.95:
                cmd = [b"GET", rnd.choice(keys)]
            elif pick < 0.98:  # a HyperLogLog is a raw string, even a sparse one shorter than embstr's 44 bytes
                cmd = [b"OBJECT", b"ENCODING", rnd.choice(keys)]
            else:
                cmd = [b"DEL", rnd.choice(keys)]
            assert ours.call(cmd) == theirs.call(cmd), (step, cmd[:3])
    finally:
        ours.close()
        theirs.close()


def test_pfcount_union_and_pfmerge(r: redis.Redis) -> None:
    r.pfadd("a", *[f"x{i}" for i in range(100)])
    r.pfadd("b", *[f"x{i}" for i in range(50, 150)])
    union = r.pfcount("a", "b", "nope")
    assert abs(union - 150) <= 3
    assert r.pfmerge("m", "a", "b") is True
    assert r.pfcount("m") == union
    assert r.pfmerge("a", "b") is True  # the destination's own registers are kept
    assert r.pfcount("a") == union
    assert r.pfmerge("fresh") is True and r.pfcount("fresh") == 0


def test_ttl_kept(r: redis.Redis) -> None:
    r.pfadd("h", "a")
    r.expire("h", 100)
    r.pfadd("h", "b", "c")
    r.pfmerge("h", "h")
    assert 0 < r.ttl("h") <= 100


def test_errors(r: redis.Redis) -> None:
    r.set("str", "not an hll")
    not_hll = "WRONGTYPE Key is not a valid HyperLogLog string value."
    assert err(r, "PFADD", "str", "a") == not_hll
    assert err(r, "PFCOUNT", "str") == not_hll
    assert err(r, "PFMERGE", "d", "str") == not_hll
    r.rpush("l", "x")
    assert err(r, "PFADD", "l", "a").startswith("WRONGTYPE Operation against a key")
    r.pfadd("h", "a")
    broken = bytearray(r.get("h") or b"")
    broken[4] = 1  # claims to be sparse, but the bytes are not a valid sparse encoding
    broken[16:] = b"\x80" * (len(broken) - 16)
    r.set("bad", bytes(broken))
    assert err(r, "PFCOUNT", "bad") == "INVALIDOBJ Corrupted HLL object detected"
    assert r.pfadd("h") == 0
    assert err(r, "PFADD") == "wrong number of arguments for 'pfadd' command"


def test_error_bound_100k(r: redis.Redis) -> None:
    # Standard error 0.81%; this data set is fixed, so the check is deterministic. The bound is 3 sigma.
    pipe = r.pipeline(transaction=False)
    n = 100_000
    for start in range(0, n, 5000):
        pipe.pfadd("big", *[f"element:{i}" for i in range(start, start + 5000)])
    pipe.execute()
    estimate = r.pfcount("big")
    assert abs(estimate - n) / n < 3 * 0.0081


def test_rms_error_over_cardinalities() -> None:
    # Pure-function check of the estimator: the RMS relative error over several sketches stays near 0.81%.
    errors = []
    for seed in range(6):
        n = 20_000 + 7_000 * seed
        value, _ = hll.add(None, [b"s%d:%d" % (seed, i) for i in range(n)])
        errors.append((hll.count(hll.decode(value)) - n) / n)
    rms = (sum(e * e for e in errors) / len(errors)) ** 0.5
    assert rms < 0.0081 * 1.6


def test_small_counts_are_exact_enough() -> None:
    for n in (1, 10, 100, 1000):
        value, changed = hll.add(None, [b"%d" % i for i in range(n)])
        assert changed
        assert abs(hll.count(hll.decode(value)) - n) <= max(1, n // 100)


def test_sparse_decoding_roundtrip() -> None:
    # A hand-made sparse value: XZERO(100), VAL(3)x2, ZERO(2), XZERO(rest).
    rest = hll.REGISTERS - 104
    body = bytes([0x40 | (99 >> 8), 99 & 0xFF, 0x80 | (2 << 2) | 1, 0x01,
                  0x40 | ((rest - 1) >> 8), (rest - 1) & 0xFF])
    value = b"HYLL" + bytes([1, 0, 0, 0]) + bytes(7) + b"\x80" + body
    regs = hll.decode(value)
    assert list(regs[98:104]) == [0, 0, 3, 3, 0, 0] and int(regs.sum()) == 6
    dense = hll.encode(regs)
    assert (hll.decode(dense) == regs).all()


@pytest.fixture(scope="module")
def reference() -> Iterator[redis.Redis]:
    with reference_redis() as port:
        client = redis.Redis(port=port)
        yield client
        client.close()


def test_same_bytes_and_counts_as_redis(reference: redis.Redis, r: redis.Redis) -> None:
    elements = [f"user:{i}" for i in range(3000)]
    reference.config_set("hll-sparse-max-bytes", 0)  # dense from the start, like RedVector
    reference.delete("h")
    reference.pfadd("h", *elements)
    r.pfadd("h", *elements)
    theirs, ours = reference.get("h"), r.get("h")
    assert theirs is not None and ours is not None
    assert theirs[16:] == ours[16:]  # identical registers
    assert reference.pfcount("h") == r.pfcount("h")
    # A sparse value made by Redis is understood, counted and merged.
    reference.config_set("hll-sparse-max-bytes", 3000)
    reference.delete("sparse")
    reference.pfadd("sparse", *elements[:200])
    sparse = reference.get("sparse")
    assert sparse is not None and sparse[4] == 1
    r.set("sparse", sparse)
    assert r.pfcount("sparse") == reference.pfcount("sparse")
    assert r.pfadd("sparse", *elements[:200]) == 0
    r.pfmerge("both", "sparse", "h")
    assert r.pfcount("both") == reference.pfcount("h")
