"""Differential: how doubles are written in replies, against Redis Stack 7.4.1 (Redis 7.4).

Redis 7.2+ writes a double reply (ZSCORE, ZINCRBY, WITHSCORES, RESP3 doubles, JSON.RESP numbers) with
d2string: integers as integers, else fpconv_dtoa's shortest digits in its own layout (``0.00001``,
``2.5e-8``, ``1e+30``). INCRBYFLOAT and HINCRBYFLOAT add as C long doubles and store ``%.17Lf`` with the
zeros cut (``12345678.8999999999996362``). Replies are compared as raw RESP bytes. Skipped when Redis Stack
cannot start.
"""

from __future__ import annotations

import pytest

from tests.serverutil import ThreadedServer, assert_same_raw_replies

VALUES = ["2.5e-8", "1e30", "1.5e-300", "123456789012345678901234", "0.1", "1e-5", "1e-4", "1e-7", "1e16", "1e17",
          "5e18", "1e21", "-2.5e-7", "0.000123", "1.5e20", "100.5", "3.0", "1e-100", "1.05e-102", "12345678.9",
          "0.3333333333333333", "9.5e15", "4.7e18", "4.6e18", "1e-6", "-123.456", "7e-5", "1.7976931348623157e308"]


# RedisJSON parses these with its own inexact parser (1.4999999999999998e-300): not copied.
INEXACT_IN_REDISJSON = {"1.5e-300", "123456789012345678901234"}


def _commands() -> list[list[bytes]]:
    out: list[list[bytes]] = []
    for v in VALUES:
        b = v.encode()
        out += [[b"ZADD", b"z", b, b], [b"ZSCORE", b"z", b], [b"ZINCRBY", b"zi", b, b], [b"ZMSCORE", b"z", b],
                [b"INCRBYFLOAT", b"f" + b, b], [b"INCRBYFLOAT", b"f" + b, b"0.1"], [b"GET", b"f" + b],
                [b"HINCRBYFLOAT", b"h", b, b], [b"HINCRBYFLOAT", b"h", b, b"1"], [b"HGET", b"h", b]]
        if v not in INEXACT_IN_REDISJSON:
            out += [[b"JSON.SET", b"j", b"$", b"[" + b + b"]"], [b"JSON.RESP", b"j", b"$"]]
    out += [[b"ZRANGE", b"z", b"0", b"-1", b"WITHSCORES"], [b"ZRANGE", b"zi", b"0", b"-1", b"WITHSCORES"],
            [b"HINCRBYFLOAT", b"h", b"big", b"1e4932"], [b"HINCRBYFLOAT", b"h", b"big", b"1e4932"],
            [b"SET", b"s", b"1.7e308"], [b"INCRBYFLOAT", b"s", b"1.7e308"], [b"INCRBYFLOAT", b"s", b"-0.0"],
            [b"INCRBYFLOAT", b"neg", b"-0.0"], [b"INCRBYFLOAT", b"s", b"nan"], [b"INCRBYFLOAT", b"s", b" 1"]]
    return out


@pytest.mark.parametrize("protocol", [2, 3])
def test_double_replies_match_redis_stack(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    assert_same_raw_replies(server.port, stack_port, protocol, _commands())
