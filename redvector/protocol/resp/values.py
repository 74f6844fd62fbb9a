"""A reply value as a RESP2 or RESP3 client reads it, as plain Python data: what a Lua script's redis.call
gets (RESP2 unless the script called ``redis.setresp(3)``).

The reply is written by the RESP encoder in the script's protocol and read back: bulk strings as bytes,
integers as int, nulls as None, arrays (and pushes) as lists, status and error replies as ("ok", text) and
("err", line) pairs, which RESP tells apart from bulk strings and a script must too (``{ok=...}``,
``{err=...}``). RESP3's own types: booleans as bool, ("double", float), ("big_number", digits),
("verbatim", format, text), ("map", [(key, value), ...]) and ("set", [member, ...]); attributes are
skipped, as Redis's script reply parser skips them.
"""

from __future__ import annotations

from typing import Any

from redvector.protocol.resp.encoder import encode


def reply_values(reply: Any, protocol: int = 2) -> Any:
    out = bytearray()
    encode(reply, protocol, out)
    value, _ = _read(bytes(out), 0)
    return value


def _read(data: bytes, at: int) -> tuple[Any, int]:
    end = data.index(b"\r\n", at)
    kind, line = data[at:at + 1], data[at + 1:end]
    at = end + 2
    if kind in (b"$", b"=", b"!"):
        n = int(line)
        if n < 0:
            return None, at
        body = data[at:at + n]
        at += n + 2
        if kind == b"=":
            return ("verbatim", body[:3], body[4:]), at
        return (("err", body) if kind == b"!" else body), at
    if kind == b":":
        return int(line), at
    if kind == b"+":
        return ("ok", line), at
    if kind == b"-":
        return ("err", line), at
    if kind == b"_":
        return None, at
    if kind == b"#":
        return line == b"t", at
    if kind == b",":
        return ("double", float(line.decode())), at
    if kind == b"(":
        return ("big_number", line), at
    # an aggregate: array, push, set, map or attribute
    n = int(line)
    if n < 0:
        return None, at
    items = []
    for _ in range(2 * n if kind in (b"%", b"|") else n):
        item, at = _read(data, at)
        items.append(item)
    if kind == b"|":  # an attribute: out of band, the reply is what follows it
        return _read(data, at)
    if kind == b"%":
        return ("map", list(zip(items[::2], items[1::2], strict=True))), at
    if kind == b"~":
        return ("set", items), at
    return items, at
