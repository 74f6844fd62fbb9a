"""Value helpers shared by commands: independent copies (COPY) whatever the value's type."""

from __future__ import annotations

import copy
from collections import deque
from typing import Any


def copy_value(value: Any) -> Any:
    """A copy that shares nothing mutable with ``value`` (strings are immutable and shared)."""
    kind = type(value)
    if kind is bytes:
        return value
    if kind is dict or kind is set or kind is deque:
        return value.copy()  # members and fields are immutable bytes
    return copy.deepcopy(value)  # sorted sets and other structured values
