"""CommandSpec, Flag, KeySpec and CommandGroup: the declarative command table (Redis's command JSON).

A command is one spec plus one plain function ``handler(ctx, argv) -> Reply`` (argv includes the command
name; arity is checked before the handler runs). Arity follows Redis: N means exactly N arguments, -N at
least N, counting the command name.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redvector.commands.context import CommandContext

Handler = Callable[["CommandContext", list[bytes]], Any]


class Flag(enum.Flag):
    WRITE = enum.auto()
    READONLY = enum.auto()
    DENYOOM = enum.auto()
    ADMIN = enum.auto()
    PUBSUB = enum.auto()
    NOSCRIPT = enum.auto()
    BLOCKING = enum.auto()
    LOADING = enum.auto()
    STALE = enum.auto()
    NO_AUTH = enum.auto()
    FAST = enum.auto()
    NO_MULTI = enum.auto()
    ALLOW_BUSY = enum.auto()
    MAY_REPLICATE = enum.auto()
    SKIP_SLOWLOG = enum.auto()
    # RedVector's own: runs immediately even inside MULTI (MULTI, EXEC, DISCARD, WATCH, QUIT, RESET).
    TX_CONTROL = enum.auto()
    # Allowed in RESP2 subscribe mode.
    SUBSCRIBE_OK = enum.auto()
    MODULE = enum.auto()
    NO_ASYNC_LOADING = enum.auto()
    SKIP_MONITOR = enum.auto()
    NO_MANDATORY_KEYS = enum.auto()
    MOVABLEKEYS = enum.auto()


# COMMAND INFO flag names, in Redis's spelling and order (server.c's flag table); Redis hides may_replicate.
FLAG_NAMES: dict[Flag, str] = {
    Flag.WRITE: "write", Flag.READONLY: "readonly", Flag.DENYOOM: "denyoom", Flag.MODULE: "module",
    Flag.ADMIN: "admin", Flag.PUBSUB: "pubsub", Flag.NOSCRIPT: "noscript", Flag.BLOCKING: "blocking",
    Flag.LOADING: "loading", Flag.STALE: "stale", Flag.SKIP_MONITOR: "skip_monitor",
    Flag.SKIP_SLOWLOG: "skip_slowlog", Flag.FAST: "fast", Flag.NO_AUTH: "no_auth",
    Flag.NO_MANDATORY_KEYS: "no_mandatory_keys", Flag.NO_ASYNC_LOADING: "no_async_loading",
    Flag.NO_MULTI: "no_multi", Flag.MOVABLEKEYS: "movablekeys", Flag.ALLOW_BUSY: "allow_busy",
}


@dataclass(frozen=True, slots=True)
class KeySpec:
    """COMMAND INFO's first key, last key (negative counts from the end) and step."""

    first: int = 1
    last: int = 1
    step: int = 1

    def positions(self, argc: int) -> range:
        if self.first == 0:
            return range(0)
        last = self.last if self.last >= 0 else argc + self.last
        return range(self.first, min(last, argc - 1) + 1, self.step)


NO_KEYS = KeySpec(0, 0, 0)


@dataclass(frozen=True, slots=True)
class Sub:
    """One subcommand of a container, as Redis declares it (COMMAND INFO ``config|get``); the container's
    handler runs it. ``flags`` are what COMMAND INFO shows (the dispatcher goes by the container's)."""

    name: str  # upper case, e.g. "GET"
    arity: int  # counting the container's name, as Redis does
    flags: Flag = Flag(0)  # noqa: RUF009 - an immutable enum value
    keys: KeySpec = NO_KEYS
    since: str = "1.0.0"
    summary: str = ""


def sub_arities(subs: Iterable[Sub]) -> dict[bytes, int]:
    """name (bytes, upper case) -> arity, for ``args.subcommand``."""
    return {sub.name.encode(): sub.arity for sub in subs}


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str  # upper case, e.g. "SET", "FT.SEARCH"
    handler: Handler
    arity: int
    flags: Flag
    keys: KeySpec
    group: str
    summary: str = ""
    since: str = "1.0.0"
    subcommands: tuple[str, ...] = ()
    # Custom key extraction (e.g. ZUNIONSTORE numkeys, XREAD STREAMS) for COMMAND GETKEYS.
    getkeys: Callable[[list[bytes]], list[bytes]] | None = None
    # A container's subcommands as specs of their own (``CONFIG|GET``), for COMMAND INFO/DOCS/GETKEYS.
    sub_specs: tuple[CommandSpec, ...] = field(default=(), compare=False)
    # What COMMAND INFO shows as a container's own flags (Redis's container entry; None: ``flags``).
    info_flags: Flag | None = None
    # The flags the dispatcher tests on every call, as plain booleans (enum.Flag's & costs ~1 us).
    no_auth: bool = field(init=False, default=False)
    tx_control: bool = field(init=False, default=False)
    no_multi: bool = field(init=False, default=False)
    subscribe_ok: bool = field(init=False, default=False)
    loading_ok: bool = field(init=False, default=False)
    denyoom: bool = field(init=False, default=False)
    fast: bool = field(init=False, default=False)
    write: bool = field(init=False, default=False)
    stale_ok: bool = field(init=False, default=False)
    # The name as Redis shows it (COMMAND LIST, LATENCY HISTOGRAM): lower case, but RediSearch registers
    # its commands upper case (FT.SEARCH) where RedisJSON registers them lower case (json.get).
    display: str = field(init=False, default="")

    def __post_init__(self) -> None:
        flags = self.flags
        object.__setattr__(self, "display", self.name if self.name.startswith("FT.") else self.name.lower())
        for name, flag in (("no_auth", Flag.NO_AUTH), ("tx_control", Flag.TX_CONTROL), ("no_multi", Flag.NO_MULTI),
                           ("subscribe_ok", Flag.SUBSCRIBE_OK), ("loading_ok", Flag.LOADING),
                           ("denyoom", Flag.DENYOOM), ("fast", Flag.FAST), ("write", Flag.WRITE),
                           ("stale_ok", Flag.STALE)):
            object.__setattr__(self, name, bool(flags & flag))

    def arity_ok(self, argc: int) -> bool:
        a = self.arity
        return argc == a if a >= 0 else argc >= -a

    def key_args(self, argv: list[bytes]) -> list[bytes]:
        if self.getkeys is not None:
            return self.getkeys(argv)
        return [argv[i] for i in self.keys.positions(len(argv))]

    @property
    def is_write(self) -> bool:
        return bool(self.flags & Flag.WRITE)


@dataclass
class CommandGroup:
    """The commands of one family; each family module ends with its group (dragonfly's Register)."""

    name: str
    specs: list[CommandSpec] = field(default_factory=list)

    def command(
        self,
        name: str,
        arity: int,
        flags: Flag = Flag(0),  # noqa: B008 - an immutable enum value
        keys: KeySpec = NO_KEYS,
        summary: str = "",
        since: str = "1.0.0",
        subcommands: Iterable[Sub] = (),
        getkeys: Callable[[list[bytes]], list[bytes]] | None = None,
        container_flags: Flag = Flag(0),  # noqa: B008 - an immutable enum value
    ) -> Callable[[Handler], Handler]:
        """``flags`` are what the dispatcher checks; a container (one with ``subcommands``) shows
        ``container_flags`` in COMMAND INFO, as Redis does, and each subcommand its own."""
        subs = tuple(subcommands)

        def register(fn: Handler) -> Handler:
            doc = summary or (fn.__doc__ or "").strip().splitlines()[0] if (summary or fn.__doc__) else ""
            upper = name.upper()
            sub_specs = tuple(CommandSpec(f"{upper}|{sub.name}", fn, sub.arity, sub.flags, sub.keys, self.name,
                                          sub.summary, sub.since) for sub in subs)
            self.specs.append(
                CommandSpec(upper, fn, arity, flags, keys, self.name, doc, since, tuple(sub.name for sub in subs),
                            getkeys, sub_specs, container_flags if subs else None)
            )
            return fn

        return register


class CommandTable:
    """name -> spec. Lookups accept any case; both upper and lower forms are kept for a fast path."""

    def __init__(self, specs: Iterable[CommandSpec]) -> None:
        self.by_name: dict[str, CommandSpec] = {}
        self._fast: dict[bytes, CommandSpec] = {}
        for spec in specs:
            self.add(spec)

    @classmethod
    def of(cls, *groups: CommandGroup) -> CommandTable:
        return cls(spec for g in groups for spec in g.specs)

    def add(self, spec: CommandSpec) -> None:
        if spec.name in self.by_name:
            raise ValueError(f"duplicate command {spec.name}")
        self.by_name[spec.name] = spec
        upper = spec.name.encode()
        self._fast[upper] = spec
        self._fast[upper.lower()] = spec

    def lookup(self, name: bytes) -> CommandSpec | None:
        spec = self._fast.get(name)
        if spec is None:
            spec = self._fast.get(name.lower())
        return spec

    def lookup_full(self, name: bytes) -> CommandSpec | None:
        """A command by its full name, as COMMAND INFO takes it: ``get``, or ``config|get`` for a
        container's subcommand (None for an unknown one, or a deeper ``a|b|c``)."""
        container, bar, sub = name.partition(b"|")
        spec = self.lookup(container)
        if not bar or spec is None:
            return spec
        wanted = f"{spec.name}|{sub.decode('latin-1').upper()}"
        return next((s for s in spec.sub_specs if s.name == wanted), None)

    def __iter__(self) -> Iterator[CommandSpec]:
        return iter(self.by_name.values())

    def __len__(self) -> int:
        return len(self.by_name)
