"""Strings Redis keeps as integers: the canonical decimal text of a signed 64-bit value (no sign but
'-', no leading zeros or spaces). OBJECT ENCODING, intsets and listpack entries all ask this question."""

from __future__ import annotations

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def as_int64(value: bytes) -> int | None:
    """The integer a string holds if Redis would store it as one (canonical form, within int64)."""
    if not value or len(value) > 20 or value[0] not in b"-0123456789":  # no exception for plain text
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    if b"%d" % number != value or not INT64_MIN <= number <= INT64_MAX:
        return None
    return number
