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


def test_large_chunks_are_fed_a_slice_at_a_time() -> None:
    """Chunks over two FEED_SLICEs go to hiredis in slices (its buffer compaction is quadratic in a big
    chunk): requests of every size, one spanning several slices, still come out whole and in order,
    through drain() and next(), whatever the chunk boundaries."""
    import random

    from redvector.protocol.resp.parser import FEED_SLICE

    rng = random.Random(5)
    requests = []
    for i in range(400):
        size = rng.choice([3, 40, 1536, 5000])
        requests.append([b"HSET", b"doc:%d" % i, b"v", bytes([i % 256]) * size])
    requests.insert(200, [b"SET", b"big", b"x" * (5 * FEED_SLICE + 7)])  # spans six slices
    stream = b"".join(_pack(r) for r in requests)
    assert len(stream) > 20 * FEED_SLICE
    for cuts in ([], [FEED_SLICE + 1], sorted(rng.sample(range(1, len(stream)), 5))):
        for use_drain in (True, False):
            parser = RequestParser()
            got: list[list[bytes]] = []
            for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
                parser.feed(stream[start:end])
                got.extend(parser.drain() if use_drain else _drain(parser))
            assert got == requests, (cuts, use_drain)


def test_a_protocol_error_in_a_later_slice_follows_the_requests_before_it() -> None:
    import pytest

    from redvector.errors import ProtocolError
    from redvector.protocol.resp.parser import FEED_SLICE

    good = [[b"SET", b"k%d" % i, b"v" * 1000] for i in range(80)]
    stream = b"".join(_pack(r) for r in good) + b"*1\r\n$x\r\n" + _pack([b"GET", b"k1"])
    assert len(stream) > 4 * FEED_SLICE
    parser = RequestParser()
    parser.feed(stream)
    assert parser.drain() == good
    with pytest.raises(ProtocolError):
        parser.drain()
