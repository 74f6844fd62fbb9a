"""RequestParser fed in arbitrary chunks: a chunk boundary between the elements of a request."""

from __future__ import annotations

from redvector.protocol.resp.parser import RequestParser


def _pack(args: list[bytes]) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%b\r\n" % (len(a), a) for a in args)


def _drain(parser: RequestParser) -> list[list[bytes]]:
    out = []
    while (argv := parser.next()) is not None:
        out.append(argv)
    return out


def test_chunk_boundary_between_elements() -> None:
    parser = RequestParser()
    parser.feed(b"*3\r\n$4\r\nSADD\r\n$1\r\ns\r\n")
    assert _drain(parser) == []
    parser.feed(b"$2\r\nm1\r\n")  # starts with '$': still the same request, not an inline command
    assert _drain(parser) == [[b"SADD", b"s", b"m1"]]
    parser.feed(b"PING\r\n")  # back to a fresh request: inline works again
    assert _drain(parser) == [[b"PING"]]


def test_every_split_point_of_a_pipeline() -> None:
    requests = [[b"SET", b"k", b"v"], [b"RPUSH", b"l", b"a", b"bb", b"ccc"], [b"GET", b"k"]]
    stream = b"".join(_pack(r) for r in requests)
    for cut in range(1, len(stream)):
        for second_cut in (cut, min(cut + 7, len(stream))):
            parser = RequestParser()
            got: list[list[bytes]] = []
            for chunk in (stream[:cut], stream[cut:second_cut], stream[second_cut:]):
                if chunk:
                    parser.feed(chunk)
                    got.extend(_drain(parser))
            assert got == requests, cut
            parser.feed(b"PING\r\n")  # an inline command after the pipeline
            assert _drain(parser) == [[b"PING"]]
