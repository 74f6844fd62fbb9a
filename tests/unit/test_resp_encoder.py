"""The RESP encoder: every reply type in RESP2 and RESP3, no socket."""

from __future__ import annotations

import pytest

from redvector.errors import RedVectorError, WrongType
from redvector.protocol.resp.encoder import encode_reply
from redvector.replies import (
    NULL_ARRAY,
    OK,
    BigNumber,
    Map,
    Pairs,
    Push,
    SetReply,
    SimpleString,
    Verbatim,
    format_double,
)

CASES = [
    # (reply, RESP2, RESP3)
    (b"hi", b"$2\r\nhi\r\n", b"$2\r\nhi\r\n"),
    (b"", b"$0\r\n\r\n", b"$0\r\n\r\n"),
    ("h\u00e9", b"$3\r\nh\xc3\xa9\r\n", b"$3\r\nh\xc3\xa9\r\n"),
    (OK, b"+OK\r\n", b"+OK\r\n"),
    (SimpleString(b"QUEUED"), b"+QUEUED\r\n", b"+QUEUED\r\n"),
    (42, b":42\r\n", b":42\r\n"),
    (-7, b":-7\r\n", b":-7\r\n"),
    (None, b"$-1\r\n", b"_\r\n"),
    (NULL_ARRAY, b"*-1\r\n", b"_\r\n"),
    (True, b":1\r\n", b"#t\r\n"),
    (False, b":0\r\n", b"#f\r\n"),
    (1.5, b"$3\r\n1.5\r\n", b",1.5\r\n"),
    (3.0, b"$1\r\n3\r\n", b",3\r\n"),
    (float("inf"), b"$3\r\ninf\r\n", b",inf\r\n"),
    (float("-inf"), b"$4\r\n-inf\r\n", b",-inf\r\n"),
    ([b"a", 1, None], b"*3\r\n$1\r\na\r\n:1\r\n$-1\r\n", b"*3\r\n$1\r\na\r\n:1\r\n_\r\n"),
    ([], b"*0\r\n", b"*0\r\n"),
    (Map([(b"k", 1)]), b"*2\r\n$1\r\nk\r\n:1\r\n", b"%1\r\n$1\r\nk\r\n:1\r\n"),
    (Pairs([(b"m", 1.5)]), b"*2\r\n$1\r\nm\r\n$3\r\n1.5\r\n", b"*1\r\n*2\r\n$1\r\nm\r\n,1.5\r\n"),
    (SetReply([b"x"]), b"*1\r\n$1\r\nx\r\n", b"~1\r\n$1\r\nx\r\n"),
    (Push([b"message", b"c", b"m"]), b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n",
     b">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n"),
    (Verbatim(b"a:1"), b"$3\r\na:1\r\n", b"=7\r\ntxt:a:1\r\n"),
    (BigNumber(b"123456789012345678901234567890"), b"$30\r\n123456789012345678901234567890\r\n",
     b"(123456789012345678901234567890\r\n"),
    (WrongType(), b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
     b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    ([RedVectorError("bad\r\nline")], b"*1\r\n-ERR bad  line\r\n", b"*1\r\n-ERR bad  line\r\n"),
    ({b"d": [b"x"]}, b"*2\r\n$1\r\nd\r\n*1\r\n$1\r\nx\r\n", b"%1\r\n$1\r\nd\r\n*1\r\n$1\r\nx\r\n"),
]


@pytest.mark.parametrize(("reply", "resp2", "resp3"), CASES)
def test_encode_both_protocols(reply: object, resp2: bytes, resp3: bytes) -> None:
    assert encode_reply(reply, 2) == resp2
    assert encode_reply(reply, 3) == resp3


@pytest.mark.parametrize(("value", "text"), [
    (0.1, b"0.1"), (1e20, b"1e+20"), (1.5e22, b"1.5e+22"), (-2.5e-7, b"-2.5e-7"), (100.0, b"100"),
    (1 / 3, b"0.3333333333333333"), (1e-5, b"0.00001"), (1e-7, b"1e-7"), (-0.0, b"-0"), (4.6e18, b"4600000000000000000"),
    (4.7e18, b"4.7e+18"), (1.2345678901234569e23, b"123456789012345690000000"), (1.05e-102, b"1.05e-102"),
])
def test_format_double(value: float, text: bytes) -> None:
    assert format_double(value) == text


def test_unencodable_reply_is_an_internal_error() -> None:
    assert encode_reply(object(), 2) == b"-ERR internal error\r\n"
