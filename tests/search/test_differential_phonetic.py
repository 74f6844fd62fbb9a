"""PHONETIC text fields against Redis Stack 7.4.1: the same documents (a phonetic field, a plain one, a
weighted phonetic one and a NOSTEM phonetic one) and queries on both servers, compared document by
document with their scores under every scorer, with VERBATIM, SLOP / INORDER, ``$phonetic`` and
``$weight``; FT.EXPLAIN's expansion and the errors word for word; FT.INFO's term and record counts (NOSTEM
fields write no stem records). Skipped when Redis Stack cannot start. A plain test through redis-py's
search API runs without it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from redis.commands.search.field import TextField
from redis.commands.search.index_definition import IndexDefinition
from redis.commands.search.query import Query

from tests.search.test_differential import _call
from tests.serverutil import ThreadedServer

NAMES = ["John Smith", "Jon Smyth", "Jean Schmidt", "Catherine", "Kathryn", "Thompson", "Tomson", "Knight", "Night",
         "Xavier", "john jon johnny", "thompson thompson tomson", "running runner runs", "Ann Anne"]
QUERIES = ["jon", "smith", "kathryn", "@name:jon", "@other:jon", "tomson", "night", "@name:jon=>{$phonetic:false}",
           "@other:jon=>{$phonetic:false}", "jon=>{$phonetic:true}", "jon*", "%jon%", '"jon smith"', "zavier", "ann",
           "@w:jon", "@ns:running", "@ns:jon", "runs", "@name:(jon smith)", "jon | kathryn", "-jon", "~jon",
           "@name|other:jon", "jon=>{$weight:2}", "@name:jon=>{$phonetic:true; $weight:3}", "thompson", "john"]
SCORERS = ["TFIDF", "BM25STD", "BM25", "DISMAX", "TFIDF.DOCNORM"]


@pytest.fixture
def pair(stack_port: int, server: ThreadedServer) -> Iterator[tuple[redis.Redis, redis.Redis]]:
    ref, ours = redis.Redis(port=stack_port, protocol=2), redis.Redis(port=server.port, protocol=2)
    for c in (ref, ours):
        c.flushall()
    yield ref, ours
    ref.close()
    ours.close()


def _scores(reply: Any) -> dict[bytes, float] | str:
    if isinstance(reply, str):
        return reply
    return {reply[i]: float(reply[i + 1]) for i in range(1, len(reply), 2)}


def _load(pair: tuple[redis.Redis, redis.Redis]) -> None:
    rng = random.Random(5)
    docs = [{"name": n, "other": n, "w": rng.choice(NAMES), "ns": rng.choice(NAMES)} for n in NAMES]
    for c in pair:
        c.execute_command("FT.CREATE", "p", "ON", "HASH", "PREFIX", "1", "p:", "SCHEMA", "name", "TEXT", "PHONETIC",
                          "dm:en", "other", "TEXT", "w", "TEXT", "WEIGHT", "3", "PHONETIC", "dm:fr", "ns", "TEXT",
                          "NOSTEM", "PHONETIC", "dm:en")
        for i, doc in enumerate(docs):
            c.hset(f"p:{i}", mapping=doc)


def test_matches_scores_and_explain(pair: tuple[redis.Redis, redis.Redis]) -> None:
    ref, ours = pair
    _load(pair)
    for query in QUERIES:
        for scorer in SCORERS:
            args = ("FT.SEARCH", "p", query, "WITHSCORES", "NOCONTENT", "DIALECT", "2", "SCORER", scorer, "LIMIT", "0",
                    "100")
            want, got = _scores(_call(ref, args)), _scores(_call(ours, args))
            if isinstance(want, str) or isinstance(got, str):
                assert got == want, (query, scorer)
                continue
            assert got.keys() == want.keys(), (query, scorer)
            for key, score in want.items():
                assert got[key] == pytest.approx(score, rel=1e-9), (query, scorer, key)
        for extra in (("VERBATIM",), ("SLOP", "1", "INORDER")):
            args = ("FT.SEARCH", "p", query, "NOCONTENT", "DIALECT", "2", "LIMIT", "0", "100", *extra)
            want_ids, got_ids = _call(ref, args), _call(ours, args)
            assert (sorted(got_ids[1:]) if isinstance(got_ids, list) else got_ids) == \
                (sorted(want_ids[1:]) if isinstance(want_ids, list) else want_ids), (query, extra)
        explain = ("FT.EXPLAIN", "p", query, "DIALECT", "2")
        assert _call(ours, explain) == _call(ref, explain), query


def test_phonetic_attribute_needs_a_phonetic_field(pair: tuple[redis.Redis, redis.Redis]) -> None:
    ref, ours = pair
    _load(pair)
    for query in ("@other:jon=>{$phonetic:true}", "@other:jon=>{$phonetic:false}", "@other:(jon=>{$phonetic:true})",
                  "@name:jon=>{$phonetic:false}", "@other:jon=>{$phonetic:true}", "jon=>{$phonetic:false}"):
        args = ("FT.SEARCH", "p", query, "NOCONTENT", "DIALECT", "2", "SCORER", "TFIDF")
        assert _call(ours, args) == _call(ref, args), query
    assert _call(ours, ("FT.SEARCH", "p", "@other:jon=>{$phonetic:false}")) == "error: field does not support phonetics"


def _counts(client: redis.Redis) -> tuple[Any, ...]:
    info = client.execute_command("FT.INFO", "p")
    fields = dict(zip(info[::2], info[1::2], strict=True))
    return fields[b"num_terms"], fields[b"num_records"], fields[b"attributes"]


@pytest.mark.parametrize("schema", [("TEXT", "PHONETIC", "dm:en"), ("TEXT", "NOSTEM"), ("TEXT", "NOSTEM", "PHONETIC", "dm:en"),
                                    ("TEXT", "WEIGHT", "3", "PHONETIC", "dm:fr")], ids=["phonetic", "nostem", "both", "weighted"])
def test_term_and_record_counts(pair: tuple[redis.Redis, redis.Redis], schema: tuple[str, ...]) -> None:
    ref, ours = pair
    for text in NAMES:
        for c in pair:
            c.flushall()
            c.execute_command("FT.CREATE", "p", "SCHEMA", "name", *schema)
            c.hset("p:1", "name", text)
        assert _counts(ours) == _counts(ref), text


def test_redis_py_phonetic_field(client: redis.Redis) -> None:
    """Without Redis Stack: a PHONETIC field through redis-py's API finds the names that sound alike."""
    client.ft("people").create_index([TextField("name", phonetic_matcher="dm:en"), TextField("plain")],
                                     definition=IndexDefinition(prefix=["person:"]))
    for i, name in enumerate(["John Smith", "Jon Smyth", "Jean Schmidt", "Mary Jones"]):
        client.hset(f"person:{i}", mapping={"name": name, "plain": name})

    def found(query: str) -> list[str]:
        return sorted(d.id for d in client.ft("people").search(Query(query).dialect(2).no_content()).docs)

    assert found("@name:jon") == ["person:0", "person:1", "person:2"]  # JN: john, jon, jean
    assert found("@name:smith") == ["person:0", "person:1"]  # SM0: smith, smyth (schmidt is XMT)
    assert found("@plain:jon") == ["person:1"]
    assert found("@name:jon=>{$phonetic:false}") == ["person:1"]
    with pytest.raises(redis.ResponseError, match="field does not support phonetics"):
        found("@plain:jon=>{$phonetic:true}")
