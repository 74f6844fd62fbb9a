"""Qdrant's ``order_by`` scroll: points ordered by a payload value (qdrant-client local mode's semantics).

Numbers order as they are, RFC 3339 strings as microseconds since the epoch; bools, other strings and
objects are skipped, as are points without the key; every element of an array counts, so a point can appear
once per value. Ties go by id ascending in both directions. ``start_from`` keeps values >= it (asc) or
<= it (desc). There is no next-page offset: the next page starts from the last order value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from redvector.errors import BadRequest
from redvector.service.filters import PathStep, Predicate, _parse_datetime, parse_path, resolve
from redvector.service.models import Record, id_sort_key
from redvector.service.points import PayloadSelector, Points, VectorSelector, filter_payload

OrderValue = int | float
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class OrderBy:
    steps: list[PathStep]
    descending: bool
    start_from: OrderValue | None


def order_value(value: Any) -> OrderValue | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        parsed = _parse_datetime(value)
        if parsed is not None:
            return (parsed - _EPOCH) // _MICROSECOND
    return None


def parse_order_by(raw: Any) -> OrderBy:
    """``"key"`` or ``{"key": ..., "direction": "asc"|"desc", "start_from": number|datetime}``."""
    if isinstance(raw, str):
        return OrderBy(parse_path(raw, "order_by"), False, None)
    if not isinstance(raw, dict):
        raise BadRequest("Format error in JSON body: order_by must be a key or {key, direction, start_from}")
    direction = raw.get("direction") or "asc"
    if direction not in ("asc", "desc"):
        raise BadRequest(f"Format error in JSON body: order_by.direction must be asc or desc, got {direction!r}")
    start = raw.get("start_from")
    start_value = None if start is None else order_value(start)
    if start is not None and start_value is None:
        raise BadRequest("Format error in JSON body: order_by.start_from must be a number or an RFC 3339 datetime")
    return OrderBy(parse_path(raw.get("key"), "order_by.key"), direction == "desc", start_value)


def ordered_page(points: Points, name: str, predicate: Predicate | None, order: OrderBy, limit: int,
                 with_payload: PayloadSelector, with_vector: VectorSelector, style: str) -> list[Record]:
    iv = points.collections.get(name)
    rows: list[tuple[OrderValue, Any, bytes, dict[bytes, bytes]]] = []
    for key, pid, fields in points.iter_points(iv, style):
        payload = filter_payload(iv, fields, predicate)
        if predicate is not None and not predicate(pid, payload):
            continue
        for value in resolve(payload, order.steps) or ():
            ov = order_value(value)
            if ov is None:
                continue
            if order.start_from is not None and (ov > order.start_from if order.descending
                                                 else ov < order.start_from):
                continue
            rows.append((ov, pid, key, fields))
    rows.sort(key=lambda row: id_sort_key(row[1]))
    rows.sort(key=lambda row: row[0], reverse=order.descending)  # stable: ties keep id order
    page = []
    for ov, pid, key, fields in rows[:limit]:
        record = points.record(iv, key, pid, fields, with_payload, with_vector)
        record.order_value = ov
        page.append(record)
    return page
