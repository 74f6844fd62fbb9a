"""Qdrant's groups (``points/query/groups``, ``points/search/groups``): the best hits grouped by a payload key.

As qdrant-client's local mode (the test oracle): the points are ranked as the query alone ranks them (for
a query with prefetches, every prefetch limit raised to the collection's size); in that order each point
joins the group of each distinct value its ``group_by`` key holds (an array's items; ints and strings only:
a point with any other value there, or without the key, joins no group), a group taking at most
``group_size`` hits; groups are ordered by their first (best) hit and the first ``limit`` are returned.

The ranking is read in growing prefixes: once the first ``limit`` groups are full, later points change
nothing, so a selective grouping does not rank the whole collection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from redvector.service.engine import IndexView
from redvector.service.filters import PathStep, parse_path, resolve
from redvector.service.fusion import Hit
from redvector.service.models import Record, ScoredPoint
from redvector.service.points import PayloadSelector, Points, VectorSelector, read_vectors
from redvector.service.store import read_payload

GroupId = int | str
FIRST_PREFIX = 64  # hits read first; each further round reads 4 times more


@dataclass(slots=True)
class Group:
    id: GroupId
    hits: list[ScoredPoint] = field(default_factory=list)
    lookup: Record | None = None


@dataclass(frozen=True, slots=True)
class GroupRequest:
    group_by: list[PathStep]
    group_size: int
    limit: int
    with_payload: PayloadSelector
    with_vector: VectorSelector


def group_by_path(value: Any) -> list[PathStep]:
    return parse_path(value, "group_by")


def group_ids(payload: dict[str, Any], steps: list[PathStep]) -> list[GroupId] | None:
    """The distinct group ids of a point in payload order, or None when it joins no group."""
    values = resolve(payload, steps)
    if values is None or any(type(v) not in (int, str) for v in values):  # not bool, not float
        return None
    return list(dict.fromkeys(values))


def _group(points: Points, iv: IndexView, hits: list[Hit], request: GroupRequest) -> tuple[list[Group], bool]:
    """The groups of these ranked hits, and whether the first ``limit`` of them are full."""
    groups: dict[GroupId, Group] = {}
    position: dict[GroupId, int] = {}
    full = 0  # full groups among the first `limit`
    for score, key, pid in hits:
        fields = points.store.hash(key)
        if fields is None:
            continue
        payload = read_payload(iv, fields)
        ids = group_ids(payload, request.group_by)
        if ids is None:
            continue
        point = ScoredPoint(id=pid, score=score,
                            payload=request.with_payload.apply(payload) if request.with_payload.mode != "none"
                            else None,
                            vector=read_vectors(iv, fields, request.with_vector) if request.with_vector else None)
        for gid in ids:
            group = groups.get(gid)
            if group is None:
                position[gid] = len(groups)
                group = groups[gid] = Group(gid)
            if len(group.hits) >= request.group_size:
                continue
            group.hits.append(point)
            if len(group.hits) == request.group_size and position[gid] < request.limit:
                full += 1
        if full == request.limit:
            return list(groups.values())[:request.limit], True
    return list(groups.values())[:request.limit], False


def group_ranked(points: Points, iv: IndexView, ranked: Callable[[int], list[Hit]], request: GroupRequest,
                 total: int | None = None) -> list[Group]:
    """Groups of the ranking ``ranked(n)`` (its best n hits). ``total`` given (a query with prefetches,
    which ranks every point anyway): read that many at once; else prefixes growing until the first
    ``limit`` groups are full or the ranking ends."""
    want = total if total is not None else max(FIRST_PREFIX, 4 * request.limit * request.group_size)
    while True:
        hits = ranked(max(want, 1))
        groups, complete = _group(points, iv, hits, request)
        if complete or len(hits) < want or total is not None:
            return groups
        want *= 4


__all__ = ["Group", "GroupId", "GroupRequest", "group_by_path", "group_ids", "group_ranked"]
