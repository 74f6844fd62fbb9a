"""Differential: FT.SUG*, FT.DICT*, FT.SPELLCHECK TERMS and FT.SYN* against Redis Stack 7.4.1 (RediSearch
2.10.5). The same scripts run on both servers over raw sockets in RESP2 and RESP3 and every reply is
compared byte for byte (simple vs bulk strings, doubles, nulls, error texts included), except search
results, whose scores differ by design: there the matching documents are compared. Skipped when Redis
Stack cannot start."""

from __future__ import annotations

import shlex
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from tests.serverutil import ThreadedServer

SUGGEST = """
FT.SUGADD s hello 1
FT.SUGADD s help 2
FT.SUGADD s helicopter 3 PAYLOAD pl
FT.SUGADD s Hello 5
FT.SUGADD s hellO 1 INCR
FT.SUGLEN s
TYPE s
OBJECT ENCODING s
FT.SUGGET s hel WITHSCORES WITHPAYLOADS
FT.SUGGET s hel WITHSCORES MAX 2
FT.SUGGET s hwl FUZZY WITHSCORES
FT.SUGGET s HEL
FT.SUGGET s h WITHPAYLOADS
FT.SUGGET s hello WITHSCORES
FT.SUGGET s x
FT.SUGGET nokey hel
FT.SUGLEN nokey
FT.SUGDEL s hello
FT.SUGDEL s hello
FT.SUGDEL nokey hello
FT.SUGADD s
FT.SUGADD s a b
FT.SUGADD s a nan
FT.SUGADD s a 1e400
FT.SUGADD s a 1 FOO
FT.SUGADD s a 1 PAYLOAD
FT.SUGADD s a 1 PAYLOAD x PAYLOAD y
FT.SUGGET s
FT.SUGGET s a MAX x
FT.SUGGET s a MAX 0
FT.SUGGET s a MAX -1
FT.SUGGET s a MAX
FT.SUGGET s a FOO
FT.SUGDEL s
FT.SUGLEN s a
SET str x
FT.SUGADD str a 1
FT.SUGGET str a
FT.SUGLEN str
FT.SUGDEL str a
LPUSH s x
FT.SUGADD s a 1 INCR INCR
FT.SUGADD s a -1
FT.SUGADD s b 0
FT.SUGADD s "" 1
FT.SUGGET s a WITHSCORES
FT.SUGGET s b WITHSCORES
FT.SUGGET s "" WITHSCORES
SCAN 0 TYPE trietype0
FT.SUGADD t3 abc 1
FT.SUGADD t3 abd 2
FT.SUGADD t3 abe 1
FT.SUGADD t3 abf 1
FT.SUGADD t3 abg 1
FT.SUGADD t3 abh 1
FT.SUGADD t3 abi 1
FT.SUGGET t3 ab MAX 10
FT.SUGGET t3 ab MAX 3
FT.SUGGET t3 ab
FT.SUGADD u3 abe 1
FT.SUGADD u3 abc 1
FT.SUGADD u3 abd 1
FT.SUGGET u3 ab
FT.SUGADD u4 xa 1
FT.SUGADD u4 xb 1
FT.SUGADD u4 xc 1
FT.SUGADD u4 xd 1
FT.SUGGET u4 x
FT.SUGADD u5 xd 1
FT.SUGADD u5 xc 1
FT.SUGADD u5 xb 1
FT.SUGADD u5 xa 1
FT.SUGGET u5 x
FT.SUGADD t5 hellO 1
FT.SUGADD t5 hello 1
FT.SUGGET t5 hel FUZZY WITHSCORES
FT.SUGGET t5 hellx FUZZY WITHSCORES
FT.SUGGET t5 hxllo FUZZY WITHSCORES
FT.SUGGET t5 helloo FUZZY WITHSCORES
FT.SUGGET t5 hellooo FUZZY WITHSCORES
FT.SUGGET t5 ello FUZZY WITHSCORES
FT.SUGGET t5 x FUZZY WITHSCORES
FT.SUGADD v é 1
FT.SUGADD v Éa 2
FT.SUGGET v É WITHSCORES
FT.SUGADD w q1 1000
FT.SUGADD w q1xyzabc 1
FT.SUGGET w q WITHSCORES
FT.SUGDEL w q1
FT.SUGDEL w q1xyzabc
EXISTS w
FT.SUGLEN w
FT.SUGADD str a b
FT.SUGADD x y 0x10
FT.SUGADD x z 5abc
FT.SUGADD x " 5" 1
FT.SUGADD x w +inf
FT.SUGADD x w2 -inf
FT.SUGGET x w WITHSCORES
FT.SUGGET x "" WITHSCORES
""" + "".join(f"FT.SUGADD long {c * n} 1\nFT.SUGGET long {c * min(n, 200)}\n" for c, n in (("a", 254), ("b", 255),
                                                                                         ("c", 256), ("d", 300))) + """
FT.SUGLEN long
"""

DICTIONARIES = """
FT.DICTADD d foo bar foo Baz
FT.DICTADD d bar qux
FT.DICTDUMP d
FT.DICTDEL d foo nope
FT.DICTDUMP d
FT.DICTDUMP nodict
FT.DICTDEL made a
FT.DICTDUMP made
FT.DICTADD d
FT.DICTDEL d
FT.DICTDUMP
FT.DICTDUMP d x
FT.CREATE idx SCHEMA t TEXT
HSET doc1 t "hello world helo"
HSET doc2 t "hello there"
FT.SPELLCHECK idx "helo wrld baz" TERMS INCLUDE d
FT.SPELLCHECK idx "helo wrld bax" TERMS INCLUDE d
FT.SPELLCHECK idx "helo wrld bax" TERMS EXCLUDE d
FT.DICTADD ex helo
FT.SPELLCHECK idx "helo wrld" TERMS EXCLUDE ex
FT.SPELLCHECK idx "hell wrld" TERMS EXCLUDE ex
FT.SPELLCHECK idx "helox" TERMS INCLUDE made
FT.SPELLCHECK idx "helox" TERMS INCLUDE nodict
FT.SPELLCHECK idx "helox" TERMS EXCLUDE nodict
FT.SPELLCHECK idx "helo" TERMS FOO d
FT.SPELLCHECK idx "helo" TERMS INCLUDE
FT.SPELLCHECK idx "helo" TERMS
FT.SPELLCHECK idx "helo bax" TERMS INCLUDE d TERMS INCLUDE ex
FT.SPELLCHECK idx "helox" DISTANCE 2 TERMS INCLUDE d
FT.SPELLCHECK idx "bar" TERMS INCLUDE d
FT.SPELLCHECK idx "wrld bar" TERMS EXCLUDE d
FT.DICTADD e2 world wxrld World
FT.SPELLCHECK idx "wrld" TERMS INCLUDE e2
FT.SPELLCHECK idx "wrld" TERMS INCLUDE e2 TERMS EXCLUDE e2
FT.DICTDEL d Baz bar qux
FT.DICTDUMP d
FLUSHALL
FT.DICTDUMP ex
FT.DICTADD d x
SELECT 1
FLUSHDB
SELECT 0
FT.DICTDUMP d
"""

SYNONYMS = """
FT.CREATE idx SCHEMA t TEXT
FT.SYNUPDATE idx g9 SKIPINITIALSCAN
FT.SYNDUMP idx
FT.SYNUPDATE idx g1 hello hi
FT.SYNUPDATE idx g2 hi greetings
FT.SYNUPDATE idx G4 HeLLo
HSET doc1 t "hello world helo"
HSET doc2 t "hello there"
HSET doc3 t "hi hi hi there"
HSET doc4 t "greetings earthlings"
FT.SYNDUMP idx
FT.SEARCH idx hi NOCONTENT
FT.SEARCH idx hello NOCONTENT
FT.SEARCH idx greetings NOCONTENT
FT.SEARCH idx @t:hi NOCONTENT
FT.SEARCH idx hi VERBATIM NOCONTENT
FT.SEARCH idx hi* NOCONTENT
FT.SEARCH idx -hi NOCONTENT
FT.EXPLAIN idx hi
FT.EXPLAIN idx "hello world"
FT.EXPLAIN idx @t:greetings
FT.EXPLAIN idx hi VERBATIM
FT.SYNUPDATE idx
FT.SYNUPDATE idx g1
FT.SYNUPDATE noidx g1 a
FT.SYNDUMP noidx
FT.SYNDUMP
FT.SYNDUMP idx x
"""

# BM25STD orders these the same way on both servers (scores differ a little: RedVector expands a word to
# its group's words at query time instead of indexing RediSearch's ``~group`` records).
ORDERED = """
FT.SEARCH idx hi NOCONTENT SCORER BM25STD
FT.SEARCH idx hello NOCONTENT SCORER BM25STD
FT.SEARCH idx greetings NOCONTENT SCORER BM25STD
"""


def _lines(script: str) -> list[list[str]]:
    return [shlex.split(line) for line in script.strip().splitlines() if line.strip()]


class Raw:
    """A minimal RESP client that keeps every reply's exact bytes."""

    def __init__(self, port: int, proto: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")
        if proto == 3:
            self.call(["HELLO", "3"])

    def call(self, argv: list[str]) -> tuple[bytes, Any]:
        out = b"*%d\r\n" % len(argv)
        for a in argv:
            data = a.encode()
            out += b"$%d\r\n%s\r\n" % (len(data), data)
        self.sock.sendall(out)
        return self._read()

    def _read(self) -> tuple[bytes, Any]:
        line = self.file.readline()
        kind, rest = line[:1], line[1:-2]
        if kind in b"$=!":
            n = int(rest)
            if n < 0:
                return line, None
            data = self.file.read(n + 2)
            return line + data, data[:-2]
        if kind in b"*~>%|":
            n = int(rest)
            if n < 0:
                return line, None
            raw, items = line, []
            for _ in range(n * 2 if kind in b"%|" else n):
                r, v = self._read()
                raw += r
                items.append(v)
            return raw, items
        return line, rest

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def raw_pair(stack_port: int, port: int, proto: int) -> Iterator[tuple[Raw, Raw]]:
    """Raw clients of Redis Stack and of RedVector in ``proto``, both servers flushed first."""
    ref, ours = Raw(stack_port, proto), Raw(port, proto)
    for c in (ref, ours):
        c.call(["FLUSHALL"])
    yield ref, ours
    ref.close()
    ours.close()


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def pair(stack_port: int, server: ThreadedServer, request: pytest.FixtureRequest) -> Iterator[tuple[Raw, Raw]]:
    yield from raw_pair(stack_port, server.port, request.param)


def _ids(value: Any) -> list[Any]:
    """Document ids of an FT.SEARCH NOCONTENT reply (RESP2 array or RESP3 map)."""
    if isinstance(value, list) and value and isinstance(value[0], bytes) and value[0] == b"attributes":
        fields = dict(zip(value[::2], value[1::2], strict=True))
        return [dict(zip(row[::2], row[1::2], strict=True))[b"id"] for row in fields[b"results"]]
    return value[1:]


@pytest.mark.parametrize("script", [SUGGEST, DICTIONARIES, SYNONYMS], ids=["suggest", "dictionaries", "synonyms"])
def test_same_replies(pair: tuple[Raw, Raw], script: str) -> None:
    ref, ours = pair
    for argv in _lines(script):
        (raw_ref, ref_value), (raw_ours, our_value) = ref.call(argv), ours.call(argv)
        if argv[0] == "FT.SEARCH":
            assert sorted(_ids(our_value)) == sorted(_ids(ref_value)), argv
        else:
            assert raw_ours == raw_ref, argv


def test_same_synonym_ranking(pair: tuple[Raw, Raw]) -> None:
    ref, ours = pair
    for argv in _lines(SYNONYMS)[:10]:
        ref.call(argv)
        ours.call(argv)
    for argv in _lines(ORDERED):
        assert _ids(ours.call(argv)[1]) == _ids(ref.call(argv)[1]), argv


def test_dump_restore_both_ways(stack_port: int, server: ThreadedServer) -> None:
    ref, ours = redis.Redis(port=stack_port), redis.Redis(port=server.port)
    for c in (ref, ours):
        c.flushall()
        for text, score, payload in (("hello", 1, None), ("help", 2, None), ("helicopter", 3, "pl"),
                                     ("Hello", 5, None), ("é", 1.5, "x")):
            c.execute_command("FT.SUGADD", "s", text, score, *(("PAYLOAD", payload) if payload else ()))
    ours.restore("from-ref", 0, ref.dump("s"))
    ref.restore("from-ours", 0, ours.dump("s"))
    query = ("h", "WITHSCORES", "WITHPAYLOADS", "MAX", "10")
    expected = ref.execute_command("FT.SUGGET", "s", *query)
    assert ours.execute_command("FT.SUGGET", "from-ref", *query) == expected
    assert ref.execute_command("FT.SUGGET", "from-ours", *query) == expected
    assert ours.type("from-ref") == ref.type("from-ours") == b"trietype0"
    ref.close()
    ours.close()
