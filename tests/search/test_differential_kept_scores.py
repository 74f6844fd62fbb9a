"""A word's BM25STD figures kept from query to query (TextIndex.kept), against Redis Stack 7.4.1 after each
kind of write that must renew them. Alone in its module: Redis Stack's figures for an index move with the
documents of another index on the same server (a quirk kept out of this comparison). Skipped when Redis
Stack cannot start."""

from __future__ import annotations

import random

import redis

from tests.search.test_differential import _call
from tests.search.test_differential_phrase_frequent import _same_score, _scores
from tests.serverutil import ThreadedServer


def test_word_figures_follow_writes(stack_port: int, server: ThreadedServer) -> None:
    """A word's BM25STD figures are kept from query to query (TextIndex.kept) until a document with one
    of its records' words changes, a new word joins its stem record, or the document count or average
    length moves: after a new document, every document's score is Redis Stack's again; after an update
    or a deletion (which Redis Stack's figures lag behind), that of a server loaded with the result afresh."""
    ref, ours = redis.Redis(port=stack_port, protocol=2), redis.Redis(port=server.port, protocol=2)
    rng = random.Random(29)
    texts = {f"kw:{i}": " ".join(rng.choices(["run", "alpha", "beta", "gamma"], k=rng.randint(1, 6)))
             for i in range(200)}
    queries = ["run", "alpha", '"alpha run"', "alpha run", "beta"]
    args = [("FT.SEARCH", "kw", query, "WITHSCORES", "NOCONTENT", "SCORER", "BM25STD", "LIMIT", "0", "300",
             "DIALECT", "2") for query in queries]
    fresh = ThreadedServer().start()
    other = redis.Redis(port=fresh.port, protocol=2)
    try:
        for c in (ref, ours):
            _load(c, texts)
        writes = [("kw:new1", "beta beta gamma"),  # another document: the count and lengths move
                  ("kw:new2", "running alpha")]  # a new word in run's stem record
        seen = set()
        for write in [None, *writes]:
            if write is not None:
                texts[write[0]] = write[1]
                for c in (ref, ours):
                    c.hset(write[0], "t", write[1])
            for search in args:
                want, got = _scores(_call(ref, search)), _scores(_call(ours, search))
                _assert_same(got, want, (write, search[2]))
                seen.add((search[2], tuple(sorted(want.items()))))
        assert len(seen) > 2 * len(queries)  # the writes changed the figures
        # two updates that keep the count and lengths: the changed words' figures alone must be renewed
        same = [k for k, t in texts.items() if len(t.split()) == 2 and "alpha" not in t and "run" not in t]
        updates = [(same[0], "alpha alpha"), (same[1], "runs gamma"), (same[1], "beta gamma"), ("kw:5", "alpha alpha alpha run"),
                   ("kw:7", "gamma"), ("kw:3", None), ("kw:new2", None)]
        for key, text in updates:
            if text is None:
                ours.delete(key)
                del texts[key]
            else:
                ours.hset(key, "t", text)
                texts[key] = text
            _load(other, texts)
            for search in args:
                _assert_same(_scores(_call(ours, search)), _scores(_call(other, search)), (key, search[2]))
    finally:
        ref.close()
        ours.close()
        other.close()
        fresh.stop()


def _load(client: redis.Redis, texts: dict[str, str]) -> None:
    client.flushall()
    client.execute_command("FT.CREATE", "kw", "ON", "HASH", "PREFIX", "1", "kw:", "SCHEMA", "t", "TEXT")
    pipe = client.pipeline(transaction=False)
    for key, text in texts.items():
        pipe.hset(key, "t", text)
    pipe.execute()


def _assert_same(got: dict[bytes, float], want: dict[bytes, float], where: object) -> None:
    assert got.keys() == want.keys(), where
    for key, score in want.items():
        assert _same_score(got[key], score), (where, key, got[key], score)
