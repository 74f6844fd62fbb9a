"""Persistence: startup loading, the AOF (multi-part, with rewrite), RDB snapshots and save rules.

``Persistence`` owns the files under ``dir``; the composition root (app.py) wires it to the server:
it feeds the propagation sinks, gates replies under ``appendfsync always``, ticks from cron and saves
on shutdown. It sees the server only through ``PersistenceHost`` (persistence sits below server).
"""

from __future__ import annotations

import glob
import logging
import os
import time
from collections.abc import Callable
from typing import Any, Protocol

from redvector.config import Config
from redvector.errors import RedVectorError
from redvector.keyspace.database import Keyspace
from redvector.keyspace.events import ignore_activity
from redvector.persistence.aof import AofWriter
from redvector.persistence.aof_load import AofLoadError, Execute, replay_aof_bytes
from redvector.persistence.child import ChildJob, kill_child, poll_child, start_child
from redvector.persistence.manifest import (
    TYPE_BASE,
    TYPE_INCR,
    AofDirectory,
    AofFile,
    Manifest,
    ManifestError,
)
from redvector.persistence.participants import SnapshotParticipant
from redvector.persistence.snapshot import (
    SnapshotLoadError,
    collect_aux,
    load_snapshot,
    new_token,
    save_sidecars,
    write_snapshot,
)

log = logging.getLogger("redvector.persistence")

ReplyGate = Callable[[Callable[[bytes], None], bytes], bool]
BGSAVE_RETRY_DELAY_S = 5  # Redis's CONFIG_BGSAVE_RETRY_DELAY after a failed background save


class PersistenceHost(Protocol):
    """What persistence needs from the server (redvector.server.Server provides it)."""

    config: Config
    keyspace: Keyspace
    propagate_sinks: list[Callable[[int, list[bytes]], None]]
    reply_gate: ReplyGate | None

    def propagate(self, db_index: int, argv: list[bytes]) -> None: ...


class StartupError(Exception):
    """The data on disk cannot be loaded: the server must not start (exit code 1)."""


class ExpiryPropagator:
    """Keys that expire are logged as DEL (Redis's propagateDeletion), so replay never depends on
    the clock: a replayed write meets the same keys the original did."""

    def __init__(self, host: PersistenceHost) -> None:
        self.host = host
        self.on_activity_change: Callable[[], None] = ignore_activity

    def wants_changes(self) -> bool:
        return bool(self.host.propagate_sinks)

    def key_changed(self, db_index: int, key: bytes, event: str) -> None:
        if event == "expired" and self.host.propagate_sinks:
            self.host.propagate(db_index, [b"DEL", key])

    def fields_expired(self, db_index: int, key: bytes, fields: list[bytes]) -> None:
        """Hash fields past their HEXPIRE deadline are logged as HDEL."""
        if self.host.propagate_sinks:
            self.host.propagate(db_index, [b"HDEL", key, *fields])

    def db_flushed(self, db_index: int | None) -> None:
        return None

    def dbs_swapped(self, a: int, b: int) -> None:
        return None


class Persistence:
    def __init__(self, host: PersistenceHost) -> None:
        self.host = host
        self.config = host.config
        self.keyspace = host.keyspace
        self.participants: list[SnapshotParticipant] = []
        self.expiry_propagator = ExpiryPropagator(host)
        self.data_dir = str(self.config["dir"])
        self.aof_dir = AofDirectory(self.data_dir, self.config["appenddirname"], self.config["appendfilename"])
        self.manifest = Manifest()
        self.writer: AofWriter | None = None
        self.child: ChildJob | None = None
        self.on_fatal: Callable[[str], None] | None = None
        self.on_saved: Callable[[int], None] | None = None  # LASTSAVE's clock (server.stats)
        # RDB state (INFO persistence)
        self.dirty_at_last_save = 0
        self.last_save_time = int(time.time())
        self.last_bgsave_ok = True
        self.last_bgsave_try = 0.0
        self.last_bgsave_time_s = -1
        self.rdb_saves = 0
        self.bgsave_scheduled = False
        # AOF state
        self.aof_rewrite_scheduled = False
        self.aof_last_rewrite_ok = True
        self.aof_last_rewrite_time_s = -1
        self.aof_rewrites = 0
        self.aof_base_size = 0
        self.loaded_from = "nothing"
        self._loop: Any = None

    # -- paths ---------------------------------------------------------------------------------------
    @property
    def rdb_path(self) -> str:
        return os.path.join(str(self.config["dir"]), str(self.config["dbfilename"]))

    @property
    def aof_enabled(self) -> bool:
        return self.writer is not None

    def changes_since_save(self) -> int:
        return self.keyspace.dirty - self.dirty_at_last_save

    # -- startup -------------------------------------------------------------------------------------
    def load(self, execute: Execute) -> str:
        """Load the AOF if enabled, else the RDB; open the AOF. Returns what was loaded (for the log)."""
        now_ms = int(time.time() * 1000)
        try:
            if self.config["appendonly"]:
                self._load_aof(execute, now_ms)
            elif os.path.exists(self.rdb_path):
                keys, _ = load_snapshot(self.keyspace, self.rdb_path, self.participants, now_ms)
                self.loaded_from = f"RDB {self.rdb_path} ({keys} keys)"
        except (SnapshotLoadError, AofLoadError, ManifestError) as exc:
            raise StartupError(str(exc))
        except OSError as exc:
            raise StartupError(f"Can't read the data files in {self.data_dir}: {exc}")
        self.dirty_at_last_save = self.keyspace.dirty
        return self.loaded_from

    def _load_aof(self, execute: Execute, now_ms: int) -> None:
        aof_dir = self.aof_dir
        os.makedirs(self.data_dir, exist_ok=True)
        legacy = os.path.join(self.data_dir, str(self.config["appendfilename"]))
        if aof_dir.exists():
            self.manifest = aof_dir.read_manifest()
            files: list[AofFile] = ([self.manifest.base] if self.manifest.base else []) + self.manifest.incrs
            commands = 0
            for i, entry in enumerate(files):
                path = aof_dir.file_path(entry.name)
                if not os.path.exists(path):
                    if entry.kind == TYPE_INCR and i == len(files) - 1:
                        continue  # created at the next write, as Redis allows
                    raise AofLoadError(f"The AOF file {path} listed in {aof_dir.manifest_path} doesn't exist")
                commands += self._load_aof_file(path, entry.kind, execute, i == len(files) - 1, now_ms)
            self.loaded_from = f"AOF {aof_dir.manifest_path} ({len(files)} files, {commands} commands)"
            if not self.manifest.incrs:
                self._new_incr()
            self._open_writer()
            self.aof_base_size, _ = aof_dir.size_of(self.manifest)
            return
        if os.path.exists(legacy):  # a single-file AOF from Redis < 7: load it, then convert
            commands = self._load_aof_file(legacy, TYPE_BASE, execute, True, now_ms)
            self.loaded_from = f"AOF {legacy} ({commands} commands)"
        elif os.path.exists(self.rdb_path):
            # appendonly turned on over an existing dump: start from it rather than from nothing.
            keys, _ = load_snapshot(self.keyspace, self.rdb_path, self.participants, now_ms)
            self.loaded_from = f"RDB {self.rdb_path} ({keys} keys), AOF created from it"
        # New multi-part AOF: a base holding the data loaded so far, and an empty incr file.
        os.makedirs(aof_dir.path, exist_ok=True)
        base = AofFile(aof_dir.base_name(1), 1, TYPE_BASE)
        token = new_token()
        aux = collect_aux(self.participants, token, int(time.time()), aof_base=True)
        write_snapshot(self.keyspace, aof_dir.file_path(base.name), aux)
        save_sidecars(self.participants, aof_dir.file_path(base.name), token)
        self.manifest = Manifest(base=base)
        self._new_incr()
        self._open_writer()
        self.aof_base_size, _ = aof_dir.size_of(self.manifest)

    def _load_aof_file(self, path: str, kind: str, execute: Execute, is_last: bool, now_ms: int) -> int:
        with open(path, "rb") as f:
            data = f.read()
        if data.startswith(b"REDIS"):  # an RDB base (aof-use-rdb-preamble)
            # Like Redis, keys of an AOF base are kept even when expired: the incr files that follow
            # were written against them (their expiry, when it happened, was logged as a DEL).
            keys, _ = load_snapshot(self.keyspace, path, self.participants, -(2**63), data)
            return keys
        result = replay_aof_bytes(data, path, execute, is_last, bool(self.config["aof-load-truncated"]))
        if result.errors:
            log.warning("%d commands from %s returned errors during replay", result.errors, path)
        return result.commands

    def _new_incr(self) -> AofFile:
        entry = AofFile(self.aof_dir.incr_name(self.manifest.next_incr_seq), self.manifest.next_incr_seq, TYPE_INCR)
        self.manifest.incrs.append(entry)
        self.aof_dir.write_manifest(self.manifest)
        return entry

    def _open_writer(self) -> None:
        path = self.aof_dir.file_path(self.manifest.incrs[-1].name)
        self.writer = AofWriter(path, str(self.config["appendfsync"]), self._fatal)

    def _fatal(self, message: str) -> None:
        if self.on_fatal is not None:
            self.on_fatal(message)

    # -- wiring ---------------------------------------------------------------------------------------
    def attach(self, loop: Any) -> None:
        """Start logging writes (after loading, so the replay is not logged again)."""
        self._loop = loop
        self.keyspace.add_observer(self.expiry_propagator)
        self.keyspace.field_expiry_hooks.append(self.expiry_propagator.fields_expired)
        self.config.on_change(self._config_changed)
        if self.writer is not None:
            self._attach_writer()

    def _attach_writer(self) -> None:
        writer = self.writer
        assert writer is not None
        writer.loop = self._loop
        if writer.feed not in self.host.propagate_sinks:
            self.host.propagate_sinks.append(writer.feed)
            self.expiry_propagator.on_activity_change()
        self.host.reply_gate = writer.gate if writer.policy == "always" else None

    def _detach_writer(self) -> None:
        writer = self.writer
        if writer is None:
            return
        if writer.feed in self.host.propagate_sinks:
            self.host.propagate_sinks.remove(writer.feed)
            self.expiry_propagator.on_activity_change()
        self.host.reply_gate = None
        writer.close()
        self.writer = None

    def _config_changed(self, name: str, value: Any) -> None:
        if name == "appendfsync" and self.writer is not None:
            self.writer.sync_now()
            self.writer.policy = str(value)
            self._attach_writer()
        elif name == "appendonly":
            if value and self.writer is None:
                # Redis: turning the AOF on writes a fresh base from the current data in the background.
                os.makedirs(self.aof_dir.path, exist_ok=True)
                if self.aof_dir.exists():
                    self.manifest = self.aof_dir.read_manifest()
                if not self.manifest.incrs:
                    self._new_incr()
                self._open_writer()
                self._attach_writer()
                if self.child is None:
                    self.start_rewrite()
                else:
                    self.aof_rewrite_scheduled = True
            elif not value:
                self._detach_writer()

    # -- cron ---------------------------------------------------------------------------------------
    def tick(self) -> None:
        if self.writer is not None:
            self.writer.tick()
        if self.child is not None:
            if poll_child(self.child):
                self.child = None
            else:
                return
        if self.aof_rewrite_scheduled:
            self.start_rewrite()
            return
        if self.bgsave_scheduled:
            self.bgsave()
            return
        now = time.time()
        changes = self.changes_since_save()
        if changes and (self.last_bgsave_ok or now - self.last_bgsave_try > BGSAVE_RETRY_DELAY_S):
            for seconds, needed in self.config["save"]:
                if changes >= needed and now - self.last_save_time >= seconds:
                    log.info("%d changes in %d seconds. Saving...", needed, seconds)
                    self.bgsave()
                    return
        self._maybe_auto_rewrite()

    def _maybe_auto_rewrite(self) -> None:
        percentage = int(self.config["auto-aof-rewrite-percentage"])
        if self.writer is None or percentage <= 0:
            return
        size = self.aof_size()
        if size < int(self.config["auto-aof-rewrite-min-size"]):
            return
        base = self.aof_base_size or 1
        growth = size * 100 // base - 100
        if growth >= percentage:
            log.info("Starting automatic rewriting of AOF on %d%% growth", growth)
            self.start_rewrite()

    def aof_size(self) -> int:
        _, total = self.aof_dir.size_of(self.manifest)
        if self.writer is not None:
            total += len(self.writer.buf)
        return total

    # -- RDB -------------------------------------------------------------------------------------------
    def save(self) -> None:
        """SAVE: a synchronous dump."""
        if self.child is not None and self.child.kind == "rdb":
            raise RedVectorError("Background save already in progress")
        started = time.time()
        dirty = self.keyspace.dirty
        token = new_token()
        try:
            aux = collect_aux(self.participants, token, int(started))
            write_snapshot(self.keyspace, self.rdb_path, aux, bool(self.config["rdbchecksum"]))
            save_sidecars(self.participants, self.rdb_path, token)
        except OSError as exc:
            log.error("Failed saving the DB: %s", exc)
            raise RedVectorError("Background save failed") from None
        self._saved(dirty, started)
        log.info("DB saved on disk")

    def _saved(self, dirty: int, started: float) -> None:
        self.dirty_at_last_save = dirty
        self.last_save_time = int(started)
        self.last_bgsave_ok = True
        self.rdb_saves += 1
        if self.on_saved is not None:
            self.on_saved(self.last_save_time)

    def bgsave(self, schedule: bool = False) -> str:
        if self.child is not None:
            if self.child.kind == "rdb":
                raise RedVectorError("Background save already in progress")
            if schedule:
                self.bgsave_scheduled = True
                return "Background saving scheduled"
            raise RedVectorError(
                "Another child process is active (AOF?): can't BGSAVE right now. "
                "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible")
        self.bgsave_scheduled = False
        started = time.time()
        dirty = self.keyspace.dirty
        path = self.rdb_path
        participants = list(self.participants)
        checksum = bool(self.config["rdbchecksum"])
        self.last_bgsave_try = started
        token = new_token()
        aux = collect_aux(participants, token, int(started))

        def work() -> None:
            write_snapshot(self.keyspace, path, aux, checksum,
                           tmp_path=os.path.join(os.path.dirname(path), f"temp-{os.getpid()}.rdb"))

        def done(ok: bool) -> None:
            self.last_bgsave_time_s = int(time.time() - started)
            if ok:
                self._saved(dirty, started)
                log.info("Background saving terminated with success")
            else:
                self.last_bgsave_ok = False
                log.error("Background saving error")

        self.child = start_child("rdb", work, done)
        if self.child is None:  # no fork: save inline
            try:
                work()
            except OSError:
                done(False)
                raise RedVectorError("Background save failed") from None
            done(True)
        save_sidecars(participants, path, token)  # the same instant as the fork: no loop turn between
        return "Background saving started"

    # -- AOF rewrite ---------------------------------------------------------------------------------
    def bgrewriteaof(self) -> str:
        if self.child is not None:
            if self.child.kind == "aof":
                raise RedVectorError("Background append only file rewriting already in progress")
            self.aof_rewrite_scheduled = True
            return "Background append only file rewriting scheduled"
        self.start_rewrite()
        return "Background append only file rewriting started"

    def start_rewrite(self) -> None:
        """Rotate to a new incr file, then write a new base from a snapshot of this instant."""
        self.aof_rewrite_scheduled = False
        aof_dir = self.aof_dir
        os.makedirs(aof_dir.path, exist_ok=True)
        if self.writer is None and aof_dir.exists():
            self.manifest = aof_dir.read_manifest()
        covered = list(self.manifest.incrs)
        old_base = self.manifest.base
        new_incr = self._new_incr()
        if self.writer is not None:
            self.writer.switch_file(aof_dir.file_path(new_incr.name))
        else:
            open(aof_dir.file_path(new_incr.name), "ab").close()
        base_seq = self.manifest.next_base_seq
        base = AofFile(aof_dir.base_name(base_seq), base_seq, TYPE_BASE)
        base_path = aof_dir.file_path(base.name)
        participants = list(self.participants)
        started = time.time()
        token = new_token()
        aux = collect_aux(participants, token, int(started), aof_base=True)

        def work() -> None:
            write_snapshot(self.keyspace, base_path, aux,
                           tmp_path=os.path.join(aof_dir.path, f"temp-rewriteaof-bg-{os.getpid()}.aof"))

        def done(ok: bool) -> None:
            self.aof_last_rewrite_time_s = int(time.time() - started)
            self.aof_last_rewrite_ok = ok
            if not ok:
                log.error("Background AOF rewrite failed; the log keeps its incremental files")
                return
            self.manifest.base = base
            self.manifest.incrs = [f for f in self.manifest.incrs if f not in covered]
            aof_dir.write_manifest(self.manifest)
            for old in ([old_base] if old_base else []) + covered:
                _remove_with_sidecars(aof_dir.file_path(old.name))
            self.aof_rewrites += 1
            self.aof_base_size, _ = aof_dir.size_of(self.manifest)
            log.info("Background AOF rewrite finished successfully")

        self.child = start_child("aof", work, done)
        if self.child is None:
            try:
                work()
            except OSError:
                done(False)
                return
            done(True)
        save_sidecars(participants, base_path, token)

    # -- shutdown ------------------------------------------------------------------------------------
    def shutdown(self, save: bool | None) -> None:
        """Flush the AOF; save a final dump if asked (SHUTDOWN SAVE) or when save rules are set."""
        if self.child is not None:
            log.warning("There is a child saving an .rdb or rewriting the AOF. Killing it!")
            kill_child(self.child)
            self.child = None
        if self.writer is not None:
            try:
                self.writer.close()
            except OSError as exc:
                log.error("Error flushing the AOF on shutdown: %s", exc)
            self.writer = None
        if save or (save is None and self.config["save"]):
            log.info("Saving the final RDB snapshot before exiting.")
            try:
                self.save()
            except RedVectorError as exc:
                log.error("Error trying to save the DB, can't exit: %s", exc.message)

    # -- INFO persistence ----------------------------------------------------------------------------
    def info(self, loading: bool = False) -> list[tuple[str, Any]]:
        now = time.time()
        rdb_child = self.child is not None and self.child.kind == "rdb"
        aof_child = self.child is not None and self.child.kind == "aof"
        fields: list[tuple[str, Any]] = [
            ("loading", int(loading)), ("async_loading", 0),
            ("rdb_changes_since_last_save", self.changes_since_save()),
            ("rdb_bgsave_in_progress", int(rdb_child)),
            ("rdb_last_save_time", self.last_save_time),
            ("rdb_last_bgsave_status", "ok" if self.last_bgsave_ok else "err"),
            ("rdb_last_bgsave_time_sec", self.last_bgsave_time_s),
            ("rdb_current_bgsave_time_sec", int(now - self.child.started_at) if rdb_child and self.child else -1),
            ("rdb_saves", self.rdb_saves),
            ("aof_enabled", int(self.writer is not None)),
            ("aof_rewrite_in_progress", int(aof_child)),
            ("aof_rewrite_scheduled", int(self.aof_rewrite_scheduled)),
            ("aof_last_rewrite_time_sec", self.aof_last_rewrite_time_s),
            ("aof_current_rewrite_time_sec", int(now - self.child.started_at) if aof_child and self.child else -1),
            ("aof_last_bgrewrite_status", "ok" if self.aof_last_rewrite_ok else "err"),
            ("aof_rewrites", self.aof_rewrites),
            ("aof_last_write_status", "ok" if self.writer is None or self.writer.last_write_ok else "err"),
        ]
        if self.writer is not None:
            fields += [
                ("aof_current_size", self.aof_size()), ("aof_base_size", self.aof_base_size),
                ("aof_pending_rewrite", int(self.aof_rewrite_scheduled)),
                ("aof_buffer_length", len(self.writer.buf)),
            ]
        return fields


def _remove_with_sidecars(path: str) -> None:
    for name in [path, *glob.glob(glob.escape(path) + ".*")]:
        try:
            os.unlink(name)
        except OSError:
            pass
