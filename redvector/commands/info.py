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
from redvector.replies import Verbatim

group = CommandGroup("server")


def rss_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _server(ctx: CommandContext) -> list[tuple[str, Any]]:
    s = ctx.server
    uptime = int(time.time() - s.stats.start_time)
    return [
        ("redis_version", REDIS_COMPAT_VERSION), ("redvector_version", __version__),
        ("redis_mode", "standalone"), ("os", f"{platform.system()} {platform.release()} {platform.machine()}"),
        ("arch_bits", 64), ("multiplexing_api", "asyncio"), ("process_id", os.getpid()),
        ("python_version", sys.version.split()[0]), ("run_id", s.run_id),
        ("tcp_port", s.ports.get("resp", s.config["port"])), ("uptime_in_seconds", uptime),
        ("uptime_in_days", uptime // 86400), ("hz", s.config["hz"]),
        ("executable", sys.executable), ("config_file", s.config.config_file or ""),
    ]


def _clients(ctx: CommandContext) -> list[tuple[str, Any]]:
    clients = ctx.server.clients.values()
    return [
        ("connected_clients", len(ctx.server.clients)),
        ("maxclients", ctx.server.config["maxclients"]),
        ("blocked_clients", sum(1 for c in clients if c.blocked_on)),
        ("pubsub_clients", sum(1 for c in clients if c.subscription_count)),
        ("watching_clients", sum(1 for c in clients if c.watched)),
    ]


def used_memory(ctx: CommandContext) -> int:
    estimator: Callable[[], int] | None = ctx.server.extensions.get("used_memory")
    return estimator() if estimator is not None else rss_bytes()


def _memory(ctx: CommandContext) -> list[tuple[str, Any]]:
    used = used_memory(ctx)
    rss = rss_bytes()
    return [
        ("used_memory", used), ("used_memory_human", _human(used)), ("used_memory_rss", rss),
        ("used_memory_rss_human", _human(rss)), ("used_memory_peak", max(used, rss)),
        ("maxmemory", ctx.server.config["maxmemory"]), ("maxmemory_human", _human(ctx.server.config["maxmemory"])),
        ("maxmemory_policy", ctx.server.config["maxmemory-policy"]),
        ("mem_fragmentation_ratio", round(rss / used, 2) if used else 1.0),
        ("mem_allocator", "pymalloc"),
    ]


def _persistence(ctx: CommandContext) -> list[tuple[str, Any]]:
    extra: Callable[[], list[tuple[str, Any]]] | None = ctx.server.extensions.get("info_persistence")
    if extra is not None:
        return extra()
    return [
        ("loading", int(ctx.server.loading)), ("rdb_changes_since_last_save", ctx.server.keyspace.dirty),
        ("rdb_bgsave_in_progress", 0), ("rdb_last_save_time", ctx.server.stats.last_save_time),
        ("rdb_last_bgsave_status", "ok"), ("aof_enabled", int(ctx.server.config["appendonly"])),
        ("aof_rewrite_in_progress", 0), ("aof_last_bgrewrite_status", "ok"),
    ]


def _stats(ctx: CommandContext) -> list[tuple[str, Any]]:
    st = ctx.server.stats
    return [
        ("total_connections_received", st.total_connections), ("total_commands_processed", st.total_commands),
        ("instantaneous_ops_per_sec", 0), ("total_net_input_bytes", st.net_input_bytes),
        ("total_net_output_bytes", st.net_output_bytes), ("rejected_connections", st.rejected_connections),
        ("expired_keys", st.expired_keys), ("evicted_keys", st.evicted_keys),
        ("keyspace_hits", st.keyspace_hits), ("keyspace_misses", st.keyspace_misses),
        ("pubsub_channels", 0), ("pubsub_patterns", 0),
        ("total_error_replies", sum(st.command_errors.values())),
    ]


def _replication(ctx: CommandContext) -> list[tuple[str, Any]]:
    return [("role", "master"), ("connected_slaves", 0), ("master_replid", ctx.server.run_id),
            ("master_repl_offset", 0)]


def _cpu(ctx: CommandContext) -> list[tuple[str, Any]]:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return [("used_cpu_sys", f"{ru.ru_stime:.6f}"), ("used_cpu_user", f"{ru.ru_utime:.6f}")]


def _modules(ctx: CommandContext) -> list[tuple[str, Any]]:
    return [("module", "name=search,ver=21005,api=1,filters=0,usedby=[],using=[],options=[handle-io-errors]")]


def _commandstats(ctx: CommandContext) -> list[tuple[str, Any]]:
    st = ctx.server.stats
    return [
        (f"cmdstat_{name.lower()}", f"calls={calls},usec=0,usec_per_call=0.00,rejected_calls=0,"
                                    f"failed_calls={st.command_errors.get(name, 0)}")
        for name, calls in sorted(st.command_calls.items())
    ]


def _keyspace(ctx: CommandContext) -> list[tuple[str, Any]]:
    out = []
    for db in ctx.server.databases:
        if len(db):
            out.append((f"db{db.index}", f"keys={len(db)},expires={len(db.expires)},avg_ttl=0"))
    return out


SECTIONS: dict[str, Callable[[CommandContext], list[tuple[str, Any]]]] = {
    "server": _server, "clients": _clients, "memory": _memory, "persistence": _persistence,
    "stats": _stats, "replication": _replication, "cpu": _cpu, "modules": _modules,
    "commandstats": _commandstats, "keyspace": _keyspace,
}
DEFAULT_SECTIONS = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules",
                    "keyspace"]


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
