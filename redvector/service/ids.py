"""Point id rules (qdrant.md §4.1): parsing from JSON bodies and paths, and the id <-> hash key mapping.

A point of collection ``c`` with id X is the hash ``c:X``: X is the decimal number for an integer id and
the hyphenated lowercase UUID for a UUID id. A hash written over RESP under the prefix with any other
suffix is exposed on the Qdrant API as ``uuid5(KEY_NAMESPACE, suffix)`` and on the product API as the
suffix string itself.
"""

from __future__ import annotations

import uuid
from typing import Any

from redvector.errors import BadRequest
from redvector.service.models import KEY_NAMESPACE, U64_MAX, PointId


def _invalid_json_id(value: Any) -> BadRequest:
    import json

    try:
        shown = json.dumps(value)
    except (TypeError, ValueError):
        shown = repr(value)
    return BadRequest(
        f"Format error in JSON body: value {shown} is not a valid point ID, "
        "valid values are either an unsigned integer or a UUID"
    )


def parse_uuid(text: str) -> uuid.UUID | None:
    """The Rust uuid crate's forms: hyphenated, 32 hex digits, {braced}, urn:uuid:."""
    try:
        return uuid.UUID(text)
    except (ValueError, AttributeError, TypeError):
        return None


def parse_json_id(value: Any) -> int | uuid.UUID:
    """A Qdrant id from a JSON body: an unsigned int below 2^64 or a UUID string (not "123", not 1.0)."""
    if isinstance(value, bool):
        raise _invalid_json_id(value)
    if isinstance(value, int):
        if 0 <= value <= U64_MAX:
            return value
        raise _invalid_json_id(value)
    if isinstance(value, str):
        parsed = parse_uuid(value)
        if parsed is not None:
            return parsed
    raise _invalid_json_id(value)


def parse_path_id(text: str) -> int | uuid.UUID:
    """A Qdrant id from a URL path: digits first, then a UUID."""
    if text.isdigit() and text.isascii():
        number = int(text)
        if number <= U64_MAX:
            return number
    parsed = parse_uuid(text)
    if parsed is None:
        raise BadRequest(f'Wrong input: Can not recognize "{text}" as point id')
    return parsed


def parse_product_id(value: Any) -> PointId:
    """The product API accepts any non-negative int or any non-empty string as an id."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BadRequest(f"id must be a non-negative integer or a string, got {value!r}")
    if isinstance(value, int):
        if not 0 <= value <= U64_MAX:
            raise BadRequest(f"id {value} is out of range (0 .. 2^64-1)")
        return value
    if not value or any(c in value for c in "\r\n"):
        raise BadRequest("id must be a non-empty string without line breaks")
    if value.isdigit() and value.isascii() and int(value) <= U64_MAX and str(int(value)) == value:
        return int(value)
    return value


def id_suffix(point_id: PointId) -> str:
    """The key suffix of an id (after ``<collection>:``)."""
    if isinstance(point_id, uuid.UUID):
        return str(point_id)
    if isinstance(point_id, int):
        return str(point_id)
    return point_id


def suffix_to_id(suffix: str) -> PointId:
    """The product id of a key suffix: canonical decimals are ints, anything else stays a string."""
    # Canonical: ASCII digits without a leading zero (str(int(s)) == s), parsed once (a search converts
    # every hit's key).
    if suffix.isdigit() and suffix.isascii() and (suffix[0] != "0" or len(suffix) == 1):
        value = int(suffix)
        if value <= U64_MAX:
            return value
    return suffix


def suffix_to_qdrant_id(suffix: str) -> int | uuid.UUID:
    """The Qdrant id of a key suffix: a uint, a UUID, or uuid5 of the suffix for any other key."""
    point_id = suffix_to_id(suffix)
    if isinstance(point_id, int):
        return point_id
    parsed = parse_uuid(suffix)
    if parsed is not None and str(parsed) == suffix:
        return parsed
    return uuid.uuid5(KEY_NAMESPACE, suffix)
