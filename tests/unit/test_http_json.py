"""REST JSON bodies: orjson where it reads exactly what the stdlib reads, the stdlib otherwise."""

from __future__ import annotations

import json

import pytest

from redvector.errors import BadRequest
from redvector.protocol.http import common
from redvector.protocol.http.common import dump_json, parse_json


@pytest.mark.parametrize("raw", [
    b'{"vector": [0.1, -2.5e-07, 3], "limit": 10, "name": "caf\\u00e9"}',
    b'{"id": 18446744073709551615}',  # u64 max: orjson keeps it an int
    b'{"id": 123456789012345678901234567890}',  # beyond 64 bits: the stdlib's int, not orjson's float
    b'{"id": -9223372036854775809}',
    b'[NaN, Infinity, -Infinity]',  # the stdlib accepts these literals (validation refuses them later)
    b'{"a": 1, "a": 2}',
])
def test_parse_json_reads_what_the_stdlib_reads(raw: bytes) -> None:
    got, want = parse_json(raw), json.loads(raw)
    assert json.dumps(got) == json.dumps(want)
    assert [type(v) for v in (got.values() if isinstance(got, dict) else got)] == \
        [type(v) for v in (want.values() if isinstance(want, dict) else want)]


@pytest.mark.parametrize("raw", [b"", b"  \n"])
def test_blank_body_is_none(raw: bytes) -> None:
    assert parse_json(raw) is None


@pytest.mark.parametrize("raw", [b'{"vector": [1, 2', b"\xff", b"{'a': 1}"])
def test_parse_errors_use_the_stdlib_message(raw: bytes) -> None:
    with pytest.raises(BadRequest) as info:
        parse_json(raw)
    try:
        json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        assert info.value.message == f"Format error in JSON body: {exc}"


def test_dump_json() -> None:
    value = {"result": [{"id": 1, "score": 0.25, "payload": {"city": "Zürich"}}], "big": 2**70}
    assert json.loads(dump_json(value)) == value
    assert dump_json({"s": "é"}) == '{"s":"é"}'.encode()


def test_long_fractions_take_the_orjson_path() -> None:
    """Fraction digits never count as a long integer: 0.000123... has 20 digits in a row."""
    assert common._LONG_INTEGER not in b" " + b'{"v": [0.00012345678901234567, -0.0400390625]}'.translate(common._DIGITS)
    assert common._LONG_INTEGER in b" " + b'{"id": 12345678901234567890}'.translate(common._DIGITS)
