"""LCS: the longest common subsequence of two strings, with LEN, IDX, MINMATCHLEN and WITHMATCHLEN.

The length alone uses the bit-parallel algorithm on Python integers (fast); the string and the match
ranges walk a full dynamic-programming table back from the end, the way Redis's lcsCommand does, so the
ranges come out in the same order and grouping.
"""

from __future__ import annotations

from array import array
from typing import Any

from redvector.commands.args import ArgCursor
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import RedVectorError, SyntaxErr, WrongType
from redvector.replies import Map

group = CommandGroup("string")

# The DP table needs (len(a)+1)*(len(b)+1) cells; refuse what would take too long or too much memory.
MAX_TABLE_CELLS = 50_000_000


def lcs_length(a: bytes, b: bytes) -> int:
    """Length of the LCS (Hyyro's bit-vector algorithm: one big-integer pass per byte of ``b``)."""
    if not a or not b:
        return 0
    masks: dict[int, int] = {}
    for i, c in enumerate(a):
        masks[c] = masks.get(c, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for c in b:
        u = v & masks.get(c, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()


def _table(a: bytes, b: bytes) -> list[array[int]]:
    rows = [array("I", bytes(4 * (len(b) + 1)))]
    for i in range(1, len(a) + 1):
        prev = rows[-1]
        row = array("I", bytes(4 * (len(b) + 1)))
        ca = a[i - 1]
        for j in range(1, len(b) + 1):
            if ca == b[j - 1]:
                row[j] = prev[j - 1] + 1
            else:
                up, left = prev[j], row[j - 1]
                row[j] = up if up > left else left
        rows.append(row)
    return rows


def lcs_ranges(a: bytes, b: bytes, min_match_len: int) -> tuple[bytes, list[tuple[int, int, int, int]]]:
    """(the LCS string, matches as (a_start, a_end, b_start, b_end)) walking back from the ends."""
    table = _table(a, b)
    alen, blen = len(a), len(b)
    idx = table[alen][blen]
    result = bytearray(idx)
    ranges: list[tuple[int, int, int, int]] = []
    i, j = alen, blen
    a_start = alen  # alen: no range in progress
    a_end = b_start = b_end = 0
    while i > 0 and j > 0:
        emit = False
        if a[i - 1] == b[j - 1]:
            result[idx - 1] = a[i - 1]
            if a_start == alen:
                a_start = a_end = i - 1
                b_start = b_end = j - 1
            elif a_start == i and b_start == j:  # contiguous: extend the range backwards
                a_start -= 1
                b_start -= 1
            else:
                emit = True
            if a_start == 0 or b_start == 0:
                emit = True
            idx -= 1
            i -= 1
            j -= 1
        else:
            if table[i - 1][j] > table[i][j - 1]:
                i -= 1
            else:
                j -= 1
            if a_start != alen:
                emit = True
        if emit:
            if min_match_len == 0 or a_end - a_start + 1 >= min_match_len:
                ranges.append((a_start, a_end, b_start, b_end))
            a_start = alen
    return bytes(result), ranges


def _string_arg(ctx: CommandContext, key: bytes) -> bytes:
    try:
        value = ctx.db.get_typed(key, bytes, ctx.now_ms)
    except WrongType:
        raise RedVectorError("The specified keys must contain string values")
    return value or b""


@group.command("LCS", -3, Flag.READONLY, KeySpec(1, 2, 1), since="7.0.0",
               summary="Finds the longest common substring.")
def lcs(ctx: CommandContext, argv: list[bytes]) -> Any:
    a = _string_arg(ctx, argv[1])
    b = _string_arg(ctx, argv[2])
    want_len = want_idx = with_match_len = False
    min_match_len = 0
    args = ArgCursor(argv, 3)
    while args:
        token = args.next_token()
        if token == "LEN":
            want_len = True
        elif token == "IDX":
            want_idx = True
        elif token == "WITHMATCHLEN":
            with_match_len = True
        elif token == "MINMATCHLEN" and args:
            min_match_len = max(args.next_int(), 0)
        else:
            raise SyntaxErr()
    if want_len and want_idx:
        raise RedVectorError("If you want both the length and indexes, please just use IDX.")
    if want_len:
        return lcs_length(a, b)
    if (len(a) + 1) * (len(b) + 1) > MAX_TABLE_CELLS:
        raise RedVectorError("Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
    text, ranges = lcs_ranges(a, b, min_match_len)
    if not want_idx:
        return text
    matches: list[Any] = []
    for a_start, a_end, b_start, b_end in ranges:
        entry: list[Any] = [[a_start, a_end], [b_start, b_end]]
        if with_match_len:
            entry.append(a_end - a_start + 1)
        matches.append(entry)
    return Map([("matches", matches), ("len", len(text))])
