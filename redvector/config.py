"""Configuration: redis.conf-style directives with types, defaults and validation.

One table (``DIRECTIVES``) says every directive's type and default; the config file parser, the
``--name value`` flags and CONFIG GET/SET all go through it. Values are kept as typed Python values;
``render`` gives the text CONFIG GET shows.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from redvector.config_values import (
    INT_MAX,
    INT_MIN,
    LLONG_MAX,
    ULLONG,
    ObufLimits,
    enum,
    merge_obuf_limits,
    parse_bool,
    parse_memory,
    parse_notify,
    parse_obuf_limits,
    parse_percentiles,
    parse_save,
    render_bool,
    render_notify,
    render_obuf_limits,
    render_percentile,
    render_percentiles,
    render_save,
    string2ll,
)
from redvector.errors import ConfigError

__all__ = ["ALIASES", "DIRECTIVES", "Config", "ConfigError", "Directive", "ObufLimits", "parse_config_text",
           "parse_memory", "render_percentile"]

_LONG_MAX = LLONG_MAX
_UINT_MAX = 2**32 - 1


@dataclass(frozen=True, slots=True)
class Directive:
    name: str
    default: str
    parse: Callable[[str], Any]
    render: Callable[[Any], str] = str
    mutable: bool = True  # CONFIG SET may change it at run time
    # the new value from the current one and the parsed one (client-output-buffer-limit changes only the
    # classes it names); None: the parsed value
    merge: Callable[[Any, Any], Any] | None = None


def _d(name: str, default: str, parse: Callable[[str], Any] = str, render: Callable[[Any], str] = str,
       mutable: bool = True) -> Directive:
    return Directive(name, default, parse, render, mutable)


def _b(name: str, default: str, mutable: bool = True) -> Directive:
    """A bool: yes or no, any case (Redis's yesnotoi)."""
    return Directive(name, default, parse_bool, render_bool, mutable)


def _n(name: str, default: str, low: int, high: int, *, memory: bool = False, percent: bool = False,
       unsigned: bool = False, clamp: tuple[int, int] | None = None, mutable: bool = True) -> Directive:
    """A number as Redis's numeric configs read it (numericParseString, numericBoundaryCheck): a strict
    integer (string2ll), or with ``memory`` a memory value (memtoull), with ``percent`` also ``N%`` (kept
    as -N, shown as ``N%``); within ``low``..``high``, compared as the C type does (``unsigned``: a memory
    value or a negative number wraps to 64 unsigned bits; otherwise memory values past 2^63-1 wrap to
    negative). ``clamp``: an accepted value is moved into this range (hz: 1..500), and CONFIG GET shows it."""
    if memory and percent:
        error = "argument must be a memory or percent value"
    elif memory:
        error = "argument must be a memory value"
    else:
        error = "argument couldn't be parsed into an integer"

    def parse(text: str) -> int:
        value: int | None = None
        if memory:
            try:
                value = parse_memory(text)
            except ValueError:
                pass
        if value is None and percent and len(text) > 1 and text[-1] == "%":
            number = string2ll(text[:-1])
            value = -number if number is not None and number >= 0 else None
        if value is None and not (memory or percent):
            value = string2ll(text)
        if value is None:
            raise ValueError(error)
        if unsigned:
            value %= ULLONG
        elif value > LLONG_MAX:
            value -= ULLONG
        if percent and value < 0:
            if value < low:
                raise ValueError(f"percentage argument must be less or equal to {-low}")
        elif not low <= value <= high:
            raise ValueError(f"argument must be between {low} and {high} inclusive")
        return value if clamp is None else max(clamp[0], min(clamp[1], value))

    render: Callable[[Any], str] = (lambda v: f"{-v}%" if v < 0 else str(v)) if percent else str
    return Directive(name, default, parse, render, mutable)


def _m(name: str, default: str, low: int = 0, high: int = ULLONG - 1, floor: int = 0) -> Directive:
    """A memory value (memtoull) within Redis's bounds for the directive; ``floor``: a smaller accepted
    value is raised to it (as Redis resizes the replication backlog to 16 kB at least)."""
    if floor:
        return _n(name, default, low, high, memory=True, clamp=(floor, high))
    return _n(name, default, low, high, memory=True, unsigned=high == ULLONG - 1)


def _int(name: str, default: str, mutable: bool = True) -> Directive:
    """A C int (0 and up): Redis's bounds for most of its int directives."""
    return _n(name, default, 0, INT_MAX, mutable=mutable)


def _long(name: str, default: str, low: int = 0, memory: bool = False) -> Directive:
    """A long, size_t or long long (0 and up to 2^63-1)."""
    return _n(name, default, low, _LONG_MAX, memory=memory)


def _port(name: str, default: str) -> Directive:
    return _n(name, default, 0, 65535, mutable=False)


def _parse_replicaof(value: str) -> str:
    """``host port`` (or ``no one``: not a replica; empty too, as RedVector's default)."""
    parts = value.split(" ") if value else []
    if not parts:
        return ""
    if len(parts) != 2:
        raise ValueError("wrong number of arguments")
    if [p.lower() for p in parts] == ["no", "one"]:
        return ""
    port = string2ll(parts[1])
    if port is None or not 0 <= port <= 65535:
        raise ValueError("Invalid master port")
    return f"{parts[0]} {port}"


_O = Directive("client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
               parse_obuf_limits, render_obuf_limits, merge=merge_obuf_limits)


# Bounds, types and mutability as Redis 7.4's config.c declares them (its standardConfig table); the
# RedVector-only directives (ports of the other transports, api-key, search-*, gc-*) follow the same rules.
DIRECTIVES: dict[str, Directive] = {
    d.name: d
    for d in [
        _port("port", "6379"),
        _d("bind", "127.0.0.1 -::1", mutable=False),
        _d("requirepass", ""),
        _n("databases", "16", 1, INT_MAX, mutable=False),
        _d("dir", "./data"),
        _d("loglevel", "notice", enum("debug", "verbose", "notice", "warning", "nothing")),
        _d("logfile", "", mutable=False),
        _n("maxclients", "10000", 1, _UINT_MAX, unsigned=True),
        _long("tracking-table-max-keys", "1000000"),
        _long("acllog-max-len", "128"),
        _d("aclfile", "", mutable=False),
        _long("hll-sparse-max-bytes", "3000", memory=True),
        _int("timeout", "0"),
        _int("tcp-keepalive", "300"),
        _int("tcp-backlog", "511", mutable=False),
        _m("proto-max-bulk-len", "536870912", 1024 * 1024, _LONG_MAX),
        _m("client-query-buffer-limit", "1073741824", 1024 * 1024, _LONG_MAX),
        _n("maxmemory-clients", "0", -100, _LONG_MAX, memory=True, percent=True),  # accepted, not enforced
        _O,
        _port("rest-port", "8888"),
        _port("grpc-port", "50051"),
        _port("qdrant-port", "6333"),
        _port("qdrant-grpc-port", "6334"),
        _d("api-key", ""),
        _m("max-request-body", "67108864"),
        _b("appendonly", "yes"),
        _d("appendfsync", "everysec", enum("everysec", "always", "no")),
        _d("appendfilename", "appendonly.aof", mutable=False),
        _d("appenddirname", "appendonlydir", mutable=False),
        _int("auto-aof-rewrite-percentage", "100"),
        _m("auto-aof-rewrite-min-size", "67108864", 0, LLONG_MAX),
        _b("aof-load-truncated", "yes"),
        _b("aof-use-rdb-preamble", "yes"),
        _d("save", "3600 1 300 100 60 10000", parse_save, render_save),
        _d("dbfilename", "dump.rdb"),
        _b("rdbcompression", "yes"),
        _b("rdbchecksum", "yes", mutable=False),
        _b("stop-writes-on-bgsave-error", "yes"),
        _d("notify-keyspace-events", "", parse_notify, render_notify),
        _m("maxmemory", "0"),
        _d("maxmemory-policy", "noeviction", enum(  # (in Redis's order, which its error lists)
            "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu",
            "allkeys-random", "noeviction")),
        _n("maxmemory-samples", "5", 1, 64),
        _n("hz", "10", 0, INT_MAX, clamp=(1, 500)),
        # replication (server/replication.py): ``replicaof host port`` makes this server a replica at startup
        _d("replicaof", "", _parse_replicaof, mutable=False),
        _d("masterauth", ""),
        _d("masteruser", ""),
        _b("replica-read-only", "yes"),
        _b("replica-serve-stale-data", "yes"),
        _m("repl-backlog-size", "1048576", 1, LLONG_MAX, floor=16 * 1024),
        _long("repl-backlog-ttl", "3600"),
        _n("repl-ping-replica-period", "10", 1, INT_MAX),
        _n("repl-timeout", "60", 1, INT_MAX),
        _b("repl-diskless-sync", "yes"),
        _int("repl-diskless-sync-delay", "5"),
        _int("replica-priority", "100"),
        _d("replica-announce-ip", ""),
        _int("min-replicas-to-write", "0"),
        _int("min-replicas-max-lag", "10"),
        _int("lfu-log-factor", "10"),
        _int("lfu-decay-time", "1"),
        _b("daemonize", "no", mutable=False),
        _d("pidfile", "", mutable=False),
        _b("protected-mode", "yes"),
        _n("list-max-listpack-size", "-2", INT_MIN, INT_MAX),
        _int("list-compress-depth", "0"),
        _long("hash-max-listpack-entries", "128"),
        _long("hash-max-listpack-value", "64", memory=True),
        _long("set-max-intset-entries", "512"),
        _long("set-max-listpack-entries", "128"),
        _long("set-max-listpack-value", "64"),
        _long("zset-max-listpack-entries", "128"),
        _long("zset-max-listpack-value", "64", memory=True),
        _long("stream-node-max-bytes", "4096", memory=True),
        _long("stream-node-max-entries", "100"),
        _long("slowlog-log-slower-than", "10000", low=-1),
        _long("slowlog-max-len", "128"),
        _long("latency-monitor-threshold", "0"),
        _b("latency-tracking", "yes"),
        _d("latency-tracking-info-percentiles", "50 99 99.9", parse_percentiles, render_percentiles),
        _long("busy-reply-threshold", "5000"),  # ms a Lua script may run (EVAL): stopped with an error past it
        _b("lazyfree-lazy-user-flush", "no"),
        _d("appendonly-dir", "", mutable=False),
        _n("search-default-ef-runtime", "64", 1, INT_MAX),
        _int("search-timeout", "500"),
        _b("gc-freeze-after-load", "yes"),
        # default: CPython's collector as is; tuned: no automatic full collections, survivors of the
        # young collections are frozen every second (server/cron.py), so pauses stay short however
        # many objects the dataset holds.
        _d("gc-mode", "tuned", enum("default", "tuned")),
    ]
}


# Redis's other names, accepted in config files and by CONFIG SET, and shown by CONFIG GET under their own
# name (a pattern matches them too).
ALIASES = {"slaveof": "replicaof", "slave-read-only": "replica-read-only",
           "slave-serve-stale-data": "replica-serve-stale-data", "slave-priority": "replica-priority",
           "repl-ping-slave-period": "repl-ping-replica-period", "min-slaves-to-write": "min-replicas-to-write",
           "min-slaves-max-lag": "min-replicas-max-lag", "slave-announce-ip": "replica-announce-ip",
           "list-max-ziplist-size": "list-max-listpack-size", "lua-time-limit": "busy-reply-threshold",
           "hash-max-ziplist-entries": "hash-max-listpack-entries",
           "hash-max-ziplist-value": "hash-max-listpack-value",
           "zset-max-ziplist-entries": "zset-max-listpack-entries",
           "zset-max-ziplist-value": "zset-max-listpack-value"}


class Config:
    """The live configuration. Read with ``config["port"]``; change with ``set`` (validated)."""

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self._values: dict[str, Any] = {}
        self._listeners: list[Callable[[str, Any], None]] = []
        self.config_file: str | None = None
        # ``user <name> <rules...>`` lines (redis.conf's ACL users), in order; the server applies them.
        self.users: list[str] = []
        for d in DIRECTIVES.values():
            self._values[d.name] = self._parsed(d, d.default)
        for name, value in (values or {}).items():
            self.set(name, value, startup=True)

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)

    def names(self) -> Iterator[str]:
        """Every name CONFIG GET knows: the directives, then Redis's other names for them."""
        yield from self._values
        yield from ALIASES

    @staticmethod
    def lookup(name: str) -> str | None:
        """The directive a name (any case, or one of Redis's other names) stands for; None if none."""
        name = name.lower()
        name = ALIASES.get(name, name)
        return name if name in DIRECTIVES else None

    def render(self, name: str) -> str:
        name = ALIASES.get(name, name)
        return DIRECTIVES[name].render(self._values[name])

    def on_change(self, listener: Callable[[str, Any], None]) -> None:
        self._listeners.append(listener)

    def _parsed(self, directive: Directive, value: str) -> Any:
        parsed = directive.parse(value)
        if directive.merge is not None:
            parsed = directive.merge(self._values.get(directive.name), parsed)
        return parsed

    def set(self, name: str, value: str, startup: bool = False) -> None:
        """One directive; at startup (config file, flags) immutable ones too."""
        if not startup:
            self.set_many([(name, value)])
            return
        canonical = self.lookup(name)
        if canonical is None:
            raise ConfigError(f"Bad directive or wrong number of arguments: unknown directive '{name}'")
        try:
            self._values[canonical] = self._parsed(DIRECTIVES[canonical], value)
        except ValueError as exc:
            raise ConfigError(f"Bad directive or wrong number of arguments: '{name}' '{value}': {exc}")

    def set_many(self, pairs: list[tuple[str, str]]) -> None:
        """CONFIG SET: all the pairs or none, with Redis's errors. The names are checked first, in order (the
        first unknown, immutable or repeated one is the error, named as given); then every value is read
        (a bad one is named in lower case); only then do they all change."""
        seen: set[str] = set()
        for name, _ in pairs:
            canonical = self.lookup(name)
            if canonical is None:
                raise ConfigError(f"Unknown option or number of arguments for CONFIG SET - '{name}'")
            failure = "can't set immutable config" if not DIRECTIVES[canonical].mutable else (
                "duplicate parameter" if name.lower() in seen else "")
            if failure:
                raise ConfigError(f"CONFIG SET failed (possibly related to argument '{name}') - {failure}")
            seen.add(name.lower())
        changes = []
        for name, value in pairs:
            canonical = ALIASES.get(name.lower(), name.lower())
            try:
                changes.append((canonical, self._parsed(DIRECTIVES[canonical], value)))
            except ValueError as exc:
                raise ConfigError(f"CONFIG SET failed (possibly related to argument '{name.lower()}') - {exc}")
        for canonical, parsed in changes:
            self._values[canonical] = parsed
        for canonical, parsed in changes:  # (as Redis applies them: after every value is set)
            for listener in self._listeners:
                listener(canonical, parsed)

    @classmethod
    def from_args(cls, argv: list[str]) -> Config:
        """redis-server style: ``[configfile] [--name value ...]``; later settings win."""
        pairs: list[tuple[str, str]] = []
        config_file = None
        args = list(argv)
        if args and not args[0].startswith("--"):
            config_file = args.pop(0)
            with open(config_file, encoding="utf-8") as f:
                pairs.extend(parse_config_text(f.read()))
        i = 0
        while i < len(args):
            arg = args[i]
            if not arg.startswith("--") or len(arg) == 2:
                raise ConfigError(f"Invalid argument '{arg}': expected --name value")
            name = arg[2:].lower()
            values: list[str] = []
            i += 1
            while i < len(args) and not args[i].startswith("--"):
                values.append(args[i])
                i += 1
            if name in ("version", "help"):
                pairs.append((name, ""))
                continue
            pairs.append((name, " ".join(values)))
        cfg = cls()
        cfg.config_file = config_file
        for name, value in pairs:
            if name in ("version", "help"):
                continue
            if name == "user":  # repeatable: one ACL user per line
                cfg.users.append(value)
                continue
            cfg.set(name, value, startup=True)
        return cfg

    def rewrite(self, users: list[str] | None = None) -> None:
        """CONFIG REWRITE: write non-default directives back to the config file, and ``users`` (the ACL
        users as ``user`` lines take them; None: the ones read at startup)."""
        if not self.config_file:
            raise ConfigError("The server is running without a config file")
        lines = []
        for d in DIRECTIVES.values():
            text = self.render(d.name)
            if text != d.render(d.parse(d.default)):
                lines.append(f"{d.name} {_quote(text)}")
        if users is not None:
            self.users = list(users)
        lines.extend(f"user {line}" for line in self.users)
        with open(self.config_file, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")


def _quote(text: str) -> str:
    if text == "" or any(c.isspace() or c in "\"'" for c in text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def parse_config_text(text: str) -> Iterable[tuple[str, str]]:
    """redis.conf syntax: ``directive arg...`` per line, ``#`` comments, quoted strings."""
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            parts = shlex.split(line, comments=False, posix=True)
        except ValueError:
            raise ConfigError(f"Unbalanced quotes in configuration line {lineno}: {raw!r}")
        name = parts[0].lower()
        # ``save ""`` means no rules: shlex gives an empty string.
        yield name, " ".join(parts[1:])
