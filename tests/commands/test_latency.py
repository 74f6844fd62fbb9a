"""LATENCY: the latency monitor (latency-monitor-threshold), its report and graph, and the per-command
latency histograms (latency-tracking); replies that do not depend on timing checked against Redis Stack
byte for byte."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from redvector.server.latency import BUCKET_USEC, LatencyMonitor, cumulative, percentile_usec
from tests.serverutil import ThreadedServer, assert_same_raw_replies


def _c(*args: str) -> list[bytes]:
    return [a.encode() for a in args]


# Run with the monitor off and no events (LATENCY RESET first), then on with no events.
COMMANDS = [
    _c("LATENCY", "RESET"),
    _c("LATENCY", "HELP"),
    _c("LATENCY", "help"),
    _c("LATENCY"),
    _c("LATENCY", "FOO"),
    _c("LATENCY", "HISTORY"),
    _c("LATENCY", "LATEST", "x"),
    _c("LATENCY", "DOCTOR", "x"),
    _c("LATENCY", "GRAPH"),
    _c("LATENCY", "HELP", "x"),
    _c("LATENCY", "LATEST"),
    _c("LATENCY", "HISTORY", "command"),
    _c("LATENCY", "GRAPH", "command"),
    _c("LATENCY", "GRAPH", "foo"),
    _c("LATENCY", "RESET", "a", "b"),
    _c("LATENCY", "DOCTOR"),
    _c("LATENCY", "HISTOGRAM", "nosuch"),
    _c("LATENCY", "HISTOGRAM", "nosuch", "get|x"),
    _c("CONFIG", "GET", "latency-monitor-threshold"),
    _c("CONFIG", "GET", "latency-tracking"),
    _c("CONFIG", "GET", "latency-tracking-info-percentiles"),
    _c("CONFIG", "SET", "latency-tracking-info-percentiles", "50 abc"),
    _c("CONFIG", "SET", "latency-tracking-info-percentiles", "101"),
    _c("CONFIG", "SET", "latency-tracking-info-percentiles", "50.0 99.90 1e1"),
    _c("CONFIG", "GET", "latency-tracking-info-percentiles"),
    _c("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9"),
    _c("CONFIG", "SET", "latency-monitor-threshold", "-1"),
    _c("CONFIG", "SET", "latency-monitor-threshold", "100"),
    _c("LATENCY", "DOCTOR"),
    _c("LATENCY", "LATEST"),
    _c("CONFIG", "SET", "latency-monitor-threshold", "0"),
]


@pytest.mark.parametrize("protocol", [2, 3])
def test_replies_match_redis_stack(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    assert_same_raw_replies(server.port, stack_port, protocol, COMMANDS, setup=[])


@pytest.fixture
def monitored(r: redis.Redis) -> Iterator[redis.Redis]:
    r.config_set("latency-monitor-threshold", 10)
    r.execute_command("LATENCY", "RESET")
    yield r
    r.config_set("latency-monitor-threshold", 0)
    r.execute_command("LATENCY", "RESET")


def test_slow_command_is_an_event(monitored: redis.Redis) -> None:
    r = monitored
    r.execute_command("DEBUG", "SLEEP", "0")  # under the threshold: no event
    assert r.execute_command("LATENCY", "LATEST") == []
    r.execute_command("DEBUG", "SLEEP", "0.03")
    [[name, at, latest, worst]] = r.execute_command("LATENCY", "LATEST")
    assert name == b"command" and 30 <= latest == worst < 5000 and at > 1_700_000_000
    [[when, latency]] = r.execute_command("LATENCY", "HISTORY", "command")
    assert (when, latency) == (at, latest)
    graph = r.execute_command("LATENCY", "GRAPH", "command")
    graph = graph if isinstance(graph, bytes) else graph.encode()
    lines = graph.split(b"\n")
    assert lines[0] == b"command - high %d ms, low %d ms (all time high %d ms)" % (latest, latest, latest)
    assert lines[1] == b"-" * 80 and lines[2:7] == [b" ", b" ", b" ", b"_", b" "]
    assert lines[7].isdigit() and lines[8:] == [b"s", b""]  # the label "0s" written downwards
    report = r.execute_command("LATENCY", "DOCTOR")
    report = report if isinstance(report, bytes) else report.encode()
    assert report.startswith(b"Dave, I have observed latency spikes in this Redis instance.")
    assert b"\n1. command: 1 latency spikes (average %dms, mean deviation 0ms, period 1.00 sec). " \
           b"Worst all time event %dms.\n" % (latest, latest) in report
    assert b"- Check your Slow Log to understand what are the commands" in report
    assert r.execute_command("LATENCY", "RESET", "COMMAND") == 1
    assert r.execute_command("LATENCY", "LATEST") == []


def test_slow_fast_command_is_a_fast_command_event(monitored: redis.Redis) -> None:
    r = monitored
    r.config_set("latency-monitor-threshold", 1)
    fields = [str(i).encode() for i in range(100_000)]
    r.execute_command("HSET", "h", *(x for f in fields for x in (f, f)))  # HSET is a fast command
    events = {e[0] for e in r.execute_command("LATENCY", "LATEST")}
    assert b"fast-command" in events
    assert b"The system is slow to execute Redis code paths" in r.execute_command("LATENCY", "DOCTOR")
    r.config_set("latency-monitor-threshold", 0)
    r.execute_command("LATENCY", "RESET")
    r.execute_command("HSET", "h", *(x for f in fields for x in (f, f)))
    assert r.execute_command("LATENCY", "LATEST") == []


def _histogram(r: redis.Redis, *names: str) -> dict[bytes, tuple[int, list[tuple[int, int]]]]:
    """LATENCY HISTOGRAM as {name: (calls, [(usec, cumulative calls)])} in either protocol."""
    reply = r.execute_command("LATENCY", "HISTOGRAM", *names)
    pairs = reply.items() if isinstance(reply, dict) else zip(reply[::2], reply[1::2], strict=True)
    out = {}
    for name, entry in pairs:
        entry = entry if isinstance(entry, dict) else dict(zip(entry[::2], entry[1::2], strict=True))
        buckets = entry[b"histogram_usec"]
        buckets = list(buckets.items()) if isinstance(buckets, dict) else list(zip(buckets[::2], buckets[1::2],
                                                                                   strict=True))
        out[name] = (entry[b"calls"], buckets)
    return out


def test_histogram_counts_timed_commands(r: redis.Redis) -> None:
    before = _histogram(r, "set").get(b"set", (0, []))[0]
    for i in range(5):
        r.set("k", i)
    r.config_get("maxmemory")
    histograms = _histogram(r, "set", "config", "nosuch")
    calls, buckets = histograms[b"set"]
    assert calls == before + 5
    assert buckets[-1][1] == calls and all(usec in BUCKET_USEC for usec, _ in buckets)
    assert [n for _, n in buckets] == sorted(n for _, n in buckets)
    assert b"config|get" in histograms and b"config" not in histograms
    assert set(_histogram(r, "config|get")) == {b"config|get"}
    assert b"set" in _histogram(r)
    r.config_set("latency-tracking", "no")
    try:
        r.set("k", 1)
        assert _histogram(r, "set")[b"set"][0] == before + 5
    finally:
        r.config_set("latency-tracking", "yes")
    r.config_resetstat()  # forgets the histograms, as Redis does
    assert _histogram(r, "set") == {}


def test_info_latencystats(r: redis.Redis) -> None:
    r.config_resetstat()
    r.set("k", "v")
    stats = r.info("latencystats")
    line = stats["latency_percentiles_usec_set"]
    text = ",".join(f"{k}={v}" for k, v in line.items()) if isinstance(line, dict) else str(line)
    assert text.startswith("p50=") and ",p99=" in text and ",p99.9=" in text
    r.config_set("latency-tracking-info-percentiles", "0 100")
    try:
        assert {str(k) for k in dict(r.info("latencystats")["latency_percentiles_usec_set"])} == {"p0", "p100"}
    finally:
        r.config_set("latency-tracking-info-percentiles", "50 99 99.9")


def test_percentiles_are_hdr_values() -> None:
    """hdr_value_at_percentile: the highest value equivalent to the sample's (2 significant digits)."""
    durations = {1: 98, 16: 1, 798: 1}  # microseconds
    assert percentile_usec(durations, 50) == 1.003
    assert percentile_usec(durations, 99) == 16.063
    assert percentile_usec(durations, 99.9) == 798.719
    assert percentile_usec(durations, 0) == 1.0


def test_histogram_buckets_are_redis_hdr_buckets() -> None:
    """Redis records whole microseconds in an HdrHistogram (2 significant digits) and reports the highest
    equivalent value of 1024 ns * 2**k: 1, 2, 4, 8, 16, 33, 66, 132 ... microseconds."""
    monitor = LatencyMonitor()
    for ns in (0, 999, 1_000, 1_999, 2_000, 16_000, 33_000, 34_000, 66_000, 10**12):
        monitor.record("x", ns)
    assert BUCKET_USEC[:8] == [1, 2, 4, 8, 16, 33, 66, 132]
    assert cumulative(monitor.histograms["x"]) == [(1, 4), (2, 5), (16, 6), (33, 7), (66, 9), (1082130, 10)]
