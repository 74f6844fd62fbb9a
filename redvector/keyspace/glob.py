"""Redis glob-style pattern matching (KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET), as stringmatchlen()."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1024)
def compile_glob(pattern: bytes, nocase: bool = False) -> re.Pattern[bytes]:
    out = bytearray()
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i : i + 1]
        if c == b"*":
            out += b".*"
        elif c == b"?":
            out += b"."
        elif c == b"[":
            j = i + 1
            neg = False
            if j < n and pattern[j : j + 1] == b"^":
                neg = True
                j += 1
            cls = bytearray()
            while j < n and pattern[j : j + 1] != b"]":
                ch = pattern[j : j + 1]
                if ch == b"\\" and j + 1 < n:
                    j += 1
                    cls += re.escape(pattern[j : j + 1])
                elif ch == b"-" and cls and j + 1 < n and pattern[j + 1 : j + 2] != b"]":
                    cls += b"-"
                else:
                    cls += re.escape(ch)
                j += 1
            if j >= n:  # unterminated class: Redis treats the rest literally up to the end
                out += re.escape(pattern[i:])
                break
            out += b"[" + (b"^" if neg else b"") + bytes(cls) + b"]" if cls else (b"[^\\s\\S]" if not neg else b"[\\s\\S]")
            i = j
        elif c == b"\\" and i + 1 < n:
            i += 1
            out += re.escape(pattern[i : i + 1])
        else:
            out += re.escape(c)
        i += 1
    flags = re.DOTALL | (re.IGNORECASE if nocase else 0)
    return re.compile(bytes(out) + b"\\Z", flags)


def glob_match(pattern: bytes, subject: bytes, nocase: bool = False) -> bool:
    if pattern == b"*":
        return True
    return compile_glob(pattern, nocase).match(subject) is not None
