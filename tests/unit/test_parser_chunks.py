"""RESP request parser: requests split across reads at every byte, including right after a complete
bulk string (where hiredis has consumed its whole buffer but the request is still in progress)."""

from __future__ import annotations

from redvector.protocol.resp.parser import RequestParser


def encode(*args: bytes) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%b\r\n" % (len(a), a) for a in args)


def test_split_after_complete_bulk_is_not_inline() -> None:
    p = RequestParser()
    p.feed(b"*3\r\n$3\r\nSET\r\n")
    assert p.next() is None
    p.feed(b"$1\r\nk\r\n$1\r\nv\r\n")
    assert p.next() == [b"SET", b"k", b"v"]
    assert p.next() is None


def test_every_split_point_of_a_pipeline() -> None:
    stream = encode(b"MSET", b"a", b"1", b"b", b"2") + encode(b"PING") + encode(b"GET", b"a")
    for cut in range(1, len(stream)):
        p = RequestParser()
        got = []
        for chunk in (stream[:cut], stream[cut:]):
            p.feed(chunk)
            while (argv := p.next()) is not None:
                got.append(argv)
        assert got == [[b"MSET", b"a", b"1", b"b", b"2"], [b"PING"], [b"GET", b"a"]], cut
