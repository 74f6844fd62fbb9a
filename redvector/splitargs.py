"""Redis's sdssplitargs, for every layer: inline commands (protocol/resp/parser.py) and ACL selectors
(server/acl_selector.py) split their text the same way."""

from __future__ import annotations


def split_args(line: bytes) -> list[bytes] | None:
    """Redis's sdssplitargs: whitespace-separated, "double" (with escapes) and 'single' quotes; None
    when the quotes are unbalanced (sdssplitargs' NULL)."""
    args: list[bytes] = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in b" \t\r\n\v\f":
            i += 1
        if i >= n:
            return args
        current = bytearray()
        in_dq = in_sq = False
        while True:
            if in_dq:
                if i >= n:
                    return None
                c = line[i]
                if c == 0x5C and i + 3 < n and line[i + 1] == 0x78 and _ishex(line[i + 2]) and _ishex(line[i + 3]):
                    current.append(int(line[i + 2 : i + 4], 16))
                    i += 3
                elif c == 0x5C and i + 1 < n:
                    i += 1
                    current += {0x6E: b"\n", 0x72: b"\r", 0x74: b"\t", 0x62: b"\b", 0x61: b"\a"}.get(
                        line[i], bytes([line[i]]))
                elif c == 0x22:
                    if i + 1 < n and line[i + 1] not in b" \t\r\n\v\f":
                        return None
                    in_dq = False
                    i += 1
                    break
                else:
                    current.append(c)
            elif in_sq:
                if i >= n:
                    return None
                c = line[i]
                if c == 0x5C and i + 1 < n and line[i + 1] == 0x27:
                    i += 1
                    current.append(0x27)
                elif c == 0x27:
                    if i + 1 < n and line[i + 1] not in b" \t\r\n\v\f":
                        return None
                    in_sq = False
                    i += 1
                    break
                else:
                    current.append(c)
            else:
                if i >= n:
                    break
                c = line[i]
                if c in b" \t\r\n\v\f":
                    break
                if c == 0x22:
                    in_dq = True
                elif c == 0x27:
                    in_sq = True
                else:
                    current.append(c)
            i += 1
        args.append(bytes(current))


def _ishex(c: int) -> bool:
    return c in b"0123456789abcdefABCDEF"
