"""NUMERIC values and WITHSORTKEYS against Redis Stack 7.4.1, replies byte for byte in RESP2 and RESP3: a SORTABLE field's key
comes from the index (``#`` and the number for NUMERIC), and so does a plain field's while RediSearch does
not load the whole document (NOCONTENT, RETURN); when it does, a plain NUMERIC field's key is the hash's own
text (``$2.50``, ``$1e1``) while the order stays numeric. A NUMERIC value is read as Redis's string2d reads
it (hexadecimal, inf; no spaces, ``_``, NaN or overflow) and RETURN gives it as that number. Skipped when
Redis Stack cannot start."""

from __future__ import annotations

import pytest

from tests.serverutil import ThreadedServer, assert_same_raw_replies

SETUP = [[b"FLUSHALL"],
         [b"FT.CREATE", b"sk", b"ON", b"HASH", b"PREFIX", b"1", b"sk:", b"SCHEMA", b"m", b"NUMERIC", b"n", b"NUMERIC",
          b"SORTABLE", b"x", b"TEXT", b"tg", b"TAG", b"s", b"TEXT", b"SORTABLE"]]
VALUES = [b"10", b"9", b"-5", b"100", b"2.50", b"1e1", b"0x10"]
for i, v in enumerate(VALUES):
    SETUP.append([b"HSET", b"sk:%d" % i, b"m", v, b"n", v, b"x", b"hello", b"tg", b"T%d" % (i % 3), b"s", b"Word %d" % i])
SETUP.append([b"HSET", b"sk:9", b"x", b"hello", b"tg", b"T9"])  # no m, no n

QUERIES = [[], [b"NOCONTENT"], [b"RETURN", b"1", b"x"], [b"RETURN", b"1", b"m"], [b"RETURN", b"3", b"m", b"AS", b"mm"]]
SORTS = [[b"SORTBY", b"m"], [b"SORTBY", b"m", b"DESC"], [b"SORTBY", b"n", b"DESC"], [b"SORTBY", b"tg"],
         [b"SORTBY", b"s", b"ASC"], [b"SORTBY", b"x"]]


@pytest.mark.parametrize("proto", [2, 3])
def test_withsortkeys_as_redis_stack(server: ThreadedServer, stack_port: int, proto: int) -> None:
    commands = [[b"FT.SEARCH", b"sk", b"hello", b"WITHSORTKEYS", *sort, *load, b"LIMIT", b"0", b"10"]
                for sort in SORTS for load in QUERIES]
    commands.append([b"FT.SEARCH", b"sk", b"hello", b"WITHSORTKEYS", b"WITHSCORES", b"SCORER", b"TFIDF", b"SORTBY", b"m",
                     b"LIMIT", b"2", b"3"])
    assert_same_raw_replies(server.port, stack_port, proto, commands, setup=SETUP)


NUMBERS = [b"10", b"2.50", b"1e1", b"0x10", b" 1", b"1 ", b"1_0", b"nan", b"inf", b"-inf", b"+5", b"1e400", b"0X1p-2",
           b"", b"abc", b"-0", b"1.", b".5", b"infinity", b"0x", b"5e", b"1,5", b"1e-400", b"1e-310", b"0x1p-2000",
           b"0.333333333333333333", b"1e20", b"123456789012345678", b"1.5e-7", b"-1e-300"]


@pytest.mark.parametrize("proto", [2, 3])
def test_numeric_values_read_as_redis_stack(server: ThreadedServer, stack_port: int, proto: int) -> None:
    setup = [[b"FLUSHALL"], [b"FT.CREATE", b"nm", b"ON", b"HASH", b"PREFIX", b"1", b"nm:", b"SCHEMA", b"m", b"NUMERIC",
                             b"n", b"NUMERIC", b"SORTABLE", b"x", b"TEXT"]]
    setup += [[b"HSET", b"nm:%02d" % i, b"m", v, b"n", v, b"x", b"hello"] for i, v in enumerate(NUMBERS)]
    commands = [[b"FT.SEARCH", b"nm", b"hello", b"NOCONTENT", b"SORTBY", b"m", b"LIMIT", b"0", b"100"],
                [b"FT.SEARCH", b"nm", b"hello", b"RETURN", b"2", b"m", b"n", b"SORTBY", b"n", b"LIMIT", b"0", b"100"],
                [b"FT.SEARCH", b"nm", b"@m:[-inf 1]", b"RETURN", b"3", b"m", b"AS", b"q", b"SORTBY", b"m", b"DESC"],
                [b"FT.SEARCH", b"nm", b"hello", b"SORTBY", b"m", b"LIMIT", b"0", b"100"],
                [b"FT.AGGREGATE", b"nm", b"hello", b"LOAD", b"2", b"@m", b"@n", b"SORTBY", b"2", b"@m", b"ASC"]]
    assert_same_raw_replies(server.port, stack_port, proto, commands, setup=setup)
