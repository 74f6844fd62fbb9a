"""service.filters against qdrant-client's local-mode filter engine (the oracle of qdrant.md §10)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from qdrant_client.http import models
from qdrant_client.local.payload_filters import check_filter

from redvector.errors import BadRequest, Unprocessable
from redvector.service.filters import compile_filter

PAYLOADS: list[dict[str, Any]] = [
    {"city": "Berlin", "price": 10, "tags": ["a", "b"], "color": "red", "rating": 4.5,
     "address": {"street": "Main", "zip": 10115}, "desc": "A quick brown fox", "flag": True},
    {"city": "Paris", "price": 10.0, "tags": [], "color": None, "rating": 3,
     "items": [{"name": "x", "qty": 1}, {"name": "y", "qty": 5}], "desc": "lazy dog", "flag": False},
    {"city": "London", "price": 25, "tags": ["b"], "color": ["black", "green"],
     "items": [{"name": "x", "qty": 5}], "when": "2024-05-01T10:00:00Z"},
    {"city": "Berlin", "price": "40", "count": [1, None], "address": {"street": "Side"}},
    {},
]
IDS: list[int | uuid.UUID] = [1, 2, 3, uuid.UUID("2eeca6a2-d1cc-4a64-8965-dba78b952d13"), 7]

FILTERS: list[dict[str, Any]] = [
    {"must": [{"key": "city", "match": {"value": "Berlin"}}]},
    {"must": [{"key": "price", "match": {"value": 10}}]},
    {"must": [{"key": "flag", "match": {"value": True}}]},
    {"must": [{"key": "city", "match": {"any": ["Paris", "London"]}}]},
    {"must": [{"key": "color", "match": {"except": ["black"]}}]},
    {"must": [{"key": "tags", "match": {"any": []}}]},
    {"must": [{"key": "desc", "match": {"text": "quick fox"}}]},
    {"must": [{"key": "price", "range": {"gte": 10, "lt": 30}}]},
    {"must": [{"key": "rating", "range": {"gt": 3.5}}]},
    {"must": [{"key": "when", "range": {"gte": "2024-01-01T00:00:00Z"}}]},
    {"should": [{"key": "city", "match": {"value": "Paris"}}, {"key": "price", "range": {"gt": 20}}]},
    {"should": []},
    {"must_not": [{"key": "city", "match": {"value": "Berlin"}}]},
    {"min_should": {"conditions": [{"key": "city", "match": {"value": "Berlin"}},
                                   {"key": "price", "match": {"value": 10}},
                                   {"key": "flag", "match": {"value": True}}], "min_count": 2}},
    {"must": [{"has_id": [1, 3, "2eeca6a2-d1cc-4a64-8965-dba78b952d13"]}]},
    {"must": [{"is_empty": {"key": "tags"}}]},
    {"must": [{"is_null": {"key": "color"}}]},
    {"must": [{"is_null": {"key": "count"}}]},
    {"must": [{"key": "address.zip", "match": {"value": 10115}}]},
    {"must": [{"key": "items[].qty", "range": {"gte": 5}}]},
    {"must": [{"nested": {"key": "items", "filter": {"must": [{"key": "name", "match": {"value": "x"}},
                                                              {"key": "qty", "range": {"gte": 5}}]}}}]},
    {"must": [{"key": "tags", "values_count": {"gte": 2}}]},
    {"must": [{"must": [{"key": "city", "match": {"value": "Berlin"}}]},
              {"must_not": [{"key": "price", "match": {"value": 10}}]}]},
    {"must": {"key": "city", "match": {"value": "Paris"}}},
    {"must": [{"key": "color", "is_empty": True}]},
]


@pytest.mark.parametrize("raw", FILTERS, ids=[str(i) for i in range(len(FILTERS))])
def test_same_result_as_qdrant_local_mode(raw: dict[str, Any]) -> None:
    predicate = compile_filter(raw)
    oracle = models.Filter.model_validate(raw)
    for pid, payload in zip(IDS, PAYLOADS, strict=True):
        # local mode keeps UUID ids as their hyphenated strings
        oracle_id = str(pid) if isinstance(pid, uuid.UUID) else pid
        expected = check_filter(oracle, payload, oracle_id, has_vector={})
        assert predicate(pid, payload) == expected, (raw, pid, payload)


@pytest.mark.parametrize("raw, error", [
    ({"must": [{"key": "city"}]}, Unprocessable),
    ({"must": [{"key": "x", "match": {"value": 1.5}}]}, BadRequest),
    ({"min_should": {"conditions": [], "min_count": 0}}, BadRequest),
    ({"must": [{"has_id": ["not-a-uuid"]}]}, BadRequest),
    ({"must": [{"key": "x", "geo_radius": {"center": {"lat": 95, "lon": 0}, "radius": 1}}]}, BadRequest),
    ({"bogus": []}, BadRequest),
    ("nope", BadRequest),
])
def test_malformed_filters_are_rejected(raw: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        compile_filter(raw)
