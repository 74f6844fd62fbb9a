"""Redis's pqsort (pqsort.c, from NetBSD's qsort): a quicksort that only sorts the partitions holding
positions [lrange, rrange]. SORT ... BY ... LIMIT uses it, and when its comparison calls elements equal
(ALPHA with equal or missing BY values) the order they come out in is this algorithm's, which a stable
sort does not reproduce."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Cmp = Callable[[Any, Any], int]


def _med3(v: list[Any], a: int, b: int, c: int, cmp: Cmp) -> int:
    if cmp(v[a], v[b]) < 0:
        return b if cmp(v[b], v[c]) < 0 else (c if cmp(v[a], v[c]) < 0 else a)
    return b if cmp(v[b], v[c]) > 0 else (a if cmp(v[a], v[c]) < 0 else c)


def _vecswap(v: list[Any], a: int, b: int, n: int) -> None:
    for i in range(n):
        v[a + i], v[b + i] = v[b + i], v[a + i]


def pqsort(v: list[Any], cmp: Cmp, lrange: int, rrange: int) -> None:
    """Sort ``v`` in place as far as positions ``lrange``..``rrange`` need, exactly as Redis does."""
    base, n = 0, len(v)
    while True:  # the C code's ``goto loop``: iterate on the right partition, recurse on the left
        if n < 7:
            for m in range(base + 1, base + n):
                pl = m
                while pl > base and cmp(v[pl - 1], v[pl]) > 0:
                    v[pl], v[pl - 1] = v[pl - 1], v[pl]
                    pl -= 1
            return
        pm = base + n // 2
        if n > 7:
            pl, pn = base, base + n - 1
            if n > 40:
                d = n // 8
                pl = _med3(v, pl, pl + d, pl + 2 * d, cmp)
                pm = _med3(v, pm - d, pm, pm + d, cmp)
                pn = _med3(v, pn - 2 * d, pn - d, pn, cmp)
            pm = _med3(v, pl, pm, pn, cmp)
        v[base], v[pm] = v[pm], v[base]
        pa = pb = base + 1
        pc = pd = base + n - 1
        while True:
            while pb <= pc and (c := cmp(v[pb], v[base])) <= 0:
                if c == 0:
                    v[pa], v[pb] = v[pb], v[pa]
                    pa += 1
                pb += 1
            while pb <= pc and (c := cmp(v[pc], v[base])) >= 0:
                if c == 0:
                    v[pc], v[pd] = v[pd], v[pc]
                    pd -= 1
                pc -= 1
            if pb > pc:
                break
            v[pb], v[pc] = v[pc], v[pb]
            pb += 1
            pc -= 1
        pn = base + n
        r = min(pa - base, pb - pa)
        _vecswap(v, base, pb - r, r)
        r = min(pd - pc, pn - pd - 1)
        _vecswap(v, pb, pn - r, r)
        r = pb - pa
        if r > 1 and not ((lrange < base and rrange < base)
                          or (lrange > base + r - 1 and rrange > base + r - 1)):
            _pqsort_part(v, base, r, cmp, lrange, rrange)
        r = pd - pc
        if r <= 1:
            return
        base, n = pn - r, r
        if (lrange < base and rrange < base) or (lrange > base + n - 1 and rrange > base + n - 1):
            return


def _pqsort_part(v: list[Any], base: int, n: int, cmp: Cmp, lrange: int, rrange: int) -> None:
    """pqsort on the slice v[base:base + n] (the C code's recursion on the left partition)."""
    part = v[base:base + n]
    pqsort(part, cmp, lrange - base, rrange - base)
    v[base:base + n] = part
