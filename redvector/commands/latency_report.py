"""LATENCY DOCTOR's report and LATENCY GRAPH's ASCII sparkline, in Redis's words (latency.c,
sparkline.c)."""

from __future__ import annotations

import time
from typing import Any

from redvector.server.latency import LatencyMonitor, LatencySeries

DISABLED = (
    "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use "
    "\"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep "
    "space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n")
_OBSERVED = ("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, "
             "do you Dave?\n\n")
_NOTHING = ("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the "
            "slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think "
            "things over.\n")
_NO_FIX = ("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis "
           "community to get some help, providing this report in your help request.\n")

# The advices, in the order Redis gives them ({threshold_us}: latency-monitor-threshold in microseconds).
_ADVICES: dict[str, str] = {
    "slowlog_enabled": "- There are latency issues with potentially slow commands you are using. Try to enable "
    "the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than {threshold_us}'. If the "
    "Slow log is disabled Redis is not able to log slow commands execution for you.\n",
    "slowlog_tuning": "- Your current Slow Log configuration only logs events that are slower than your "
    "configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than {threshold_us}'.\n",
    "slowlog_inspect": "- Check your Slow Log to understand what are the commands you are running which are too "
    "slow to execute. Please check https://redis.io/commands/slowlog for more information.\n",
    "scheduler": "- The system is slow to execute Redis code paths not containing system calls. This usually "
    "means the system does not provide Redis CPU time to run for long periods. You should try to:\n"
    "  1) Lower the system load.\n"
    "  2) Use a computer / VM just for Redis if you are running other software in the same system.\n"
    "  3) Check if you have a \"noisy neighbour\" problem.\n"
    "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n"
    "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using "
    "Jemalloc. However this may create fragmentation problems.\n",
    "local_disk": "- It is strongly advised to use local disks for persistence, especially if you are using AOF. "
    "Remote disks provided by platform-as-a-service providers are known to be slow.\n",
    "ssd": "- SSD disks are able to reduce fsync latency, and total time needed for snapshotting and AOF log "
    "rewriting (resulting in smaller memory usage). With extremely high write load SSD disks can be a good "
    "option. However Redis should perform reasonably with high load using normal disks. Use this advice as a "
    "last resort.\n",
    "data_writeback": "- Mounting ext3/4 filesystems with data=writeback can provide a performance boost compared "
    "to data=ordered, however this mode of operation provides less guarantees, and sometimes it can happen "
    "that after a hard crash the AOF file will have a half-written command at the end and will require to be "
    "repaired before Redis restarts.\n",
    "disk_contention": "- Try to lower the disk contention. This is often caused by other disk intensive "
    "processes running in the same computer (including other Redis instances).\n",
    "no_appendfsync": "- Assuming from the point of view of data safety this is viable in your environment, you "
    "could try to enable the 'no-appendfsync-on-rewrite' option, so that fsync will not be performed while "
    "there is a child rewriting the AOF file or producing an RDB file (the moment where there is high disk "
    "contention).\n",
    "relax_fsync_policy": "- Your fsync policy is set to 'always'. It is very hard to get good performances with "
    "such a setup, if possible try to relax the fsync policy to 'onesec'.\n",
    "write_load_info": "- Latency during the AOF atomic rename operation or when the final difference is flushed "
    "to the AOF file at the end of the rewrite, sometimes is caused by very high write load, causing the AOF "
    "buffer to get very large. If possible try to send less commands to accomplish the same work, or use Lua "
    "scripts to group multiple operations into a single EVALSHA call.\n",
    "hz": "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration "
    "parameter to 100 using 'CONFIG SET hz 100'.\n",
    "large_objects": "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking "
    "operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment "
    "those objects into multiple smaller objects.\n",
    "mass_eviction": "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large "
    "objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations "
    "(RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n",
    "disable_thp": "- I detected a non zero amount of anonymous huge pages used by your process. This creates "
    "very serious latency events in different conditions, especially when Redis is persisting on disk. To "
    "disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure "
    "to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that "
    "even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge "
    "pages already created.\n",
}

# What each event (other than "command", which looks at the slow log settings) makes Redis advise.
_EVENT_ADVICES: dict[str, tuple[str, ...]] = {
    "fast-command": ("scheduler",),
    "aof-write-pending-fsync": ("local_disk", "disk_contention", "ssd", "data_writeback"),
    "aof-write-active-child": ("no_appendfsync", "data_writeback", "ssd"),
    "aof-write-alone": ("local_disk", "data_writeback", "ssd"),
    "aof-fsync-always": ("relax_fsync_policy",),
    "aof-fstat": ("disk_contention", "local_disk"),
    "rdb-unlink-temp-file": ("disk_contention", "local_disk"),
    "aof-rewrite-diff-write": ("write_load_info", "data_writeback", "ssd", "local_disk"),
    "aof-rename": ("write_load_info", "data_writeback", "ssd", "local_disk"),
    "expire-cycle": ("hz", "large_objects"),
    "eviction-del": ("large_objects",),
    "eviction-cycle": ("mass_eviction",),
}


def _event_line(number: int, name: str, series: LatencySeries, now: int) -> str:
    """analyzeLatencyForEvent's numbers: samples, average, mean deviation, seconds per sample, worst."""
    latencies = [latency for _, latency in series.samples]
    count = len(latencies)
    avg = mad = 0
    period = 0.0
    if count:
        avg = sum(latencies) // count
        mad = sum(abs(avg - latency) for latency in latencies) // count
        period = (now - min(at for at, _ in series.samples)) or 1
    return (f"{number}. {name}: {count} latency spikes (average {avg}ms, mean deviation {mad}ms, "
            f"period {period / count if count else 0.0:.2f} sec). Worst all time event {series.max}ms.")


def anon_huge_pages() -> int:
    """The bytes of anonymous huge pages the process uses (THP), 0 when unknown."""
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("AnonHugePages:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def doctor(monitor: LatencyMonitor, config: Any) -> str:
    """createLatencyReport."""
    threshold = int(config["latency-monitor-threshold"])
    if not monitor.events and threshold == 0:
        return DISABLED
    now = int(time.time())
    report = []
    advices: set[str] = set()
    for number, (name, series) in enumerate(monitor.events.items(), 1):
        if number == 1:
            report.append(_OBSERVED)
        report.append(_event_line(number, name, series, now))
        if name == "command":
            slowlog_us = int(config["slowlog-log-slower-than"])
            if slowlog_us < 0:
                advices.add("slowlog_enabled")
            elif slowlog_us // 1000 > threshold:
                advices.add("slowlog_tuning")
            advices.update(("slowlog_inspect", "large_objects"))
        advices.update(_EVENT_ADVICES.get(name, ()))
        report.append("\n")
    if anon_huge_pages() > 0:
        advices.add("disable_thp")
    if not advices:
        report.append(_NO_FIX if monitor.events else _NOTHING)
        return "".join(report)
    # Two advices only apply under a setting (both still count as advice for the heading).
    if config["appendfsync"] != "always":
        advices.discard("relax_fsync_policy")
    if int(config["hz"]) >= 100:
        advices.discard("hz")
    report.append("\nI have a few advices for you:\n\n")
    report += [text.format(threshold_us=threshold * 1000) for key, text in _ADVICES.items() if key in advices]
    return "".join(report)


# -- LATENCY GRAPH -----------------------------------------------------------------------------------------
_COLUMNS, _ROWS = 80, 4
_FILL = "_o#"


def _ago(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def _render_range(samples: list[tuple[int, str]], low: int, high: int) -> list[str]:
    """sparklineRenderRange with SPARKLINE_FILL: the rows of the bars, a spacing row, the labels' rows."""
    relmax = (high - low) or 1
    steps = len(_FILL) * _ROWS
    lines: list[str] = []
    row = 0
    while True:
        more = False
        chars = [" "] * len(samples)
        for j, (value, label) in enumerate(samples):
            step = min(max(int(int((value - low) * steps) / relmax), 0), steps - 1)
            if row < _ROWS:
                more = True
                index = step - (_ROWS - row - 1) * len(_FILL)
                if 0 <= index < len(_FILL):
                    chars[j] = _FILL[index]
                elif index >= len(_FILL):
                    chars[j] = "|"
            elif row == _ROWS:  # one blank row above the labels
                more = True
                break
            elif len(label) > row - _ROWS - 1:
                more = True
                chars[j] = label[row - _ROWS - 1]
        if not more:
            return lines
        lines.append("".join(chars) + "\n")
        row += 1


def graph(name: str, series: LatencySeries) -> str:
    now = int(time.time())
    samples = [(latency, _ago(now - at)) for at, latency in series.samples]
    values = [value for value, _ in samples]
    low, high = (min(values), max(values)) if values else (0, 0)
    out = [f"{name} - high {high} ms, low {low} ms (all time high {series.max} ms)\n", "-" * _COLUMNS + "\n"]
    for start in range(0, len(samples), _COLUMNS):
        if start:
            out.append("\n")
        out += _render_range(samples[start:start + _COLUMNS], low, high)
    return "".join(out)
