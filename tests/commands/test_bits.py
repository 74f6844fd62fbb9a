"""Bit commands and LCS through redis-py, RESP2 and RESP3 (values checked against Redis 7.0)."""

from __future__ import annotations

import pytest
import redis

from tests.serverutil import ThreadedServer


def test_setbit_getbit(r: redis.Redis) -> None:
    assert r.setbit("b", 7, 1) == 0
    assert r.setbit("b", 7, 1) == 1
    assert r.get("b") == b"\x01"
    assert r.setbit("b", 100, 1) == 0
    assert r.strlen("b") == 13
    assert r.getbit("b", 100) == 1
    assert r.getbit("b", 101) == 0
    assert r.getbit("b", 10**6) == 0
    assert r.getbit("missing", 3) == 0
    assert r.setbit("b", 7, 0) == 1
    assert r.getbit("b", 7) == 0


def test_setbit_keeps_ttl(r: redis.Redis) -> None:
    r.set("t", "a", ex=100)
    r.setbit("t", 0, 1)
    assert r.ttl("t") > 0


@pytest.mark.parametrize(("args", "message"), [
    (("SETBIT", "b", -1, 1), "bit offset is not an integer or out of range"),
    (("SETBIT", "b", 4294967296, 1), "bit offset is not an integer or out of range"),
    (("SETBIT", "b", 1, 2), "bit is not an integer or out of range"),
    (("GETBIT", "b", "x"), "bit offset is not an integer or out of range"),
    (("BITCOUNT", "s", 1), "syntax error"),
    (("BITCOUNT", "s", 0, 1, "FOO"), "syntax error"),
    (("BITCOUNT", "s", "a", "b"), "value is not an integer or out of range"),
    (("BITPOS", "s", 2), "The bit argument must be 1 or 0."),
    (("BITPOS", "s", 1, 0, 1, "bit", "x"), "syntax error"),
    (("BITOP", "FOO", "d", "s"), "syntax error"),
    (("BITOP", "NOT", "d", "s", "s"), "BITOP NOT must be called with a single source key."),
    (("BITFIELD", "s", "GET", "i65", 0), "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."),
    (("BITFIELD", "s", "GET", "u64", 0), "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."),
    (("BITFIELD", "s", "OVERFLOW", "foo"), "Invalid OVERFLOW type specified"),
    (("BITFIELD", "s", "GET", "i8", -1), "bit offset is not an integer or out of range"),
    (("BITFIELD", "s", "SET", "i8", 0, "a"), "value is not an integer or out of range"),
    (("BITFIELD", "s", "foo"), "syntax error"),
    (("BITFIELD_RO", "s", "SET", "i8", 0, 1), "BITFIELD_RO only supports the GET subcommand"),
])
def test_bit_errors(r: redis.Redis, args: tuple[object, ...], message: str) -> None:
    r.set("s", "foobar")
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    assert str(e.value) == message


def test_bitcount(r: redis.Redis) -> None:
    r.set("s", "foobar")
    assert r.bitcount("s") == 26
    assert r.bitcount("s", 0, 0) == 4
    assert r.bitcount("s", 1, 1) == 6
    assert r.bitcount("s", -3, -1) == 10
    assert r.bitcount("s", -1, -3) == 0
    assert r.bitcount("s", 5, 30, "BIT") == 17
    assert r.bitcount("s", 0, 1000) == 26
    assert r.bitcount("missing") == 0
    # Redis looks the key up before checking the range arguments.
    assert r.execute_command("BITCOUNT", "missing", 1) == 0


def test_bitpos(r: redis.Redis) -> None:
    r.set("b", b"\xff\xf0\x00")
    assert r.bitpos("b", 0) == 12
    assert r.bitpos("b", 1) == 0
    assert r.bitpos("b", 1, 2) == -1
    assert r.bitpos("b", 0, 2) == 16
    assert r.bitpos("b", 0, 3, 9, "BIT") == -1
    assert r.bitpos("b", 0, 10, 20, "BIT") == 12
    assert r.bitpos("b", 1, 10, 20, "BIT") == 10
    assert r.bitpos("b", 0, -5, -1, "BIT") == 19
    r.set("ones", b"\xff\xff")
    assert r.bitpos("ones", 0) == 16  # no explicit end: the string is taken as zero padded
    assert r.bitpos("ones", 0, 0, -1) == -1
    assert r.bitpos("missing", 0) == 0
    assert r.bitpos("missing", 1) == -1
    r.set("empty", "")
    assert r.bitpos("empty", 0) == -1


def test_bitop(r: redis.Redis) -> None:
    r.set("s", "foobar")
    r.set("t", "abc")
    assert r.bitop("AND", "d", "s", "t") == 6
    assert r.get("d") == b"`bc\x00\x00\x00"
    assert r.bitop("OR", "d", "s", "t") == 6
    assert r.get("d") == b"goobar"
    assert r.bitop("XOR", "d", "s", "t", "missing") == 6
    assert r.get("d") == b"\x07\r\x0cbar"
    assert r.bitop("NOT", "d", "t") == 3
    assert r.get("d") == b"\x9e\x9d\x9c"
    assert r.bitop("AND", "d", "missing", "missing2") == 0
    assert r.exists("d") == 0


def test_bitfield(r: redis.Redis) -> None:
    assert r.execute_command("BITFIELD", "nf", "GET", "u8", 0) == [0]
    assert r.exists("nf") == 0
    # A failed write still creates the (zero padded) string, as in Redis.
    assert r.execute_command("BITFIELD", "nf", "OVERFLOW", "FAIL", "INCRBY", "u2", 0, 5) == [None]
    assert r.strlen("nf") == 1
    run = lambda text: r.execute_command("BITFIELD", "f", *text.split())  # noqa: E731
    assert run("SET u8 0 255 GET u8 0 SET i8 #1 -100 GET i8 8 INCRBY u8 0 10") == [0, 255, 0, -100, 9]
    assert run("OVERFLOW SAT INCRBY u8 0 1000 INCRBY i8 8 -1000 OVERFLOW FAIL INCRBY u8 0 1 "
               "OVERFLOW WRAP INCRBY i8 8 -200") == [255, -128, None, -72]
    assert run("SET u8 #3 -1 OVERFLOW SAT SET u8 #4 -1 GET i64 0") == [0, 0, -20265098828316672]
    assert run("OVERFLOW WRAP INCRBY i64 64 9223372036854775807 INCRBY i64 64 9223372036854775807") == [
        9223372036854775807, -2]
    assert r.get("f") == b"\xff\xb8\x00\xff\xff\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xfe"
    assert r.execute_command("BITFIELD_RO", "f", "GET", "u4", 0, "GET", "i3", "#2") == [15, -1]


def put_non_string(server: ThreadedServer, key: bytes) -> None:
    """Store a set value directly (the set commands live in another module)."""
    assert server.app is not None
    db = server.app.server.db(0)
    server.call(lambda: (db.set(key, {b"x"}), db.touched(key, "sadd")))


def test_wrongtype(server: ThreadedServer, r: redis.Redis) -> None:
    put_non_string(server, b"h")
    r.set("s", "x")
    for args in (("GETBIT", "h", 0), ("SETBIT", "h", 0, 1), ("BITCOUNT", "h"), ("BITPOS", "h", 1),
                 ("BITOP", "AND", "d", "h", "s"), ("BITFIELD", "h", "GET", "u8", 0)):
        with pytest.raises(redis.ResponseError, match=r"^WRONGTYPE"):
            r.execute_command(*args)
    with pytest.raises(redis.ResponseError, match=r"^The specified keys must contain string values$"):
        r.lcs("h", "s")


def test_lcs(r: redis.Redis) -> None:
    r.mset({"a": "ohmytext", "b": "mynewtext"})
    assert r.lcs("a", "b") == b"mytext"
    assert r.lcs("a", "b", len=True) == 6
    reply = r.execute_command("LCS", "a", "b", "IDX", "MINMATCHLEN", 4, "WITHMATCHLEN")
    matches = reply[b"matches"] if isinstance(reply, dict) else reply[1]
    length = reply[b"len"] if isinstance(reply, dict) else reply[3]
    assert matches == [[[4, 7], [5, 8], 4]]
    assert length == 6
    reply = r.execute_command("LCS", "a", "b", "IDX")
    matches = reply[b"matches"] if isinstance(reply, dict) else reply[1]
    assert matches == [[[4, 7], [5, 8]], [[2, 3], [0, 1]]]
    assert r.lcs("a", "missing") == b""
    r.mset({"x": "ACCGGTCGAGTGCGCGGAAGCCGGCCGAA", "y": "GTCGTTCGGAATGCCGTTGCTCTGTAAA"})
    assert r.lcs("x", "y", len=True) == len(r.lcs("x", "y")) == 20


@pytest.mark.parametrize(("args", "message"), [
    (("LCS", "a", "b", "LEN", "IDX"), "If you want both the length and indexes, please just use IDX."),
    (("LCS", "a", "b", "MINMATCHLEN", "x"), "value is not an integer or out of range"),
    (("LCS", "a", "b", "FOO"), "syntax error"),
])
def test_lcs_errors(r: redis.Redis, args: tuple[object, ...], message: str) -> None:
    r.mset({"a": "x", "b": "y"})
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    assert str(e.value) == message
