"""LZF decompression (liblzf's format), for the compressed strings in RDB files written by Redis."""

from __future__ import annotations


class LzfError(ValueError):
    pass


def lzf_decompress(src: bytes | memoryview, out_len: int) -> bytes:
    """Expand ``src`` into exactly ``out_len`` bytes (Redis stores the expanded length beside it)."""
    data = bytes(src)
    out = bytearray()
    i = 0
    n = len(data)
    while i < n:
        ctrl = data[i]
        i += 1
        if ctrl < 32:  # a literal run of ctrl + 1 bytes
            end = i + ctrl + 1
            if end > n:
                raise LzfError("literal run past the end of the input")
            out += data[i:end]
            i = end
            continue
        length = ctrl >> 5
        if length == 7:
            length += data[i]
            i += 1
        if i >= n:
            raise LzfError("back reference past the end of the input")
        distance = ((ctrl & 0x1F) << 8) + data[i] + 1
        i += 1
        length += 2
        start = len(out) - distance
        if start < 0:
            raise LzfError("back reference before the start of the output")
        if distance >= length:
            out += out[start:start + length]
        else:  # an overlapping copy repeats the last ``distance`` bytes
            pattern = bytes(out[start:])
            out += (pattern * (length // distance + 1))[:length]
    if len(out) != out_len:
        raise LzfError(f"expanded to {len(out)} bytes, expected {out_len}")
    return bytes(out)
