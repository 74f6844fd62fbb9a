"""Server: the state every protocol shares (config, keyspace, clients, stats, watches, propagation)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from redvector.config import Config
from redvector.keyspace.database import Database, Keyspace
from redvector.search.registry import SearchRegistry
from redvector.server.acl import AccessControl
from redvector.server.blocking import BlockingRegistry
from redvector.server.client import ClientState
from redvector.server.command_log import CommandLog
from redvector.server.latency import LatencyMonitor
from redvector.server.replication import Replication
from redvector.server.tracking import ClientTracking
from redvector.server.transactions import WatchRegistry

PAUSE_FOREVER_MS = 10 * 365 * 86400 * 1000  # "no end" that event-loop timers can still hold

# A propagation sink: (db_index, argv) for every effective write, in apply order (the AOF is one).
PropagateSink = Callable[[int, list[bytes]], None]


@dataclass(slots=True)
class Stats:
    """INFO stats counters."""

    start_time: float = field(default_factory=time.time)
    total_connections: int = 0
    rejected_connections: int = 0
    keyspace_hits: int = 0
    keyspace_misses: int = 0
    expired_keys: int = 0
    evicted_keys: int = 0
    net_input_bytes: int = 0
    net_output_bytes: int = 0
    # Calls per command name: a plain dict (an exact dict increments twice as fast as a Counter on the
    # hot path); the dispatcher fills in every command name with 0, so never clear() it, zero it.
    command_calls: dict[str, int] = field(default_factory=dict)
    command_errors: Counter[str] = field(default_factory=Counter)
    command_usec: Counter[str] = field(default_factory=Counter)
    error_codes: Counter[str] = field(default_factory=Counter)  # INFO errorstats: replies per error code
    last_save_time: int = field(default_factory=lambda: int(time.time()))

    @property
    def total_commands(self) -> int:
        """INFO's total_commands_processed: every executed command (one counter less per command)."""
        return sum(self.command_calls.values())


class Server:
    """Everything shared by RESP, REST and gRPC. Subsystems attach themselves (pubsub, search, AOF)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.keyspace = Keyspace(int(config["databases"]))
        self.stats = Stats()
        self.clients: dict[int, ClientState] = {}
        self.watches = WatchRegistry()
        self.keyspace.add_observer(self.watches)
        self.blocking = BlockingRegistry()
        self.keyspace.add_observer(self.blocking)
        self.command_log = CommandLog()  # MONITOR's feed and the SLOWLOG
        self.latency = LatencyMonitor()  # LATENCY's events and per-command histograms
        self.tracking = ClientTracking(self)  # CLIENT TRACKING (client-side caching)
        self.acl = AccessControl()  # ACL users; the default one follows requirepass
        self.acl.set_requirepass(str(config["requirepass"] or ""))
        config.on_change(self._config_changed)
        self.keyspace.add_observer(self.tracking)
        self.propagate_sinks: list[PropagateSink] = []
        # appendfsync always: reply_gate(write, data) holds a reply until the AOF writes before it are
        # fsynced (True: held, sent later by the gate). None when replies may go out at once.
        self.reply_gate: Callable[[Callable[[bytes], None], bytes], bool] | None = None
        self.paused_until_ms = 0
        self.paused_writes_only = False
        self.shutdown_requested: Callable[[bool | None], None] | None = None
        self.loading = False
        # Subsystems registered by the composition root (app.py) or by later layers:
        # "pubsub", "blocking", "search", "persistence", ... Typed accessors live with each subsystem.
        self.extensions: dict[str, Any] = {}
        # FT.* indexes over the keyspace (redvector/search/registry.py documents the Python API).
        self.search = SearchRegistry(self.keyspace, lambda: int(self.config["search-default-ef-runtime"]))
        self.extensions["search"] = self.search
        # a monitoring client that disconnects or sends RESET stops being one
        for hooks in ("client_closed_hooks", "client_reset_hooks"):
            self.extensions.setdefault(hooks, []).append(self.command_log.drop_monitor)
            self.extensions[hooks].append(self.tracking.disable)
        self.replication = Replication(self)  # role, backlog, replicas, the master link's state
        self.ports: dict[str, int] = {}
        self.run_id = "%040x" % int.from_bytes(__import__("os").urandom(20), "big")

    @property
    def databases(self) -> list[Database]:
        return self.keyspace.databases

    def db(self, index: int) -> Database:
        return self.keyspace.databases[index]

    @staticmethod
    def now_ms() -> int:
        return int(time.time() * 1000)

    def pause_writes(self) -> None:
        """Hold every write (CLIENT PAUSE WRITE with no end) until ``unpause``: FAILOVER's pause."""
        writes_only = self.paused_writes_only or self.paused_until_ms <= self.now_ms()
        self.paused_until_ms = self.now_ms() + PAUSE_FOREVER_MS
        self.paused_writes_only = writes_only

    def unpause(self) -> None:
        """End a pause; the held clients go on."""
        self.paused_until_ms = 0
        self.paused_writes_only = False
        for resume in list(self.extensions.get("pause_waiters", ())):
            resume()

    def register_client(self, client: ClientState) -> None:
        self.clients[client.id] = client
        self.stats.total_connections += 1

    def unregister_client(self, client: ClientState) -> None:
        self.clients.pop(client.id, None)
        self.watches.unwatch_all(client)
        for hook in self.extensions.get("client_closed_hooks", []):
            hook(client)

    def propagate(self, db_index: int, argv: list[bytes]) -> None:
        for sink in self.propagate_sinks:
            sink(db_index, argv)

    def _config_changed(self, name: str, value: Any) -> None:
        if name == "requirepass":
            self.acl.set_requirepass(str(value or ""))

    def requires_auth(self) -> bool:
        """Whether a new connection must AUTH: the default user is off or has passwords."""
        default = self.acl.default
        return not (default.enabled and default.nopass)

    def active_expire_cycle(self, budget_ms: float = 25.0) -> int:
        """Redis's activeExpireCycle: sample volatile keys per db, repeat while >25% were expired."""
        deadline = time.perf_counter() + budget_ms / 1000
        total = 0
        now = self.now_ms()
        for db in self.keyspace.databases:
            if not db.expires:
                db.avg_ttl = 0  # (as Redis's cycle resets it)
            while db.expires:
                tested, expired = db.active_expire(now, 20)
                total += expired
                if tested == 0 or expired * 4 <= tested or time.perf_counter() > deadline:
                    break
            while db.field_ttls.next_due() <= now and time.perf_counter() <= deadline:
                db.expire_due_fields(now, 20)  # hash fields (HEXPIRE): the heap gives only due ones
        self.stats.expired_keys += total
        return total
