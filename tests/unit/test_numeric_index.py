"""NumericIndex (a value column, documents with several values beside it) against a plain model through
random adds, replacements and removes: ranges with either bound excluded, infinities, sort columns,
bounds and counts."""

from __future__ import annotations

import math
import random

import numpy as np

from redvector.search.fields.numeric import NumericIndex


def _inside(v: float, lo: float, hi: float, lo_excl: bool, hi_excl: bool) -> bool:
    return (v > lo if lo_excl else v >= lo) and (v < hi if hi_excl else v <= hi)


def test_follows_a_model_through_random_writes() -> None:
    rng = random.Random(3)
    index = NumericIndex()
    model: dict[int, float | tuple[float, ...]] = {}
    values = [-math.inf, -5.0, -0.0, 0.0, 0.5, 1.0, 2.0, 7.25, 100.0, math.inf]
    for step in range(3000):
        doc = rng.randrange(1, 400)
        roll = rng.random()
        if roll < 0.45:
            value: float | tuple[float, ...] = rng.choice(values)
        elif roll < 0.6:
            value = tuple(rng.choice(values) for _ in range(rng.randint(0, 4)))
        else:
            index.remove(doc)
            model.pop(doc, None)
            continue
        index.add(doc, value)
        model[doc] = value
        if step % 100 == 0:
            assert len(index) == len(model)
            for _ in range(20):
                lo, hi = sorted(rng.choice(values) for _ in range(2))
                lx, hx = rng.random() < 0.5, rng.random() < 0.5
                want = sorted(d for d, v in model.items()
                              if any(_inside(x, lo, hi, lx, hx) for x in (v if isinstance(v, tuple) else (v,))))
                assert index.range_ids(lo, hi, lx, hx).tolist() == want, (lo, hi, lx, hx)
            ids = np.arange(0, 450, dtype=np.int64)
            column = index.sort_column(ids)
            for d in ids.tolist():
                v = model.get(d)
                first = v[0] if isinstance(v, tuple) and v else v if not isinstance(v, tuple) else None
                assert (math.isnan(column[d]) if first is None else column[d] == first), d
                assert index.get(d) == v
            singles = [v for v in model.values() if not isinstance(v, tuple)]
            every = singles + [x for v in model.values() if isinstance(v, tuple) for x in set(v)]
            expected_bounds = (min(every), max(every), len(every)) if every else None
            assert index.bounds() == expected_bounds
    assert index.range_ids(5, 1).tolist() == []
