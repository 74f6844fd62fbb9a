"""The parsed-query cache (search/query/cache.py) and the registry's concurrent-searchers window."""

from __future__ import annotations

import numpy as np
import pytest

from redvector.errors import SearchError
from redvector.keyspace.database import Keyspace
from redvector.search.query.ast import Knn, Tag
from redvector.search.query.cache import QUERY_CACHE_SIZE, QueryCache
from redvector.search.query.parser import parse_query
from redvector.search.registry import SearchRegistry
from redvector.search.schema import IndexDefinition, parse_create


def _definition() -> IndexDefinition:
    return parse_create([b"FT.CREATE", b"idx", b"SCHEMA", b"v", b"VECTOR", b"HNSW", b"6", b"TYPE", b"FLOAT32",
                         b"DIM", b"2", b"DISTANCE_METRIC", b"L2", b"t", b"TAG"])


def _vec(*values: float) -> bytes:
    return np.asarray(values, dtype=np.float32).tobytes()


def test_vector_parameter_is_a_slot() -> None:
    cache, definition = QueryCache(), _definition()
    text = "@t:{a}=>[KNN 3 @v $vec EF_RUNTIME 20 AS d]"
    first = cache.parse(text, definition, {"vec": _vec(1, 2)}, 2)
    second = cache.parse(text, definition, {"vec": _vec(3, 4)}, 2)
    assert len(cache) == 1
    assert isinstance(first, Knn) and isinstance(second, Knn)
    assert first.blob == _vec(1, 2) and second.blob == _vec(3, 4)
    assert second == parse_query(text, definition, {"vec": _vec(3, 4)}, 2)
    assert second.filter is first.filter  # the parsed filter is shared (the KNN prefilter cache keys on it)


def test_other_parameters_key_the_entry() -> None:
    cache, definition = QueryCache(), _definition()
    text = "@t:{$tag}=>[KNN $k @v $vec]"
    a = cache.parse(text, definition, {"vec": _vec(1, 2), "k": b"3", "tag": b"x"}, 2)
    b = cache.parse(text, definition, {"vec": _vec(1, 2), "k": b"5", "tag": b"x"}, 2)
    c = cache.parse(text, definition, {"vec": _vec(1, 2), "k": b"5", "tag": b"y"}, 2)
    assert isinstance(a, Knn) and isinstance(b, Knn) and isinstance(c, Knn)
    assert (a.k, b.k) == (3, 5)
    assert isinstance(c.filter, Tag) and c.filter.values[0].text == b"y"


def test_a_vector_used_elsewhere_is_not_a_slot() -> None:
    cache, definition = QueryCache(), _definition()
    text = "@v:[VECTOR_RANGE 1 $vec]=>[KNN 2 @v $vec]"
    a = cache.parse(text, definition, {"vec": _vec(0, 0)}, 2)
    b = cache.parse(text, definition, {"vec": _vec(5, 5)}, 2)
    assert isinstance(a, Knn) and isinstance(b, Knn)
    assert b.filter != a.filter and b == parse_query(text, definition, {"vec": _vec(5, 5)}, 2)


def test_errors_are_not_cached_and_options_key_the_entry() -> None:
    cache, definition = QueryCache(), _definition()
    text = "*=>[KNN 2 @v $vec]"
    with pytest.raises(SearchError, match="blob size"):
        cache.parse(text, definition, {"vec": b"xx"}, 2)
    assert len(cache) == 0
    cache.parse(text, definition, {"vec": _vec(1, 1)}, 2)
    with pytest.raises(SearchError, match="blob size"):
        cache.parse(text, definition, {"vec": b"xx"}, 2)
    with pytest.raises(SearchError, match="Syntax error"):
        cache.parse(text, definition, {"vec": _vec(1, 1)}, 1)
    with pytest.raises(SearchError, match="No such parameter"):
        cache.parse(text, definition, {}, 2)


def test_cache_is_bounded() -> None:
    cache, definition = QueryCache(), _definition()
    for i in range(QUERY_CACHE_SIZE + 10):
        cache.parse(f"@t:{{x{i}}}", definition, {}, 2)
    assert len(cache) == QUERY_CACHE_SIZE
    cache.clear()
    assert len(cache) == 0


def test_concurrent_searchers_window() -> None:
    registry = SearchRegistry(Keyspace())
    assert not registry.concurrent_searchers(1, 1000, 20)
    assert not registry.concurrent_searchers(1, 1005, 20)
    assert registry.concurrent_searchers(2, 1010, 20)
    assert registry.concurrent_searchers(1, 1020, 20)
    # Client 2 has not searched for longer than the window: client 1 is alone again.
    assert not registry.concurrent_searchers(1, 1040, 20)
