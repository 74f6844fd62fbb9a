"""FT.EXPLAIN and FT.EXPLAINCLI against Redis Stack 7.4.1, raw replies compared in RESP2 and RESP3:
EXPLAINCLI's lines are simple strings, a TAG value shows as written (the index folds it), and a field
modifier written before a NOT or OPTIONAL shows on it (``@t:NOT{``). Skipped when Redis Stack cannot start."""

from __future__ import annotations

import pytest

from tests.serverutil import ThreadedServer, assert_same_raw_replies

SETUP = [[b"FLUSHALL"],
         [b"FT.CREATE", b"ex", b"ON", b"HASH", b"PREFIX", b"1", b"ex:", b"SCHEMA", b"t", b"TEXT", b"u", b"TEXT", b"NOSTEM",
          b"tg", b"TAG", b"cs", b"TAG", b"CASESENSITIVE", b"n", b"NUMERIC", b"g", b"GEO"]]
QUERIES = [b"runs", b"app*", b"*ple", b"%kiwi%", b"@tg:{Yel|AbC*|red}", b"@cs:{Yel|AbC*}", b"-@t:ru*ng @t:-ru*ng",
           b"@t:-(apple banana)", b"@t|u:-kiwi", b"@t:~apple fig", b"@g:[1 2 3 km] runs running",
           b"the @n:[1 5] @n:[(1 +inf]", b"(apple | fig) -(kiwi @tg:{Red})", b'"apple banana" @u:running']


@pytest.mark.parametrize("proto", [2, 3])
def test_explain_and_explaincli_as_redis_stack(server: ThreadedServer, stack_port: int, proto: int) -> None:
    commands = [[command, b"ex", q, b"DIALECT", d] for q in QUERIES for d in (b"1", b"2")
                for command in (b"FT.EXPLAIN", b"FT.EXPLAINCLI")]
    assert_same_raw_replies(server.port, stack_port, proto, commands, setup=SETUP)
