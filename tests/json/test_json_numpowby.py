"""JSON.NUMPOWBY (RedisJSON 2.8): i64 powers wrap with the exponent cast to u32 as RedisJSON's
wrapping_pow does, doubles go through powf; Redis Stack's replies byte for byte."""

from __future__ import annotations

import pytest

from tests.serverutil import ThreadedServer, assert_same_raw_replies


def _c(*args: str) -> list[bytes]:
    return [a.encode() for a in args]


SETUP = [
    _c("FLUSHALL"),
    _c("JSON.SET", "j", "$", '{"a":2,"b":[1,2.5],"c":"x","d":{"a":3},"m":9223372036854775807,"n":-8,"z":0,'
                             '"f":2.5,"big":1e300,"u":18446744073709551615}'),
    _c("SET", "s", "x"),
]

COMMANDS = [
    _c("JSON.NUMPOWBY", "j", "$.a", "3"),
    _c("JSON.NUMPOWBY", "j", "$..a", "2"),
    _c("JSON.NUMPOWBY", "j", ".a", "2"),
    _c("JSON.NUMPOWBY", "j", "$.b[*]", "2"),
    _c("JSON.NUMPOWBY", "j", "$.c", "2"),
    _c("JSON.NUMPOWBY", "j", ".c", "2"),
    _c("JSON.NUMPOWBY", "j", "$.nosuch", "2"),
    _c("JSON.NUMPOWBY", "j", "$.a", "x"),
    _c("JSON.NUMPOWBY", "j", "$.a", '"2"'),
    _c("JSON.NUMPOWBY", "j", "$.a", "1e400"),
    _c("JSON.NUMPOWBY", "nokey", "$", "2"),
    _c("JSON.NUMPOWBY", "s", "$", "2"),
    _c("JSON.NUMPOWBY", "j"),
    _c("JSON.NUMPOWBY", "j", "$.a", "0.5"),
    _c("JSON.NUMPOWBY", "j", "$.b[0]", "-1"),
    _c("JSON.NUMPOWBY", "j", "$.d.a", "-1"),
    _c("JSON.NUMPOWBY", "j", "$.m", "2"),
    _c("JSON.NUMPOWBY", "j", "$.n", "3"),
    _c("JSON.NUMPOWBY", "j", "$.n", "0.5"),
    _c("JSON.NUMPOWBY", "j", "$.n", "2.0"),
    _c("JSON.NUMPOWBY", "j", "$.z", "-1"),
    _c("JSON.NUMPOWBY", "j", "$.z", "-1.0"),
    _c("JSON.NUMPOWBY", "j", "$.f", "-1"),
    _c("JSON.NUMPOWBY", "j", "$.f", "0"),
    _c("JSON.NUMPOWBY", "j", "$.big", "2"),
    _c("JSON.NUMPOWBY", "j", "$.u", "1"),
    _c("JSON.NUMPOWBY", "j", "$.d.a", "4294967298"),
    _c("JSON.GET", "j"),
]


@pytest.mark.parametrize("protocol", [2, 3])
def test_replies_match_redis_stack(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    assert_same_raw_replies(server.port, stack_port, protocol, COMMANDS, SETUP)
