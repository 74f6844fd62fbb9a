"""FT.SPELLCHECK through redis-py's Search.spellcheck() and raw replies: suggestions for the words an
index does not know, scored by the share of documents holding them, stem records included."""

from __future__ import annotations

import pytest
import redis

from tests.search.helpers import hset


@pytest.fixture
def docs(client: redis.Redis) -> redis.Redis:
    client.execute_command("FT.CREATE", "idx", "PREFIX", "1", "d:", "SCHEMA", "title", "TEXT", "tag", "TAG")
    for i, title in enumerate(["the quick brown fox", "a lazy cat", "lazy foxes and dogs", "running shoes"]):
        hset(client, f"d:{i}", {"title": title, "tag": "x"})
    return client


def _text(v: object) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def _normalised(got: dict) -> dict[str, list[tuple[str, float]]]:  # type: ignore[type-arg]
    """redis-py's spellcheck() result over RESP2 ({word: [{score, suggestion}]}) or RESP3 (the server's
    {results: {word: [{suggestion: score}]}}) as {word: [(suggestion, score)]}."""
    got = got.get(b"results", got.get("results", got))
    out: dict[str, list[tuple[str, float]]] = {}
    for word, entries in got.items():
        pairs = []
        for e in entries:
            if "suggestion" in e:
                pairs.append((_text(e["suggestion"]), float(e["score"])))
            else:
                (suggestion, score), = e.items()
                pairs.append((_text(suggestion), float(score)))
        out[_text(word)] = pairs
    return out


def test_spellcheck_suggests_known_words(docs: redis.Redis) -> None:
    got = _normalised(docs.ft("idx").spellcheck("foz lazzy quick -dgs"))
    assert got == {"foz": [("fox", 0.25)], "lazzy": [("lazy", 0.5)], "dgs": [("dogs", 0.25)]}


def test_spellcheck_stem_records_distance_and_errors(docs: redis.Redis) -> None:
    raw = docs.execute_command("FT.SPELLCHECK", "idx", "lazi", "DISTANCE", "1", "DIALECT", "2")
    entries = raw[b"results"][b"lazi"] if isinstance(raw, dict) else raw[0][2]
    # "+lazi" is the stem record of "lazy" (two documents), listed like a word, as RediSearch does.
    names = [next(iter(e)) for e in entries] if isinstance(raw, dict) else [e[1] for e in entries]
    assert names == [b"+lazi", b"lazy"]
    wide = docs.execute_command("FT.SPELLCHECK", "idx", "fax", "DISTANCE", "2")
    assert len(wide[b"results"][b"fax"] if isinstance(wide, dict) else wide[0][2]) > 1
    for args, message in ((("DISTANCE", "5"), "bad distance given, distance must be a natural number between 1 to 4"),
                          (("TERMS", "INCLUDE"), "TERM arg is given but no TERM params comes after"),
                          (("TERMS", "BOTH", "d"), "bad format, exlude/include operation was not given")):
        with pytest.raises(redis.ResponseError, match=message):
            docs.execute_command("FT.SPELLCHECK", "idx", "foz", *args)
    with pytest.raises(redis.ResponseError, match="Unknown Index name"):
        docs.execute_command("FT.SPELLCHECK", "nope", "foz")
