"""Server commands: FLUSHDB FLUSHALL DBSIZE CONFIG TIME INFO (sections in commands/info.py)."""

from __future__ import annotations

import time
from typing import Any

from redvector.commands.acl import acl_user_lines
from redvector.commands.args import ArgCursor
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag, Sub
from redvector.config import Config
from redvector.errors import RedVectorError, SyntaxErr, UnknownSubcommand, WrongArity
from redvector.keyspace.glob import glob_match
from redvector.replies import OK, Map

group = CommandGroup("server")


def _flush_mode(argv: list[bytes]) -> None:
    if len(argv) > 2:
        raise SyntaxErr()
    if len(argv) == 2 and argv[1].upper() not in (b"ASYNC", b"SYNC"):
        raise SyntaxErr()


@group.command("FLUSHDB", -1, Flag.WRITE, summary="Remove all keys from the current database.")
def flushdb(ctx: CommandContext, argv: list[bytes]) -> Any:
    _flush_mode(argv)
    ctx.db.clear()
    return OK


@group.command("FLUSHALL", -1, Flag.WRITE, summary="Removes all keys from all databases.")
def flushall(ctx: CommandContext, argv: list[bytes]) -> Any:
    _flush_mode(argv)
    ctx.server.keyspace.flush_all()
    return OK


@group.command("DBSIZE", 1, Flag.READONLY | Flag.FAST, summary="Returns the number of keys in the database.")
def dbsize(ctx: CommandContext, argv: list[bytes]) -> Any:
    return len(ctx.db)


@group.command("TIME", 1, Flag.LOADING | Flag.STALE | Flag.FAST,
               summary="Returns the server time.", since="2.6.0")
def time_(ctx: CommandContext, argv: list[bytes]) -> Any:
    now = time.time()
    return [b"%d" % int(now), b"%d" % int((now % 1) * 1_000_000)]


# CONFIG's subcommands as Redis 7.4 declares them (COMMAND INFO config|<sub>).
_CONFIG_SUBS = (
    Sub("GET", -3, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="2.0.0",
        summary="Returns the effective values of configuration parameters."),
    Sub("SET", -4, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="2.0.0",
        summary="Sets configuration parameters in-flight."),
    Sub("RESETSTAT", 2, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="2.0.0",
        summary="Resets the server's statistics."),
    Sub("REWRITE", 2, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="2.8.0",
        summary="Persists the effective configuration to file."),
    Sub("HELP", 2, Flag.LOADING | Flag.STALE, since="5.0.0",
        summary="Returns helpful text about the different subcommands."),
)


def _config_get(cfg: Config, patterns: list[bytes]) -> dict[str, tuple[str, str]]:
    """CONFIG GET as Redis answers it: a name without ``*?[`` is looked up (any case; shown as given), a
    pattern matches every name (Redis's other names too) in any case; each directive once per name."""
    out: dict[str, tuple[str, str]] = {}
    for pattern in patterns:
        text = pattern.decode(errors="replace")
        if not any(c in text for c in "*?["):
            if text.lower() not in out and cfg.lookup(text) is not None:
                out[text.lower()] = (text, cfg.render(text.lower()))
            continue
        for name in cfg.names():
            if name not in out and glob_match(pattern.lower(), name.encode()):
                out[name] = (name, cfg.render(name))
    return out


@group.command("CONFIG", -2, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE,
               subcommands=_CONFIG_SUBS,
               summary="A container for server configuration commands.", since="2.0.0")
def config(ctx: CommandContext, argv: list[bytes]) -> Any:
    sub = argv[1].upper()
    cfg = ctx.server.config
    if sub == b"GET":
        if len(argv) < 3:
            raise WrongArity("config|get")
        return Map(list(_config_get(cfg, argv[2:]).values()))
    if sub == b"SET":
        if len(argv) < 4:
            raise WrongArity("config|set")
        if len(argv) % 2:
            raise SyntaxErr()
        args = ArgCursor(argv, 2)
        pairs = []
        while args:
            pairs.append((args.next().decode(errors="replace"), args.next().decode(errors="replace")))
        cfg.set_many(pairs)
        return OK
    if sub == b"RESETSTAT":
        stats = ctx.server.stats
        stats.keyspace_hits = stats.keyspace_misses = 0
        stats.expired_keys = stats.evicted_keys = stats.total_connections = 0
        calls = stats.command_calls
        for name in calls:
            calls[name] = 0
        stats.command_errors.clear()
        stats.command_usec.clear()
        ctx.server.latency.histograms.clear()  # LATENCY HISTOGRAM starts again too
        stats.error_codes.clear()
        gc_reset = ctx.server.extensions.get("gc_reset")
        if gc_reset is not None:
            gc_reset()
        return OK
    if sub == b"REWRITE":
        # The ACL users go into the file as ``user`` lines unless an ACL file holds them (as in Redis).
        cfg.rewrite(None if cfg["aclfile"] else acl_user_lines(ctx))
        return OK
    if sub == b"HELP":
        return [b"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                b"GET <pattern>", b"SET <directive> <value>", b"RESETSTAT", b"REWRITE"]
    raise UnknownSubcommand("config", argv[1])


__all__ = ["RedVectorError", "group"]
