"""Helpers for the FT.* tests: vectors as blobs, a hash writer, result shapes of RESP2 and RESP3."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import redis


def blob(values: Any, dtype: str = "float32") -> bytes:
    return np.asarray(values, dtype=dtype).tobytes()


def hset(r: redis.Redis, key: str, mapping: Mapping[str, Any]) -> None:
    r.hset(key, mapping=dict(mapping))


def s(v: Any) -> Any:
    return v.decode() if isinstance(v, bytes) else v


def search(r: redis.Redis, *args: Any) -> tuple[int, list[tuple[str, dict[str, Any]]]]:
    """FT.SEARCH through execute_command, normalised over RESP2 arrays and RESP3 maps:
    (total, [(id, {field: value})])."""
    reply = r.execute_command("FT.SEARCH", *args)
    if isinstance(reply, dict):
        reply = {s(k): v for k, v in reply.items()}
        rows = []
        for row in reply["results"]:
            row = {s(k): v for k, v in row.items()}
            fields = row.get("extra_attributes") or {}
            rows.append((s(row["id"]), {s(k): v for k, v in fields.items()}))
        return reply["total_results"], rows
    total = reply[0]
    rows = []
    items = reply[1:]
    i = 0
    while i < len(items):
        doc_id = s(items[i])
        fields: dict[str, Any] = {}
        if i + 1 < len(items) and isinstance(items[i + 1], list):
            flat = items[i + 1]
            fields = {s(flat[j]): flat[j + 1] for j in range(0, len(flat), 2)}
            i += 2
        else:
            i += 1
        rows.append((doc_id, fields))
    return total, rows


def ids(r: redis.Redis, *args: Any) -> list[str]:
    return [doc_id for doc_id, _ in search(r, *args)[1]]


def load_small_corpus(c: redis.Redis) -> None:
    """The differential tests' index ``idx`` over ``d:`` hashes (TEXT SORTABLE, TAG, NUMERIC SORTABLE, GEO,
    a 2-d FLAT vector) and its 8 documents."""
    import struct

    c.execute_command("FT.CREATE", "idx", "PREFIX", "1", "d:", "SCHEMA", "t", "TEXT", "SORTABLE", "g", "TAG",
                      "n", "NUMERIC", "SORTABLE", "loc", "GEO", "v", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32",
                      "DIM", "2", "DISTANCE_METRIC", "L2")
    for i in range(8):
        hset(c, f"d:{i}", {"t": f"hello world {i} {'foo' if i % 2 else 'bar baz'}", "g": "a,b" if i % 3 else "c",
                           "n": i * 1.5, "loc": f"{i / 10},{i / 10}", "v": struct.pack("<2f", i, 1)})
