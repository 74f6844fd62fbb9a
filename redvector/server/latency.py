"""The latency monitor and the per-command latency histograms (Redis's latency.c).

Latency monitor (``latency-monitor-threshold`` ms, 0: off): an event (``command``, ``fast-command``) that
lasted the threshold or more is kept as one sample per second (the worst of that second) in a series of
at most 160, with the worst ever seen.

Histograms (``latency-tracking``): each timed command's duration, in whole microseconds as Redis
measures it, counted per microsecond value (a dict increment, the cheapest thing to do per call; the
distinct values stay few) and put in the power-of-two buckets LATENCY HISTOGRAM reports when asked for.
Fast commands are not timed (the dispatcher's fast path), so they have no histogram. Redis keeps an HdrHistogram
(1 ns .. 1 s, 2 significant digits) and walks it with a logarithmic iterator from 1024 ns, base 2: a
duration lands in the first bucket whose highest equivalent value it does not exceed, and the bucket is
reported as that value in microseconds (1, 2, 4, 8, 16, 33, 66, 132, ...).
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import deque

SERIES_LEN = 160
_MIN_NS, _MAX_NS = 1, 1_000_000_000
# The highest value HdrHistogram counts as equal to 1024 ns * 2**k (2 significant digits: a sub-bucket
# of 2**(3+k) ns at that magnitude).
_BUCKET_TOP_NS = [(1 << (10 + k)) + (1 << (3 + k)) - 1 for k in range(21)]
BUCKET_USEC = [top // 1000 for top in _BUCKET_TOP_NS]


class LatencySeries:
    __slots__ = ("max", "samples")

    def __init__(self) -> None:
        self.samples: deque[list[int]] = deque(maxlen=SERIES_LEN)  # [unix time, latency ms], oldest first
        self.max = 0

    def add(self, now: int, latency_ms: int) -> None:
        self.max = max(self.max, latency_ms)
        if self.samples and self.samples[-1][0] == now:
            last = self.samples[-1]
            last[1] = max(last[1], latency_ms)
        else:
            self.samples.append([now, latency_ms])


class LatencyMonitor:
    def __init__(self) -> None:
        self.events: dict[str, LatencySeries] = {}
        # Full command name (``get``, ``client|id``, ``FT.SEARCH``) -> calls per duration in microseconds
        # (the cheapest count to keep per call; bucketed when asked for).
        self.histograms: dict[str, dict[int, int]] = {}

    # -- LATENCY LATEST / HISTORY / RESET --------------------------------------------------------------
    def add_sample(self, event: str, latency_ms: int) -> None:
        series = self.events.get(event)
        if series is None:
            series = self.events[event] = LatencySeries()
        series.add(int(time.time()), latency_ms)

    def reset(self, event: bytes | None = None) -> int:
        """Forget one event (any case) or all of them; the number forgotten."""
        names = [name for name in self.events
                 if event is None or name.lower() == event.decode("latin-1").lower()]
        for name in names:
            del self.events[name]
        return len(names)

    # -- LATENCY HISTOGRAM -----------------------------------------------------------------------------
    def record(self, name: str, elapsed_ns: int) -> None:
        """One call (the dispatcher inlines the common case on its timed path)."""
        counts = self.histograms.setdefault(name, {})
        usec = elapsed_ns // 1000
        counts[usec] = counts.get(usec, 0) + 1


def cumulative(durations: dict[int, int]) -> list[tuple[int, int]]:
    """(bucket in microseconds, calls up to it) for every bucket that adds calls, as Redis lists them."""
    counts = [0] * len(_BUCKET_TOP_NS)
    for usec, n in durations.items():
        counts[bisect_left(_BUCKET_TOP_NS, min(max(usec * 1000, _MIN_NS), _MAX_NS))] += n
    out: list[tuple[int, int]] = []
    total = 0
    for usec, n in zip(BUCKET_USEC, counts, strict=True):
        if n:
            total += n
            out.append((usec, total))
    return out


def _highest_equivalent_ns(value: int) -> int:
    """HdrHistogram's highest_equivalent_value with 2 significant digits (256 sub-buckets)."""
    shift = max(value.bit_length(), 8) - 8
    return ((value >> shift) << shift) + (1 << shift) - 1


def percentile_usec(durations: dict[int, int], percentile: float) -> float:
    """hdr_value_at_percentile over the recorded durations, in microseconds (INFO latencystats)."""
    total = sum(durations.values())
    wanted = max(int(min(percentile, 100.0) / 100 * total + 0.5), 1)
    seen = 0
    usec = 0
    for usec in sorted(durations):
        seen += durations[usec]
        if seen >= wanted:
            break
    value = min(max(usec * 1000, _MIN_NS), _MAX_NS)
    if percentile == 0.0:
        shift = max(value.bit_length(), 8) - 8
        return ((value >> shift) << shift) / 1000
    return _highest_equivalent_ns(value) / 1000
