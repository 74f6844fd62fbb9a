"""Argument parsing helpers: Redis's integer, float and timeout rules and the ArgCursor."""

from __future__ import annotations

import pytest

from redvector.commands.args import ArgCursor, parse_float, parse_int, parse_timeout_ms
from redvector.errors import NotFloat, NotInteger, RedVectorError, SyntaxErr


@pytest.mark.parametrize(("text", "value"), [
    (b"0", 0), (b"42", 42), (b"-7", -7), (b"9223372036854775807", 2**63 - 1), (b"-9223372036854775808", -(2**63)),
])
def test_parse_int_accepts(text: bytes, value: int) -> None:
    assert parse_int(text) == value


@pytest.mark.parametrize("text", [
    b"", b" 1", b"1 ", b"+1", b"01", b"-0", b"1.0", b"abc", b"9223372036854775808", b"-9223372036854775809", b"1_000",
])
def test_parse_int_rejects(text: bytes) -> None:
    with pytest.raises(NotInteger) as e:
        parse_int(text)
    assert e.value.message == "value is not an integer or out of range"


def test_parse_int_custom_error() -> None:
    with pytest.raises(RedVectorError, match=r"^custom$"):
        parse_int(b"x", RedVectorError("custom"))


@pytest.mark.parametrize(("text", "value"), [
    (b"1.5", 1.5), (b"-3", -3.0), (b"inf", float("inf")), (b"-inf", float("-inf")), (b"1e3", 1000.0),
])
def test_parse_float_accepts(text: bytes, value: float) -> None:
    assert parse_float(text) == value


@pytest.mark.parametrize("text", [b"", b" 1", b"1 ", b"nan", b"abc"])
def test_parse_float_rejects(text: bytes) -> None:
    with pytest.raises(NotFloat) as e:
        parse_float(text)
    assert e.value.message == "value is not a valid float"


def test_parse_timeout() -> None:
    assert parse_timeout_ms(b"1.5") == 1500
    assert parse_timeout_ms(b"0") == 0
    with pytest.raises(RedVectorError, match="timeout is negative"):
        parse_timeout_ms(b"-1")
    with pytest.raises(RedVectorError, match="timeout is not a float or out of range"):
        parse_timeout_ms(b"x")


def test_arg_cursor() -> None:
    args = ArgCursor([b"SET", b"k", b"v", b"ex", b"10"], 3)
    assert args.remaining() == 2 and bool(args)
    assert args.peek_token() == "EX"
    assert args.next_token() == "EX"
    assert args.next_int() == 10
    assert not args and args.peek_token() is None
    with pytest.raises(SyntaxErr):
        args.next()
    rest = ArgCursor([b"a", b"b", b"c"], 1)
    assert rest.take_rest() == [b"b", b"c"] and not rest
