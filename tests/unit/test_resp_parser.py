"""RequestParser without sockets: pipelined and byte-by-byte input, inline commands with quoting,
and every malformed input answered with Redis's exact protocol error."""

from __future__ import annotations

import pytest

from redvector.errors import ProtocolError
from redvector.protocol.resp.parser import RequestParser, split_inline


def multibulk(*args: bytes) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%b\r\n" % (len(a), a) for a in args)


def drain(p: RequestParser) -> list[list[bytes]]:
    out = []
    while (argv := p.next()) is not None:
        out.append(argv)
    return out


def test_pipelined_requests_in_one_chunk() -> None:
    p = RequestParser()
    p.feed(multibulk(b"SET", b"k", b"v") * 1000 + multibulk(b"GET", b"k"))
    got = drain(p)
    assert len(got) == 1001 and got[0] == [b"SET", b"k", b"v"] and got[-1] == [b"GET", b"k"]


def test_byte_by_byte_with_binary_payload() -> None:
    payload = bytes(range(256)) + b"\r\n*3\r\n$"
    stream = multibulk(b"SET", b"bin", payload) + multibulk(b"PING")
    p = RequestParser()
    got = []
    for i in range(len(stream)):
        p.feed(stream[i : i + 1])
        got += drain(p)
    assert got == [[b"SET", b"bin", payload], [b"PING"]]


def test_inline_commands_and_mixing() -> None:
    p = RequestParser()
    p.feed(b"PING\r\n\r\nSET k 'a b'\n" + multibulk(b"GET", b"k"))
    assert drain(p) == [[b"PING"], [b"SET", b"k", b"a b"], [b"GET", b"k"]]
    # An inline command after a multibulk one is recognised in the next read.
    p.feed(b"ECHO \"x\\ty\"\r\n")
    assert drain(p) == [[b"ECHO", b"x\ty"]]
    p.feed(b"PI")
    assert p.next() is None
    p.feed(b"NG\r\n")
    assert drain(p) == [[b"PING"]]


def test_empty_multibulk_is_ignored() -> None:
    p = RequestParser()
    p.feed(b"*0\r\n*-1\r\n" + multibulk(b"PING"))
    assert drain(p) == [[b"PING"]]


@pytest.mark.parametrize(("line", "argv"), [
    (b"set a b", [b"set", b"a", b"b"]),
    (b'  set "a b"  c ', [b"set", b"a b", b"c"]),
    (b'echo "\\x41\\n"', [b"echo", b"A\n"]),
    (b"echo 'it\\'s'", [b"echo", b"it's"]),
    (b"", []),
])
def test_split_inline(line: bytes, argv: list[bytes]) -> None:
    assert split_inline(line) == argv


@pytest.mark.parametrize(("data", "message"), [
    (b"*x\r\n", "Protocol error: invalid multibulk length"),
    (b"*1\r\n$x\r\n", "Protocol error: invalid bulk length"),
    (b"*1\r\n$600000000\r\n", "Protocol error: invalid bulk length"),
    (b"*1\r\n:1\r\n", "Protocol error: expected '$', got ':'"),
    (b'SET a "b\r\n', "Protocol error: unbalanced quotes in request"),
    (b"SET a 'b'c\r\n", "Protocol error: unbalanced quotes in request"),
])
def test_protocol_errors(data: bytes, message: str) -> None:
    p = RequestParser()
    p.feed(data)
    with pytest.raises(ProtocolError) as e:
        drain(p)
    assert e.value.message == message


def test_oversized_header_split_between_reads() -> None:
    p = RequestParser(max_bulk_len=1024 * 1024)
    p.feed(b"*2\r\n$3\r\nSET\r\n$20")
    assert p.next() is None
    p.feed(b"00000\r\nxx")  # $2000000 > 1 MB: refused before its payload arrives
    with pytest.raises(ProtocolError, match="invalid bulk length"):
        p.next()


def test_bulk_at_the_limit_is_accepted() -> None:
    p = RequestParser(max_bulk_len=16)
    p.feed(multibulk(b"SET", b"k", b"x" * 16))
    assert drain(p) == [[b"SET", b"k", b"x" * 16]]


def test_too_big_inline_request() -> None:
    p = RequestParser()
    p.feed(b"a" * (64 * 1024 + 1))
    with pytest.raises(ProtocolError, match="too big inline request"):
        p.next()
