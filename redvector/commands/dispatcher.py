"""The dispatcher: lookup -> arity -> guards -> MULTI queue / EXEC -> call -> propagate.

Redis's processCommand() and call() in one place, so handlers never repeat the generic checks.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from time import perf_counter_ns
from typing import Any

from redvector.commands.acl import check as acl_check
from redvector.commands.acl import exec_check as acl_exec_check
from redvector.commands.client import client_info
from redvector.commands.context import NOW_UNREAD, CommandContext
from redvector.commands.spec import CommandSpec, CommandTable, Flag
from redvector.errors import (
    CodedError,
    ExecAbort,
    NoAuth,
    OutOfMemory,
    RedVectorError,
    UnknownCommand,
    WrongArity,
)
from redvector.replies import NULL_ARRAY, QUEUED, Blocked, Deferred, resolve_sync
from redvector.server.client import ClientState
from redvector.server.server import Server
from redvector.server.transactions import MultiState

log = logging.getLogger("redvector.dispatch")

INTERNAL_ERROR = RedVectorError("internal error")
_NEVER = 1 << 62  # a slow threshold no command reaches


class Dispatcher:
    def __init__(self, server: Server, table: CommandTable) -> None:
        self.server = server
        self.table = table
        # Read-only commands by name: a set lookup is much cheaper than an enum.Flag test per write.
        self.readonly_names = frozenset(spec.name for spec in table if spec.flags & Flag.READONLY)
        self._by_wire = table._fast  # name as sent (upper or lower case) -> spec
        self._databases = server.keyspace.databases
        # INFO commandstats: every command counted from 0 (CONFIG RESETSTAT zeroes it in place).
        self._calls = server.stats.command_calls
        for spec in table:
            self._calls.setdefault(spec.name, 0)
        # Optional OOM guard (maxmemory); returns True when writes that need memory must be refused.
        self.over_memory_limit: Any = None
        # The command clock (seconds). AOF replay freezes it at 0 so that no key expires while the log
        # is replayed: expiries were logged as DELs where they happened (Redis does not expire keys
        # while loading either).
        self.clock = time.time
        # Optional per-command key access hook (client, db_index, spec, argv), called after the command:
        # the LRU/LFU clocks of maxmemory policies.
        self.key_access: Any = None
        self._collecting = False  # inside writes_together
        # MONITOR and SLOWLOG (server/command_log.py): commands Redis never shows to monitors (the admin
        # ones), commands it never logs as slow, and the slow threshold in ns (slowlog-log-slower-than;
        # negative: off).
        self.command_log = server.command_log
        self._monitors = server.command_log.monitors
        self._unmonitored = frozenset(spec.name for spec in table if spec.flags & Flag.ADMIN)
        self._no_slowlog = frozenset(spec.name for spec in table if spec.flags & Flag.SKIP_SLOWLOG)
        # LATENCY (server/latency.py): the monitor's threshold in ns (latency-monitor-threshold ms; 0: off)
        # and whether timed commands feed the per-command histograms (latency-tracking). _slow_ns is the
        # lower of the two thresholds: the one test the timed path makes before the rare path.
        self.latency = server.latency
        self._histograms = server.latency.histograms
        self._slowlog_ns = self._latency_ns = self._slow_ns = _NEVER
        self._tracking = False
        server.config.on_change(self._config_changed)
        # What replication refuses now, to every client but the master link and replays: writes (a
        # read-only replica: READONLY; a master short of min-replicas-to-write good replicas: NOREPLICAS)
        # and commands not flagged stale (a replica cut from its master with replica-serve-stale-data no:
        # MASTERDOWN). ``restricted``: either applies (the one test on the hot path).
        self.write_refusal: RedVectorError | None = None
        self.stale_refusal: RedVectorError | None = None
        self.restricted = False
        server.replication.on_rules_change.append(self._replication_changed)
        self._replication_changed()
        for name in ("slowlog-log-slower-than", "latency-monitor-threshold", "latency-tracking"):
            self._config_changed(name, server.config[name])

    def _replication_changed(self) -> None:
        replication = self.server.replication
        self.write_refusal = replication.write_refusal()
        self.stale_refusal = replication.stale_refusal()
        self.restricted = self.write_refusal is not None or self.stale_refusal is not None

    def _restriction(self, spec: CommandSpec) -> RedVectorError | None:
        """processCommand's replication checks, in its order: READONLY / NOREPLICAS, then MASTERDOWN."""
        if self.write_refusal is not None and spec.write:
            return self.write_refusal
        if self.stale_refusal is not None and not spec.stale_ok:
            return self.stale_refusal
        return None

    def _config_changed(self, name: str, value: Any) -> None:
        if name in ("replica-read-only", "min-replicas-to-write", "min-replicas-max-lag", "replica-serve-stale-data"):
            self._replication_changed()
        if name == "slowlog-log-slower-than":
            micros = int(value)
            self._slowlog_ns = _NEVER if micros < 0 else micros * 1000
        elif name == "latency-monitor-threshold":
            millis = int(value)
            self._latency_ns = _NEVER if millis <= 0 else millis * 1_000_000
            # Fast commands are not timed (a pipelined GET would pay for two clock reads): while the
            # monitor is on, execute times them too, for the "fast-command" event.
            if millis > 0:
                self.execute = self._execute_timing_fast  # type: ignore[method-assign]
            else:
                self.__dict__.pop("execute", None)
        elif name == "latency-tracking":
            self._tracking = bool(value)
        self._slow_ns = min(self._slowlog_ns, self._latency_ns)

    def _timed(self, ctx: CommandContext, client: ClientState, spec: CommandSpec, argv: list[bytes],
               from_script: bool) -> Any:
        """Run the handler, timed for the SLOWLOG (and shown to monitors)."""
        started = perf_counter_ns()
        try:
            reply = spec.handler(ctx, argv)
        except Exception as exc:
            reply = self._failed(spec, exc)
        elapsed = perf_counter_ns() - started
        if elapsed >= self._slow_ns or self._monitors:
            self._after(client, spec, argv, from_script, elapsed)
        if self._tracking:  # LATENCY HISTOGRAM, inlined (a method call would double its ~80 ns)
            if spec.subcommands:
                self._track(spec, argv, elapsed)
            else:
                try:
                    self._histograms[spec.display][elapsed // 1000] += 1
                except KeyError:  # the command's first call, or its first of that many microseconds
                    self.latency.record(spec.display, elapsed)
        return reply

    def _after(self, client: ClientState, spec: CommandSpec, argv: list[bytes], from_script: bool,
               elapsed_ns: int) -> None:
        """The rare path after a command: a monitor to feed (the database the client is in now, as
        Redis shows SELECT), a slow command to log, or a latency event."""
        log = self.command_log
        if log.monitors and spec.name not in self._unmonitored:
            log.feed(spec.name, None if from_script else client, client.db_index, argv)
        if elapsed_ns >= self._slowlog_ns and spec.name not in self._no_slowlog:
            log.record(argv, elapsed_ns // 1000, client, int(self.server.config["slowlog-max-len"]))
        if elapsed_ns >= self._latency_ns:
            self.latency.add_sample("fast-command" if spec.fast else "command", elapsed_ns // 1_000_000)

    def _track(self, spec: CommandSpec, argv: list[bytes], elapsed_ns: int) -> None:
        """LATENCY HISTOGRAM for a container: the duration under its full name (``config|get``); none
        for an unknown subcommand (Redis refuses it before it runs)."""
        name = spec.display
        if len(argv) > 1:
            sub = argv[1].decode("latin-1").upper()
            if sub not in spec.subcommands:
                return
            name = f"{name}|{sub.lower()}"
        self.latency.record(name, elapsed_ns)

    def _execute_timing_fast(self, client: ClientState, argv: list[bytes]) -> Any:
        """``execute`` while the latency monitor is on: fast commands timed too ("fast-command")."""
        started = perf_counter_ns()
        reply = Dispatcher.execute(self, client, argv)
        elapsed = perf_counter_ns() - started
        if elapsed >= self._latency_ns:
            spec = self.table.lookup(argv[0])
            if spec is not None and spec.fast:
                self.latency.add_sample("fast-command", elapsed // 1_000_000)
        return reply

    def execute(self, client: ClientState, argv: list[bytes]) -> Any:
        """Run one command for a client and return its reply value (an error is returned, not raised)."""
        # The hot path: every test is an attribute or a plain boolean, cheapest and most likely first.
        spec = self._by_wire.get(argv[0])
        if spec is None:
            spec = self.table.lookup(argv[0])
            if spec is None:
                return self._reject(client, UnknownCommand(argv))
        arity = spec.arity
        argc = len(argv)
        if argc != arity and (arity >= 0 or argc < -arity):
            return self._reject(client, WrongArity(spec.name, exact=bool(spec.flags & Flag.MODULE)))
        if self.restricted and not client.replicated and client.authenticated:
            refused = self._restriction(spec)
            if refused is not None:
                return self._reject(client, refused)
        if client.gated:  # not authenticated, in MULTI, or subscribed on RESP2
            refused = self._gate(client, spec, argv)
            if refused is not None:
                return refused
        server = self.server
        if server.loading and not spec.loading_ok:
            return CodedError("LOADING", "Redis is loading the dataset in memory")
        if spec.denyoom and self.over_memory_limit is not None and self.over_memory_limit():
            return OutOfMemory()
        # call(), inlined: one Python frame less on every command. The client's context object is reused
        # (a client runs one command at a time: Blocked and Deferred replies hold its queue until they
        # end); call() makes fresh ones for the commands EXEC and blocking retries run inside another.
        ctx = client.command_ctx
        if ctx is None:
            ctx = client.command_ctx = CommandContext(server, client, NOW_UNREAD, self)
        db_index = client.db_index
        ctx._now_ms = NOW_UNREAD
        ctx.db = self._databases[db_index]
        ctx.aof_argv = None
        keyspace = server.keyspace
        dirty = keyspace.dirty
        self._calls[spec.name] += 1
        client.last_cmd = spec.name
        tracking = client.tracking
        if tracking is not None:
            server.tracking.before_command(client)
        if spec.fast:  # O(1) / O(log n): not timed (two clock reads would cost ~5% of a pipelined GET)
            try:
                reply = spec.handler(ctx, argv)
            except Exception as exc:
                reply = self._failed(spec, exc)
            if self._monitors:
                self._after(client, spec, argv, False, -1)  # -1: not timed, never logged as slow
        else:
            reply = self._timed(ctx, client, spec, argv, False)
        # A read whose only effect was a lazy expiry is not logged (the expiry was, as DEL).
        if keyspace.dirty != dirty and server.propagate_sinks and spec.name not in self.readonly_names:
            self._propagate(db_index, argv, ctx)
        if tracking is not None:
            self._tracked(client, spec, argv)
        if self.key_access is not None:
            self.key_access(client, db_index, spec, argv)
        if server.blocking.ready:
            server.blocking.serve_ready()
        return reply

    def _gate(self, client: ClientState, spec: CommandSpec, argv: list[bytes]) -> Any:
        """The per-client checks of processCommand(): a refusal or QUEUED, or None to run the command."""
        if not client.authenticated and not spec.no_auth:
            return self._reject(client, NoAuth())
        if client.acl is not None:  # a user that may not run everything
            denied = acl_check(self.server, client, spec, argv, client_info,
                               "toplevel" if client.multi is None else "multi")  # ACL LOG's context
            if denied is not None:
                if client.multi is not None and spec.name == "EXEC":  # Redis's execCommandAbort
                    client.multi = None
                    self.server.watches.unwatch_all(client)
                    denied = CodedError("EXECABORT", f"Transaction discarded because of: {denied.resp_line()}")
                return self._reject(client, denied)
        if client.multi is not None and not spec.tx_control:
            if spec.no_multi:
                return self._reject(client, RedVectorError("Command not allowed inside a transaction"))
            client.multi.queue.append((spec, argv))
            return QUEUED
        if client.protocol == 2 and (client.channels or client.patterns or client.shard_channels) \
                and not spec.subscribe_ok:
            return RedVectorError(
                f"Can't execute '{spec.name.lower()}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
                "RESET are allowed in this context"
            )
        return None

    def call(self, client: ClientState, spec: CommandSpec, argv: list[bytes], from_script: bool = False) -> Any:
        """Run the handler; propagate the effect if the keyspace changed (Redis's call()).
        ``from_script``: a Lua script's command (MONITOR shows it as ``lua``)."""
        server = self.server
        keyspace = server.keyspace
        ctx = CommandContext(server, client, NOW_UNREAD, self)
        dirty = keyspace.dirty
        db_index = client.db_index
        self._calls[spec.name] += 1
        client.last_cmd = spec.name
        tracking = client.tracking
        if tracking is not None:
            server.tracking.before_command(client)
        reply = self._timed(ctx, client, spec, argv, from_script)
        # A read whose only effect was a lazy expiry is not logged (the expiry was, as DEL).
        if keyspace.dirty != dirty and server.propagate_sinks and spec.name not in self.readonly_names:
            self._propagate(db_index, argv, ctx)
        if tracking is not None:
            self._tracked(client, spec, argv)
        return reply

    def _tracked(self, client: ClientState, spec: CommandSpec, argv: list[bytes]) -> None:
        """After a command of a client with CLIENT TRACKING on: the keys a read touched are remembered.
        CLIENT CACHING's answer lasts until a command other than CLIENT runs outside MULTI (resetClient)."""
        self.server.tracking.after_command(
            client, bool(spec.flags & Flag.READONLY), lambda: spec.key_args(argv),
            keep_caching=spec.name == "CLIENT" or client.multi is not None)

    def _failed(self, spec: CommandSpec, exc: Exception) -> RedVectorError:
        """A handler raised: its error is the reply; anything but a RedVectorError is a bug (logged)."""
        stats = self.server.stats
        stats.command_errors[spec.name] += 1
        if isinstance(exc, RedVectorError):
            stats.error_codes[exc.code] += 1
            return exc
        log.error("internal error in %s", spec.name, exc_info=exc)
        stats.error_codes[INTERNAL_ERROR.code] += 1
        return INTERNAL_ERROR

    def _propagate(self, db_index: int, argv: list[bytes], ctx: CommandContext) -> None:
        if ctx.aof_argv is None:
            self.server.propagate(db_index, argv)
        else:
            for logged in ctx.aof_argv:
                self.server.propagate(db_index, logged)

    @staticmethod
    def resolve(reply: Any) -> Any:
        """A Deferred reply computed synchronously (MULTI/EXEC, internal callers); errors as values."""
        try:
            return resolve_sync(reply)
        except RedVectorError as exc:
            return exc
        except Exception:
            log.exception("internal error in deferred reply")
            return INTERNAL_ERROR

    def rerun(self, client: ClientState, argv: list[bytes]) -> Any:
        """Run a parked blocking command again after one of its keys became ready."""
        spec = self.table.lookup(argv[0])
        assert spec is not None
        return self.call(client, spec, argv)

    def _reject(self, client: ClientState, error: RedVectorError) -> RedVectorError:
        # Redis: an error while queueing a MULTI makes EXEC fail with EXECABORT.
        if client.multi is not None:
            client.multi.aborted = True
        self.server.stats.command_errors["__rejected__"] += 1
        self.server.stats.error_codes[error.code] += 1
        return error

    # -- transactions (EXEC re-enters call, so it lives here) --------------------------------------------
    def begin_multi(self, client: ClientState) -> None:
        client.multi = MultiState()

    def exec_multi(self, client: ClientState) -> Any:
        multi = client.multi
        assert multi is not None
        client.multi = None
        watch_failed = client.watch_dirty
        self.server.watches.unwatch_all(client)
        if multi.aborted:
            return ExecAbort()
        if watch_failed:
            return NULL_ARRAY
        replies: list[Any] = []
        with self.writes_together():
            for spec, argv in multi.queue:
                if client.acl is not None:  # the rules may have changed since the command was queued
                    denied = acl_exec_check(self.server, client, spec, argv, client_info)
                    if denied is not None:
                        replies.append(denied)
                        continue
                replies.append(self.call_now(client, spec, argv))
        return replies

    def call_now(self, client: ClientState, spec: CommandSpec, argv: list[bytes], from_script: bool = False) -> Any:
        """``call`` whose reply is there at once: inside MULTI or a script a blocking command never blocks
        (its timeout reply) and a deferred read does not leave the caller (it runs here)."""
        reply = self.call(client, spec, argv, from_script)
        if type(reply) is Blocked:
            return reply.timeout_reply
        if type(reply) is Deferred:
            return self.resolve(reply)
        return reply

    @contextlib.contextmanager
    def writes_together(self) -> Iterator[None]:
        """The writes propagated inside are collected and propagated as one MULTI ... EXEC block, so the
        AOF replays them atomically (Redis wraps a transaction's or a script's writes the same way when
        there is more than one). Nested (a script inside a transaction): the outer block holds them."""
        server = self.server
        sinks = server.propagate_sinks
        if not sinks or self._collecting:
            yield
            return
        logged: list[tuple[int, list[bytes]]] = []
        server.propagate_sinks = [lambda db_index, argv: logged.append((db_index, argv))]
        self._collecting = True
        try:
            yield
        finally:
            self._collecting = False
            server.propagate_sinks = sinks
            if len(logged) > 1:
                logged = [(logged[0][0], [b"MULTI"]), *logged, (logged[-1][0], [b"EXEC"])]
            for db_index, argv in logged:
                server.propagate(db_index, argv)
