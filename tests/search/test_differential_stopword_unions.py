"""A union whose first ``expr OR expr`` has a stop word on one side, against Redis Stack 7.4.1.

RediSearch's grammar makes ``the | x`` plain ``x`` (the stop word is NULL), and its rule for each further
alternative (``union ::= union OR expr``) then adds the alternative to x's children whatever x is, not to
a union: ``the | (a b) | c`` is the intersection ``a b c``, ``the | @g:{red} | blue`` the tag clause
``@g:{red|blue}`` (a word, prefix, suffix or infix joins as a tag value), and a word, a numeric range or a
negation ignores the alternatives: ``the | a | b`` is ``a``, and so is ``a | the | b``. The same documents
and queries on both servers, replies compared byte for byte; skipped when Redis Stack cannot start."""

from __future__ import annotations

import random

from tests.serverutil import ThreadedServer, assert_same_raw_replies

WORDS = ["apple", "banana", "cherry", "fig", "grape", "running", "runs", "the", "a", "is"]
TAGS = ["red", "green", "blue", "dark red", "UP"]
QUERIES = [
    "apple | a | banana", "a | apple | banana", "a | apple | banana | cherry", "a | apple* | banana",
    "a | *ppl* | fig", "a | (apple fig) | banana", "a | @t:(apple fig) | banana", "a | \"apple fig\" | banana",
    "a | (apple fig) | (banana | cherry)", "a | (apple | fig) | banana", "a | (apple | fig) | banana | the | cherry",
    "a | @g:{red} | blue", "a | @g:{red} | BLUE", "a | @g:{red} | gree*", "a | @g:{red} | *ee*",
    "a | @g:{red} | @g:{blue}", "a | @g:{red} | running", "a | @cs:{UP} | red", "a | @cs:{red} | UP",
    "a | @n:[1 5] | apple", "a | @n:[1 5] | @n:[6 9]", "a | -apple | banana", "a | -apple | -banana",
    "a | ~apple | banana", "apple | banana", "(a | apple | banana) fig", "fig (a | (apple banana) | cherry)",
]


def test_unions_led_by_a_stop_word_match_redis_stack(stack_port: int, server: ThreadedServer) -> None:
    rng = random.Random(5)
    setup: list[list[bytes]] = [[b"FLUSHALL"], b"FT.CREATE su ON HASH PREFIX 1 su: SCHEMA t TEXT g TAG cs TAG "
                                b"CASESENSITIVE n NUMERIC SORTABLE id NUMERIC SORTABLE".split()]
    for i in range(120):
        setup.append([b"HSET", b"su:%d" % i, b"id", b"%d" % i, b"n", b"%d" % rng.randint(-2, 12),
                      b"t", " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 5))).encode(),
                      b"g", ",".join(rng.sample(TAGS, rng.randint(0, 2))).encode(), b"cs", rng.choice(TAGS).encode()])
    commands = [[b"FT.SEARCH", b"su", q.encode(), b"NOCONTENT", b"SORTBY", b"id", b"LIMIT", b"0", b"200",
                 b"DIALECT", dialect] for q in QUERIES for dialect in (b"1", b"2")]
    assert_same_raw_replies(server.port, stack_port, 2, commands, setup)
