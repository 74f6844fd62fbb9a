"""Reading values of Qdrant request bodies (qdrant.md §2): objects, integers, numbers and filters, with
Qdrant's error texts. Shared by service.qdrant and the modules it delegates to (query_pipeline, groups)."""

from __future__ import annotations

from typing import Any

from redvector.errors import BadRequest, Unprocessable
from redvector.service.filters import Predicate, optional_filter
from redvector.service.points import VectorNamesFilter


def obj(body: Any, where: str = "body") -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise BadRequest(f"Format error in JSON body: {where} must be a JSON object")
    return body


def integer(value: Any, where: str, default: int, minimum: int = 0) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"Format error in JSON body: {where} must be an integer, got {value!r}")
    if value < minimum:
        raise Unprocessable(f"Validation error in JSON body: [{where}: value {value} invalid, must be {minimum} or larger]")
    return value


def number(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadRequest(f"Format error in JSON body: {where} must be a number")
    return float(value)


def qdrant_filter(raw: Any) -> Predicate | None:
    """The request's filter; one with a has_vector condition is marked so the points layer hands it the
    point's vector names."""
    predicate = optional_filter(raw)
    if predicate is not None and mentions(raw, "has_vector"):
        return VectorNamesFilter(predicate)
    return predicate


def mentions(raw: Any, key: str) -> bool:
    if isinstance(raw, dict):
        return key in raw or any(mentions(v, key) for v in raw.values())
    if isinstance(raw, list):
        return any(mentions(v, key) for v in raw)
    return False


__all__ = ["integer", "mentions", "number", "obj", "qdrant_filter"]
