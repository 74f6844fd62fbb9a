"""Helpers for the FT.* tests: vectors as blobs, a hash writer, result shapes of RESP2 and RESP3."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest
import redis


def blob(values: Any, dtype: str = "float32") -> bytes:
    return np.asarray(values, dtype=dtype).tobytes()


def has_hashes(r: redis.Redis) -> bool:
    try:
        r.execute_command("HSET", "__probe__", "f", "v")
    except redis.ResponseError as e:
        if "unknown command" in str(e):
            return False
        raise
    r.delete("__probe__")
    return True


def need_hashes(r: redis.Redis) -> None:
    if not has_hashes(r):
        pytest.skip("HSET is not available in this build (hash commands land with the data-types branch)")


def hset(r: redis.Redis, key: str, mapping: Mapping[str, Any]) -> None:
    """HSET when hashes exist; otherwise FT.ADD ... REPLACE PARTIAL (the same merge) through any index."""
    if has_hashes(r):
        r.hset(key, mapping=dict(mapping))
        return
    names = r.execute_command("FT._LIST")
    assert names, "FT.ADD fallback needs an index"
    args: list[Any] = []
    for k, v in mapping.items():
        args += [k, v]
    r.execute_command("FT.ADD", next(iter(names)), key, "1.0", "REPLACE", "PARTIAL", "FIELDS", *args)


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
