"""INFO: Redis's sections and field names, rendered from server state."""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

from redvector import REDIS_COMPAT_VERSION, __version__
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag
from redvector.config import render_percentile
from redvector.replies import Verbatim
from redvector.server.latency import percentile_usec

group = CommandGroup("server")


def rss_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _server(ctx: CommandContext) -> list[tuple[str, Any]]:
    s = ctx.server
    now = time.time()
    uptime = int(now - s.stats.start_time)
    hz = s.config["hz"]
    return [
        ("redis_version", REDIS_COMPAT_VERSION), ("redvector_version", __version__),
        ("redis_git_sha1", "00000000"), ("redis_git_dirty", 0), ("redis_build_id", "0"),
        ("redis_mode", "standalone"), ("os", f"{platform.system()} {platform.release()} {platform.machine()}"),
        ("arch_bits", 64), ("monotonic_clock", "POSIX clock_gettime"), ("multiplexing_api", _loop_name()),
        ("atomicvar_api", "none"), ("gcc_version", "0.0.0"), ("python_version", sys.version.split()[0]),
        ("process_id", os.getpid()), ("process_supervised", "no"), ("run_id", s.run_id),
        ("tcp_port", s.ports.get("resp", s.config["port"])), ("server_time_usec", int(now * 1_000_000)),
        ("uptime_in_seconds", uptime), ("uptime_in_days", uptime // 86400), ("hz", hz), ("configured_hz", hz),
        ("lru_clock", int(now) & 0xFFFFFF), ("executable", sys.executable),
        ("config_file", s.config.config_file or ""), ("io_threads_active", 0),
    ]


def _loop_name() -> str:
    try:
        import asyncio

        loop = asyncio.get_running_loop()
    except RuntimeError:
        return "asyncio"
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"


def _clients(ctx: CommandContext) -> list[tuple[str, Any]]:
    clients = [c for c in ctx.server.clients.values() if not c.internal]
    return [
        ("connected_clients", len(clients)), ("cluster_connections", 0),
        ("maxclients", ctx.server.config["maxclients"]),
        ("client_recent_max_input_buffer", 0),
        ("client_recent_max_output_buffer", max((c.output_buffer_size() for c in clients), default=0)),
        ("blocked_clients", sum(1 for c in clients if c.blocked_on)), ("tracking_clients", ctx.server.tracking.stats()[0]),
        ("pubsub_clients", sum(1 for c in clients if c.subscription_count)),
        ("watching_clients", sum(1 for c in clients if c.watched)),
        ("clients_in_timeout_table", 0), ("total_watched_keys", len(ctx.server.watches.watchers)),
        ("total_blocking_keys", len(ctx.server.blocking.waiters)),
    ]


def used_memory(ctx: CommandContext) -> int:
    estimator: Callable[[], int] | None = ctx.server.extensions.get("used_memory")
    return estimator() if estimator is not None else rss_bytes()


def _total_system_memory() -> int:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _memory(ctx: CommandContext) -> list[tuple[str, Any]]:
    used = used_memory(ctx)
    rss = rss_bytes()
    peak = max(used, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    total = _total_system_memory()
    maxmemory = ctx.server.config["maxmemory"]
    lua = ctx.server.extensions.get("lua")  # the scripts' VM, once EVAL or SCRIPT made it
    lua_bytes = lua.memory_bytes() if lua is not None else 0
    scripts = len(lua.scripts) if lua is not None else 0
    return [
        ("used_memory", used), ("used_memory_human", _human(used)), ("used_memory_rss", rss),
        ("used_memory_rss_human", _human(rss)), ("used_memory_peak", peak),
        ("used_memory_peak_human", _human(peak)),
        ("used_memory_peak_perc", f"{100 * used / peak:.2f}%" if peak else "100.00%"),
        ("used_memory_overhead", 0), ("used_memory_startup", 0), ("used_memory_dataset", used),
        ("total_system_memory", total), ("total_system_memory_human", _human(total)),
        ("used_memory_lua", lua_bytes), ("used_memory_scripts", 0), ("number_of_cached_scripts", scripts),
        ("number_of_functions", 0), ("number_of_libraries", 0),
        ("maxmemory", maxmemory), ("maxmemory_human", _human(maxmemory)),
        ("maxmemory_policy", ctx.server.config["maxmemory-policy"]),
        ("mem_fragmentation_ratio", round(rss / used, 2) if used else 1.0),
        ("mem_not_counted_for_evict", 0), ("mem_clients_normal", 0), ("mem_aof_buffer", 0),
        ("mem_allocator", "pymalloc"), ("active_defrag_running", 0), ("lazyfree_pending_objects", 0),
        ("lazyfreed_objects", 0),
        *_gc_info(ctx),
    ]


def _gc_info(ctx: CommandContext) -> list[tuple[str, Any]]:
    """RedVector's own: the cyclic garbage collector's mode, collections and pauses."""
    gc_info: Callable[[], list[tuple[str, Any]]] | None = ctx.server.extensions.get("gc_info")
    return gc_info() if gc_info is not None else []


def _persistence(ctx: CommandContext) -> list[tuple[str, Any]]:
    extra: Callable[[], list[tuple[str, Any]]] | None = ctx.server.extensions.get("info_persistence")
    if extra is not None:
        return extra()
    return [
        ("loading", int(ctx.server.loading)), ("async_loading", 0),
        ("rdb_changes_since_last_save", ctx.server.keyspace.dirty),
        ("rdb_bgsave_in_progress", 0), ("rdb_last_save_time", ctx.server.stats.last_save_time),
        ("rdb_last_bgsave_status", "ok"), ("rdb_last_bgsave_time_sec", -1), ("rdb_current_bgsave_time_sec", -1),
        ("rdb_saves", 0), ("aof_enabled", int(ctx.server.config["appendonly"])),
        ("aof_rewrite_in_progress", 0), ("aof_rewrite_scheduled", 0), ("aof_last_rewrite_time_sec", -1),
        ("aof_current_rewrite_time_sec", -1), ("aof_last_bgrewrite_status", "ok"), ("aof_rewrites", 0),
        ("aof_last_write_status", "ok"),
    ]


def _stats(ctx: CommandContext) -> list[tuple[str, Any]]:
    st = ctx.server.stats
    ops: Callable[[], int] | None = ctx.server.extensions.get("ops_per_sec")
    pubsub_counts: Callable[[], tuple[int, int]] | None = ctx.server.extensions.get("pubsub_counts")
    channels, patterns = pubsub_counts() if pubsub_counts is not None else (0, 0)
    tracked = ctx.server.tracking.stats()
    repl = ctx.server.replication
    return [
        ("total_connections_received", st.total_connections), ("total_commands_processed", st.total_commands),
        ("instantaneous_ops_per_sec", ops() if ops is not None else 0),
        ("total_net_input_bytes", st.net_input_bytes), ("total_net_output_bytes", st.net_output_bytes),
        ("total_net_repl_input_bytes", 0), ("total_net_repl_output_bytes", 0),
        ("instantaneous_input_kbps", "0.00"), ("instantaneous_output_kbps", "0.00"),
        ("rejected_connections", st.rejected_connections), ("sync_full", repl.sync_full),
        ("sync_partial_ok", repl.sync_partial_ok), ("sync_partial_err", repl.sync_partial_err), ("expired_subkeys", ctx.server.keyspace.expired_fields),
        ("expired_keys", st.expired_keys), ("expired_stale_perc", "0.00"),
        ("expired_time_cap_reached_count", 0), ("evicted_keys", st.evicted_keys), ("evicted_clients", 0),
        ("keyspace_hits", st.keyspace_hits), ("keyspace_misses", st.keyspace_misses),
        ("pubsub_channels", channels), ("pubsub_patterns", patterns), ("pubsubshard_channels", 0),
        ("latest_fork_usec", 0), ("total_forks", 0),
        ("migrate_cached_sockets", len(ctx.server.extensions.get("migrate_sockets", ()))),
        ("tracking_total_keys", tracked[1]),
        ("tracking_total_items", tracked[2]), ("tracking_total_prefixes", tracked[3]),
        ("unexpected_error_replies", 0), ("total_error_replies", sum(st.command_errors.values())),
        ("dump_payload_sanitizations", 0),
    ]


def _replication(ctx: CommandContext) -> list[tuple[str, Any]]:
    return ctx.server.replication.info()


def _cpu(ctx: CommandContext) -> list[tuple[str, Any]]:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return [("used_cpu_sys", f"{ru.ru_stime:.6f}"), ("used_cpu_user", f"{ru.ru_utime:.6f}"),
            ("used_cpu_sys_children", f"{ch.ru_stime:.6f}"), ("used_cpu_user_children", f"{ch.ru_utime:.6f}"),
            ("used_cpu_sys_main_thread", f"{ru.ru_stime:.6f}"), ("used_cpu_user_main_thread", f"{ru.ru_utime:.6f}")]


def _modules(ctx: CommandContext) -> list[tuple[str, Any]]:
    return [("module", "name=search,ver=21005,api=1,filters=0,usedby=[],using=[ReJSON],options=[handle-io-errors]"),
            ("module", "name=ReJSON,ver=20803,api=1,filters=0,usedby=[search],using=[],options=[handle-io-errors]")]


def _commandstats(ctx: CommandContext) -> list[tuple[str, Any]]:
    st = ctx.server.stats
    return [
        (f"cmdstat_{name.lower()}", f"calls={calls},usec=0,usec_per_call=0.00,rejected_calls=0,"
                                    f"failed_calls={st.command_errors.get(name, 0)}")
        for name, calls in sorted(st.command_calls.items()) if calls
    ]


def _errorstats(ctx: CommandContext) -> list[tuple[str, Any]]:
    codes = ctx.server.stats.error_codes
    return [(f"errorstat_{code}", f"count={n}") for code, n in sorted(codes.items())]


def _latencystats(ctx: CommandContext) -> list[tuple[str, Any]]:
    """Each command's latency percentiles (latency-tracking-info-percentiles) from LATENCY HISTOGRAM's data."""
    percentiles = ctx.server.config["latency-tracking-info-percentiles"]
    if not ctx.server.config["latency-tracking"]:
        return []
    out = []
    for name, durations in ctx.server.latency.histograms.items():
        values = ",".join(f"p{render_percentile(p)}={percentile_usec(durations, p):.3f}" for p in percentiles)
        out.append((f"latency_percentiles_usec_{name}", values))
    return out


def _cluster(ctx: CommandContext) -> list[tuple[str, Any]]:
    return [("cluster_enabled", 0)]


def _keyspace(ctx: CommandContext) -> list[tuple[str, Any]]:
    out = []
    for db in ctx.server.databases:
        if len(db):
            out.append((f"db{db.index}", f"keys={len(db)},expires={len(db.expires)},avg_ttl={db.avg_ttl},subexpiry={len(db.field_ttls)}"))
    return out


SECTIONS: dict[str, Callable[[CommandContext], list[tuple[str, Any]]]] = {
    "server": _server, "clients": _clients, "memory": _memory, "persistence": _persistence,
    "stats": _stats, "replication": _replication, "cpu": _cpu, "modules": _modules,
    "commandstats": _commandstats, "errorstats": _errorstats,
    "latencystats": _latencystats, "cluster": _cluster, "keyspace": _keyspace,
}
DEFAULT_SECTIONS = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules",
                    "errorstats", "cluster", "keyspace"]


def render_info(ctx: CommandContext, names: list[str]) -> bytes:
    wanted: list[str] = []
    for name in names or ["default"]:
        n = name.lower()
        if n == "default":
            wanted += DEFAULT_SECTIONS
        elif n in ("all", "everything"):
            wanted += list(SECTIONS)
        elif n in SECTIONS:
            wanted.append(n)
    lines: list[str] = []
    for n in dict.fromkeys(wanted):
        if lines:
            lines.append("")
        lines.append(f"# {n.capitalize() if n != 'cpu' else 'CPU'}")
        lines += [f"{k}:{v}" for k, v in SECTIONS[n](ctx)]
    return ("\r\n".join(lines) + "\r\n").encode()


@group.command("INFO", -1, Flag.LOADING | Flag.STALE, summary="Returns information and statistics about the server.")
def info(ctx: CommandContext, argv: list[bytes]) -> Any:
    return Verbatim(render_info(ctx, [a.decode() for a in argv[1:]]))


def _human(n: int) -> str:
    for unit in ("B", "K", "M", "G"):
        if n < 1024:
            return f"{n:.2f}{unit}" if unit != "B" else f"{n}B"
        n /= 1024  # type: ignore[assignment]
    return f"{n:.2f}T"
