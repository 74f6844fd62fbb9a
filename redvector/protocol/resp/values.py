"""A reply value as a RESP2 client reads it, as plain Python data: what a Lua script's redis.call gets.

The reply is written by the RESP encoder (protocol 2) and read back: bulk strings as bytes, integers as
int, nil as None, arrays as lists, and status and error replies as ("ok", text) and ("err", line) pairs,
which RESP2 tells apart from bulk strings and a script must too (``{ok=...}``, ``{err=...}``).
"""

from __future__ import annotations

from typing import Any

from redvector.protocol.resp.encoder import encode


def resp2_values(reply: Any) -> Any:
    out = bytearray()
    encode(reply, 2, out)
    value, _ = _read(bytes(out), 0)
    return value


def _read(data: bytes, at: int) -> tuple[Any, int]:
    end = data.index(b"\r\n", at)
    kind, line = data[at:at + 1], data[at + 1:end]
    at = end + 2
    if kind == b"$":
        n = int(line)
        if n < 0:
            return None, at
        return data[at:at + n], at + n + 2
    if kind == b":":
        return int(line), at
    if kind == b"+":
        return ("ok", line), at
    if kind == b"-":
        return ("err", line), at
    # an array
    n = int(line)
    if n < 0:
        return None, at
    items = []
    for _ in range(n):
        item, at = _read(data, at)
        items.append(item)
    return items, at
