"""FT.SEARCH HIGHLIGHT through redis-py's Query.highlight() and raw commands: terms and their stems
wrapped in tags inside the returned TEXT fields, as RediSearch 2.10 marks them."""

from __future__ import annotations

import pytest
import redis
from redis.commands.search.field import NumericField, TagField, TextField
from redis.commands.search.index_definition import IndexDefinition, IndexType
from redis.commands.search.query import Query

from tests.search.helpers import hset, search


@pytest.fixture
def docs(client: redis.Redis) -> redis.Redis:
    client.ft("idx").create_index(
        [TextField("title"), TextField("body"), TagField("tag"), NumericField("n", sortable=True)],
        definition=IndexDefinition(prefix=["d:"], index_type=IndexType.HASH))
    hset(client, "d:1", {"title": "Running, running; RUN!", "body": "The Runner runs fast. Hello-world, and (redis) rocks",
                         "tag": "fast", "n": 1})
    hset(client, "d:2", {"title": "running shoes", "body": "fast running shoes for runners", "tag": "gear", "n": 2})
    hset(client, "d:3", {"title": "Hello World", "body": "hello hello world program", "tag": "code", "n": 3})
    return client


def _fields(client: redis.Redis, *args: object) -> dict[str, dict[str, str]]:
    return {doc: {k: v.decode() if isinstance(v, bytes) else v for k, v in fields.items()}
            for doc, fields in search(client, "idx", *args)[1]}


def test_query_highlight_marks_terms_and_their_stems(docs: redis.Redis) -> None:
    res = docs.ft("idx").search(Query("running").highlight().sort_by("n").return_fields("title", "body"))
    assert [d.title for d in res.docs] == ["<b>Running</b>, <b>running</b>; <b>RUN</b>!", "<b>running</b> shoes"]
    # Runner/runners stem to "runner", not "run": left as they are; separators and case kept.
    assert [d.body for d in res.docs] == ["The Runner <b>runs</b> fast. Hello-world, and (redis) rocks",
                                          "fast <b>running</b> shoes for runners"]


def test_highlight_fields_and_tags(docs: redis.Redis) -> None:
    res = docs.ft("idx").search(Query("hello redis").highlight(fields=["body"], tags=["[", "]"]))
    assert [d.id for d in res.docs] == ["d:1"]
    assert res.docs[0].body == "The Runner runs fast. [Hello]-world, and ([redis]) rocks"
    assert res.docs[0].title == "Running, running; RUN!"  # not among FIELDS
    # The highlighted fields come first in the row, as RediSearch loads them.
    assert list(_fields(docs, "hello redis", "HIGHLIGHT", "FIELDS", "1", "body")["d:1"])[:2] == ["body", "title"]


def test_highlight_fields_0_means_every_field(docs: redis.Redis) -> None:
    rows = _fields(docs, "hello", "HIGHLIGHT", "FIELDS", "0", "RETURN", "2", "title", "body")
    assert rows["d:3"] == {"title": "<b>Hello</b> World", "body": "<b>hello</b> <b>hello</b> world program"}


def test_highlight_phrase_field_restricted_terms_and_prefixes(docs: redis.Redis) -> None:
    rows = _fields(docs, '"hello world"', "HIGHLIGHT", "RETURN", "1", "body")
    assert rows["d:3"]["body"] == "<b>hello</b> <b>hello</b> <b>world</b> program"
    # A term restricted to one field is highlighted in every highlighted field.
    rows = _fields(docs, "@body:hello", "HIGHLIGHT", "TAGS", "<<", ">>", "RETURN", "1", "title")
    assert rows["d:3"]["title"] == "<<Hello>> World"
    # A prefix marks one word per document: the first (lexically) of its words the document holds.
    rows = _fields(docs, "run*", "HIGHLIGHT", "RETURN", "2", "title", "body")
    assert rows["d:1"]["title"] == "Running, running; <b>RUN</b>!"  # run < runner < running < runs
    assert rows["d:2"] == {"title": "running shoes", "body": "fast running shoes for <b>runners</b>"}


def test_highlight_leaves_non_text_and_negated_clauses_alone(docs: redis.Redis) -> None:
    rows = _fields(docs, "@tag:{fast}", "HIGHLIGHT")
    assert rows["d:1"]["tag"] == "fast" and rows["d:1"]["body"].startswith("The Runner runs fast.")
    rows = _fields(docs, "-hello", "HIGHLIGHT", "RETURN", "1", "title")
    assert rows == {"d:2": {"title": "running shoes"}}
    assert docs.hgetall("d:3")[b"title"] == b"Hello World"  # the stored hash is untouched


def test_highlight_bad_arguments(docs: redis.Redis) -> None:
    for args in (("FIELDS", "2", "title"), ("TAGS", "a"), ("FIELDS", "x")):
        with pytest.raises(redis.ResponseError, match="Bad arguments for HIGHLIGHT"):
            docs.execute_command("FT.SEARCH", "idx", "hello", "HIGHLIGHT", *args)
