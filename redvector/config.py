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

from redvector.errors import ConfigError

_UNITS = {
    "": 1, "b": 1, "k": 1000, "kb": 1024, "m": 1000**2, "mb": 1024**2, "g": 1000**3, "gb": 1024**3,
}
_ULLONG = 2**64


def parse_memory(text: str) -> int:
    """Redis's memtoull: ASCII digits (none reads 0) and an optional unit (b, k, kb, m, mb, g, gb, any
    case); no sign or spaces; past 2^64-1 the digits read as 2^64-1 (strtoull) and the unit's product wraps."""
    end = 0
    while end < len(text) and "0" <= text[end] <= "9":
        end += 1
    mul = _UNITS.get(text[end:].lower())
    if mul is None or text[:1] == "-":
        raise ValueError("argument must be a memory value")
    value = min(int(text[:end]) if end else 0, _ULLONG - 1)
    return value * mul % _ULLONG


def _parse_bool(text: str) -> bool:
    t = text.lower()
    if t in ("yes", "true", "1"):
        return True
    if t in ("no", "false", "0"):
        return False
    raise ValueError("argument must be 'yes' or 'no'")


def _parse_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError("argument couldn't be parsed into an integer")


def _parse_port(text: str) -> int:
    port = _parse_int(text)
    if not 0 <= port <= 65535:
        raise ValueError("argument must be between 0 and 65535 inclusive")
    return port


def _parse_non_negative(text: str) -> int:
    value = _parse_int(text)
    if not 0 <= value <= 2**63 - 1:
        raise ValueError("argument must be between 0 and 9223372036854775807 inclusive")
    return value


def _parse_percentiles(text: str) -> list[float]:
    values = []
    for word in text.split():
        try:
            value = float(word)
        except ValueError:
            raise ValueError("Invalid latency-tracking-info-percentiles parameters")
        if not 0.0 <= value <= 100.0:
            raise ValueError("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
        values.append(value)
    return values


def render_percentile(value: float) -> str:
    """A percentile as Redis writes it (%f, trailing zeros and point trimmed)."""
    return ("%f" % value).rstrip("0").rstrip(".")


def _render_percentiles(values: list[float]) -> str:
    return " ".join(render_percentile(v) for v in values)


def _enum(*choices: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        t = text.lower()
        if t not in choices:
            raise ValueError("argument(s) must be one of the following: " + ", ".join(choices))
        return t

    return parse


def _parse_save(text: str) -> list[tuple[int, int]]:
    parts = text.split()
    if len(parts) % 2:
        raise ValueError("Invalid save parameters")
    rules = []
    for i in range(0, len(parts), 2):
        try:
            rules.append((int(parts[i]), int(parts[i + 1])))
        except ValueError:
            raise ValueError("Invalid save parameters")
    return rules


def _render_save(rules: list[tuple[int, int]]) -> str:
    return " ".join(f"{s} {c}" for s, c in rules)


def _parse_notify(text: str) -> str:
    """notify-keyspace-events, kept in Redis's canonical spelling (keyspaceEventsFlagsToString)."""
    allowed = set("KEg$lshzxetmdnA")
    if not set(text) <= allowed:
        raise ValueError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
    every = "g$lshzxetd"  # what 'A' stands for
    classes = set(every) if "A" in text else set()
    classes.update(c for c in text if c in every)
    out = "A" if classes >= set(every) else "".join(c for c in every if c in classes)
    return out + "".join(c for c in "KEmn" if c in text)


@dataclass(frozen=True, slots=True)
class Directive:
    name: str
    default: str
    parse: Callable[[str], Any]
    render: Callable[[Any], str] = str
    mutable: bool = True  # CONFIG SET may change it at run time


def _yesno(v: bool) -> str:
    return "yes" if v else "no"


def _parse_replicaof(value: str) -> str:
    """``host port`` (or empty: not a replica); ``no one`` is empty too."""
    parts = value.split()
    if not parts or [p.lower() for p in parts] == ["no", "one"]:
        return ""
    if len(parts) != 2:
        raise ValueError("replicaof takes a host and a port")
    _parse_port(parts[1])
    return f"{parts[0]} {int(parts[1])}"


def _d(name: str, default: str, parse: Callable[[str], Any] = str, render: Callable[[Any], str] = str,
       mutable: bool = True) -> Directive:
    return Directive(name, default, parse, render, mutable)


def _b(name: str, default: str, mutable: bool = True) -> Directive:
    return Directive(name, default, _parse_bool, _yesno, mutable)


def _i(name: str, default: str, mutable: bool = True) -> Directive:
    return Directive(name, default, _parse_int, str, mutable)


def _m(name: str, default: str, low: int = 0, high: int = _ULLONG - 1, floor: int = 0) -> Directive:
    """A memory value (memtoull) within Redis's bounds for the directive; ``floor``: a smaller accepted
    value is raised to it (as Redis resizes the replication backlog to 16 kB at least)."""
    if low == 0 and high == _ULLONG - 1:
        return Directive(name, default, parse_memory, str)

    def parse(text: str) -> int:
        value = parse_memory(text)
        if not low <= value <= high:
            raise ValueError(f"argument must be between {low} and {high} inclusive")
        return max(value, floor)

    return Directive(name, default, parse, str)


_LLONG_MAX = 2**63 - 1


DIRECTIVES: dict[str, Directive] = {
    d.name: d
    for d in [
        _d("port", "6379", _parse_port, mutable=False),
        _d("bind", "127.0.0.1 -::1", mutable=False),
        _d("requirepass", ""),
        _i("databases", "16", mutable=False),
        _d("dir", "./data"),
        _d("loglevel", "notice", _enum("debug", "verbose", "notice", "warning", "nothing")),
        _d("logfile", ""),
        _i("maxclients", "10000"),
        _i("tracking-table-max-keys", "1000000"),
        _i("acllog-max-len", "128"),
        _d("aclfile", "", mutable=False),
        _i("hll-sparse-max-bytes", "3000"),
        _i("timeout", "0"),
        _i("tcp-keepalive", "300"),
        _i("tcp-backlog", "511", mutable=False),
        _m("proto-max-bulk-len", "536870912", 1024 * 1024, _LLONG_MAX),
        _m("client-query-buffer-limit", "1073741824", 1024 * 1024, _LLONG_MAX),
        _d("client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"),
        _d("rest-port", "8888", _parse_port, mutable=False),
        _d("grpc-port", "50051", _parse_port, mutable=False),
        _d("qdrant-port", "6333", _parse_port, mutable=False),
        _d("qdrant-grpc-port", "6334", _parse_port, mutable=False),
        _d("api-key", ""),
        _m("max-request-body", "67108864"),
        _b("appendonly", "yes"),
        _d("appendfsync", "everysec", _enum("always", "everysec", "no")),
        _d("appendfilename", "appendonly.aof", mutable=False),
        _d("appenddirname", "appendonlydir", mutable=False),
        _i("auto-aof-rewrite-percentage", "100"),
        _m("auto-aof-rewrite-min-size", "67108864"),
        _b("aof-load-truncated", "yes"),
        _b("aof-use-rdb-preamble", "yes"),
        _d("save", "3600 1 300 100 60 10000", _parse_save, _render_save),
        _d("dbfilename", "dump.rdb"),
        _b("rdbcompression", "yes"),
        _b("rdbchecksum", "yes"),
        _b("stop-writes-on-bgsave-error", "yes"),
        _d("notify-keyspace-events", "", _parse_notify),
        _m("maxmemory", "0"),
        _d("maxmemory-policy", "noeviction", _enum(  # (in Redis's order, which its error lists)
            "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu",
            "allkeys-random", "noeviction")),
        _i("maxmemory-samples", "5"),
        _i("hz", "10"),
        # replication (server/replication.py): ``replicaof host port`` makes this server a replica at startup
        _d("replicaof", "", _parse_replicaof, mutable=False),
        _d("masterauth", ""),
        _d("masteruser", ""),
        _b("replica-read-only", "yes"),
        _b("replica-serve-stale-data", "yes"),
        _m("repl-backlog-size", "1048576", 1, _LLONG_MAX, floor=16 * 1024),
        _i("repl-backlog-ttl", "3600"),
        _i("repl-ping-replica-period", "10"),
        _i("repl-timeout", "60"),
        _b("repl-diskless-sync", "yes"),
        _i("repl-diskless-sync-delay", "5"),
        _i("replica-priority", "100"),
        _d("replica-announce-ip", ""),
        _i("min-replicas-to-write", "0"),
        _i("min-replicas-max-lag", "10"),
        _i("lfu-log-factor", "10"),
        _i("lfu-decay-time", "1"),
        _b("daemonize", "no", mutable=False),
        _d("pidfile", "", mutable=False),
        _b("protected-mode", "yes"),
        _i("list-max-listpack-size", "-2"),
        _i("list-compress-depth", "0"),
        _i("hash-max-listpack-entries", "128"),
        _i("hash-max-listpack-value", "64"),
        _i("set-max-intset-entries", "512"),
        _i("set-max-listpack-entries", "128"),
        _i("set-max-listpack-value", "64"),
        _i("zset-max-listpack-entries", "128"),
        _i("zset-max-listpack-value", "64"),
        _i("stream-node-max-bytes", "4096"),
        _i("stream-node-max-entries", "100"),
        _i("slowlog-log-slower-than", "10000"),
        _i("slowlog-max-len", "128"),
        _d("latency-monitor-threshold", "0", _parse_non_negative),
        _b("latency-tracking", "yes"),
        _d("latency-tracking-info-percentiles", "50 99 99.9", _parse_percentiles, _render_percentiles),
        _i("busy-reply-threshold", "5000"),  # ms a Lua script may run (EVAL): stopped with an error past it
        _b("lazyfree-lazy-user-flush", "no"),
        _d("appendonly-dir", "", mutable=False),
        _i("search-default-ef-runtime", "64"),
        _i("search-timeout", "500"),
        _b("gc-freeze-after-load", "yes"),
        # default: CPython's collector as is; tuned: no automatic full collections, survivors of the
        # young collections are frozen every second (server/cron.py), so pauses stay short however
        # many objects the dataset holds.
        _d("gc-mode", "tuned", _enum("default", "tuned")),
    ]
}


# Redis's old names, still accepted in config files and by CONFIG SET.
ALIASES = {"slaveof": "replicaof", "slave-read-only": "replica-read-only",
           "slave-serve-stale-data": "replica-serve-stale-data", "slave-priority": "replica-priority",
           "repl-ping-slave-period": "repl-ping-replica-period", "min-slaves-to-write": "min-replicas-to-write",
           "min-slaves-max-lag": "min-replicas-max-lag", "slave-announce-ip": "replica-announce-ip"}


class Config:
    """The live configuration. Read with ``config["port"]``; change with ``set`` (validated)."""

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self._values: dict[str, Any] = {}
        self._listeners: list[Callable[[str, Any], None]] = []
        self.config_file: str | None = None
        # ``user <name> <rules...>`` lines (redis.conf's ACL users), in order; the server applies them.
        self.users: list[str] = []
        for d in DIRECTIVES.values():
            self._values[d.name] = d.parse(d.default)
        for name, value in (values or {}).items():
            self.set(name, value, startup=True)

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)

    def names(self) -> Iterator[str]:
        return iter(self._values)

    def render(self, name: str) -> str:
        return DIRECTIVES[name].render(self._values[name])

    def on_change(self, listener: Callable[[str, Any], None]) -> None:
        self._listeners.append(listener)

    def set(self, name: str, value: str, startup: bool = False) -> None:
        name = name.lower()
        name = ALIASES.get(name, name)
        directive = DIRECTIVES.get(name)
        if directive is None:
            raise ConfigError(f"Unknown option or number of arguments for CONFIG SET - '{name}'")
        if not startup and not directive.mutable:
            raise ConfigError(f"CONFIG SET failed (possibly related to argument '{name}') - can't set immutable config")
        try:
            parsed = directive.parse(value)
        except ValueError as exc:
            if startup:
                raise ConfigError(f"Bad directive or wrong number of arguments: '{name}' '{value}': {exc}")
            raise ConfigError(f"CONFIG SET failed (possibly related to argument '{name}') - {exc}")
        self._values[name] = parsed
        if not startup:
            for listener in self._listeners:
                listener(name, parsed)

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
            if ALIASES.get(name, name) not in DIRECTIVES:
                raise ConfigError(f"Bad directive or wrong number of arguments: unknown directive '{name}'")
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
