"""HIGHLIGHT and SUMMARIZE over NOSTEM fields against Redis Stack 7.4.1, replies compared exactly: a NOSTEM
field holds its words as they are and no ``+stem`` records, so a token there is marked when it is a query
word or a stem as a word of its own (``run`` for ``runs``), never by its stem (``running`` for ``runs``);
a clause restricted to some fields (``@t:running``, INFIELDS) marks a word only where the document holds it
in those fields (then in every field), and its stem only where a stemmed one of them holds a word of that
stem. Skipped when Redis Stack cannot start."""

from __future__ import annotations

import pytest

from tests.serverutil import ThreadedServer, assert_same_raw_replies

SETUP = [[b"FLUSHALL"],
         [b"FT.CREATE", b"hl", b"ON", b"HASH", b"PREFIX", b"1", b"hl:", b"SCHEMA", b"t", b"TEXT", b"v", b"TEXT", b"NOSTEM",
          b"w", b"TEXT", b"NOSTEM"],
         [b"HSET", b"hl:1", b"t", b"runs fast running", b"v", b"running runs run jumped", b"w", b"runs ran"],
         [b"HSET", b"hl:2", b"t", b"walk", b"v", b"running"],
         [b"HSET", b"hl:3", b"t", b"the runner runs", b"v", b"Running, RUNS! run", b"w", b"jumps jumping"]]
QUERIES = [b"runs", b"running", b"run", b"@v:running", b"@v|w:runs", b"@v:(running fast)", b'"runs fast"',
           b'@v:"running runs"', b"jumped", b"jumping", b"runs jumps", b"@t:running", b"@t:run", b"@w:runs | @t:fast"]
OPTIONS = [[b"HIGHLIGHT", b"TAGS", b"<", b">"], [b"SUMMARIZE", b"LEN", b"2"],
           [b"HIGHLIGHT", b"FIELDS", b"1", b"v", b"SUMMARIZE", b"FIELDS", b"1", b"v", b"FRAGS", b"1", b"LEN", b"3"]]


@pytest.mark.parametrize("proto", [2, 3])
def test_highlight_in_nostem_fields_as_redis_stack(server: ThreadedServer, stack_port: int, proto: int) -> None:
    commands = [[b"FT.SEARCH", b"hl", q, *o, b"SORTBY", b"t"] for q in QUERIES for o in OPTIONS]
    commands += [[b"FT.SEARCH", b"hl", q, b"INFIELDS", b"1", b"t", *o, b"SORTBY", b"t"]
                 for q in (b"runs | jumps", b"running", b"run") for o in OPTIONS[:2]]
    assert_same_raw_replies(server.port, stack_port, proto, commands, setup=SETUP)
