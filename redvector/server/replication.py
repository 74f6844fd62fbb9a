"""Replication state, both roles (Redis's replication.c, PSYNC2).

As a master, every effective write reaches ``feed`` (a propagation sink, the same stream the AOF logs),
framed as RESP with a SELECT whenever the database changes, and goes into the backlog (the last
``repl-backlog-size`` bytes) and to every online replica. ``master_repl_offset`` counts every byte ever
fed. A replica that asks ``PSYNC <replid> <offset>`` for bytes still in the backlog (of this replication
id, or of the previous one up to ``second_repl_offset`` after a promotion) continues from there;
otherwise it gets ``+FULLRESYNC <replid> <offset>`` and an RDB image of the keyspace taken at that
offset, then the stream.

As a replica, a master link (protocol/resp/master_link.py, started through ``start_link``) loads the
master's RDB, applies its stream and hands the applied bytes to ``feed_from_master``: they enter this
server's backlog unchanged, so replicas of this replica (and a later promotion) keep the master's ids
and offsets. Writes from other clients are refused while ``replica-read-only`` is on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from hiredis import pack_command

from redvector.errors import CodedError, ReadOnlyReplica, RedVectorError
from redvector.persistence.aof import encode_command
from redvector.persistence.child import ChildJob, fork_available, poll_child, start_child
from redvector.persistence.rdb import dump_keyspace
from redvector.persistence.snapshot import collect_aux, new_token
from redvector.server.backlog import Backlog
from redvector.server.failover import Failover

if TYPE_CHECKING:
    from redvector.server.client import ClientState
    from redvector.server.server import Server

log = logging.getLogger("redvector.replication")

_PING = encode_command([b"PING"])
_GETACK = encode_command([b"REPLCONF", b"GETACK", b"*"])
NO_ID = "0" * 40
NOT_ENOUGH_REPLICAS = CodedError("NOREPLICAS", "Not enough good replicas to write.")
MASTER_DOWN = CodedError("MASTERDOWN", "Link with MASTER is down and replica-serve-stale-data is set to 'no'.")
SYNC_POLL_S = 0.01  # how often a sync child is checked for completion


def new_replid() -> str:
    return os.urandom(20).hex()


@dataclass(slots=True, eq=False)
class ReplicaPeer:
    """A replica connected to this server (its connection's client, and what it told us)."""

    client: ClientState
    write: Callable[[bytes], None]
    listening_port: int = 0
    ip: str = ""
    capa: set[bytes] = field(default_factory=set)
    online: bool = False
    ack_offset: int = 0
    ack_time: float = field(default_factory=time.monotonic)
    # While a forked child writes its RDB: the stream that follows the image, sent after it.
    pending: bytearray | None = None


@dataclass(slots=True, eq=False)
class SyncJob:
    """A full sync's RDB being written by a forked child (Redis's BGSAVE for replication)."""

    peer: ReplicaPeer
    path: str
    started: float
    child: ChildJob | None = None
    done: bool | None = None  # the child's success, once reaped


@dataclass(slots=True, eq=False)
class AckWaiter:
    """A WAIT: resolved with the number of replicas that acknowledged ``offset``."""

    offset: int
    needed: int
    future: asyncio.Future[int]


class Replication:
    """Role, replication ids and offsets, the backlog, connected replicas and the master link's state."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.replid = new_replid()
        self.replid2 = NO_ID
        self.offset = 0  # master_repl_offset
        self.second_offset = -1  # second_repl_offset: replid2 is valid up to here
        self.backlog: Backlog | None = None
        self.selected_db = -1
        self.replicas: list[ReplicaPeer] = []
        self.waiters: list[AckWaiter] = []
        self.sync_jobs: list[SyncJob] = []
        self._outgoing: list[bytes] = []  # stream bytes for the online replicas, sent once per loop turn
        self._flush_scheduled = False
        self._streaming = self._syncing = False  # see _peers_changed
        server.config.on_change(self._config_changed)
        self._getack_pending = False
        self._last_ping = time.monotonic()
        self._sink_attached = False
        self.sync_full = self.sync_partial_ok = self.sync_partial_err = 0  # INFO stats
        self.failover = Failover(self)  # FAILOVER's state (server/failover.py)
        # replica side
        self.master: tuple[str, int] | None = None
        self.link_state = "none"  # connect | connecting | sync | connected (Redis's repl_state names)
        self.last_io = 0.0
        self.link_down_since = time.monotonic()
        self.link: Any = None  # the running master link (protocol layer), None when not a replica
        # Installed by the composition root: start a master link for (host, port), returning it (it has
        # ``close()``).
        self.start_link: Callable[[str, int], Any] | None = None
        # Called when what replication refuses may have changed (role, link, good replicas): the
        # dispatcher recomputes its write and stale refusals.
        self.on_rules_change: list[Callable[[], None]] = []
        server.extensions.setdefault("client_closed_hooks", []).append(self.replica_gone)

    def _config_changed(self, name: str, value: Any) -> None:
        if name == "repl-backlog-size" and self.backlog is not None:
            self.backlog.size = int(value)

    # -- role ---------------------------------------------------------------------------------------------
    @property
    def is_replica(self) -> bool:
        return self.master is not None

    def write_refusal(self) -> RedVectorError | None:
        """Why clients other than the master link (and replays) may not write now: a read-only replica
        (READONLY), or a master with fewer than ``min-replicas-to-write`` replicas that acknowledged
        within ``min-replicas-max-lag`` seconds (NOREPLICAS); None when they may."""
        config = self.server.config
        if self.master is not None:
            return ReadOnlyReplica() if config["replica-read-only"] else None
        needed = int(config["min-replicas-to-write"])
        if needed > 0 and int(config["min-replicas-max-lag"]) > 0 and self.good_replicas() < needed:
            return NOT_ENOUGH_REPLICAS
        return None

    def stale_refusal(self) -> RedVectorError | None:
        """A replica cut from its master with ``replica-serve-stale-data no`` serves only commands
        flagged stale (INFO, REPLICAOF, ...): MASTERDOWN for the others."""
        if self.master is not None and self.link_state != "connected" \
                and not self.server.config["replica-serve-stale-data"]:
            return MASTER_DOWN
        return None

    def good_replicas(self) -> int:
        """Online replicas whose last ACK is at most ``min-replicas-max-lag`` seconds old."""
        max_lag = int(self.server.config["min-replicas-max-lag"])
        now = time.monotonic()
        return sum(1 for peer in self.replicas if peer.online and now - peer.ack_time <= max_lag)

    def _refresh_write_refusal(self) -> None:
        """Good replicas come and go (ACKs, lag, disconnects): the dispatcher's view follows."""
        if int(self.server.config["min-replicas-to-write"]) > 0:
            self._rules_changed()

    def _rules_changed(self) -> None:
        for hook in self.on_rules_change:
            hook()

    def replicate_from(self, host: str, port: int) -> bool:
        """REPLICAOF host port; False when already replicating that master."""
        if self.master == (host, port):
            return False
        was_master = self.master is None
        self._close_link()
        self.master = (host, port)
        self.link_state = "connect"
        self.link_down_since = time.monotonic()
        self._detach_sink()
        if was_master:
            self._cancel_waiters()
        # Replicas of this server resynchronise with it once it has synced with its new master.
        for peer in list(self.replicas):
            peer.client.kill()
        self._role_changed()
        if self.start_link is not None:
            self.link = self.start_link(host, port)
        return True

    def promote(self, keep: ClientState | None = None) -> None:
        """REPLICAOF NO ONE: stop replicating, keep the data; the old id stays valid for PSYNC up to
        the current offset (shiftReplicationId), so replicas of the old master can continue with us.
        ``keep``: a connection not to drop (the old master asking PSYNC ... FAILOVER)."""
        if self.master is None:
            return
        self._close_link()
        self.master = None
        self.link_state = "none"
        self.replid2 = self.replid
        self.second_offset = self.offset + 1
        self.replid = new_replid()
        self.selected_db = -1
        self._attach_sink()
        # Replicas learn the new id by reconnecting: their PSYNC of the old id continues (+CONTINUE id).
        for peer in list(self.replicas):
            if peer.client is not keep:
                peer.client.kill()
        self._role_changed()

    def shutdown(self) -> None:
        """Server stop: end the master link (the data stays; a restart resyncs)."""
        self._close_link()

    def _close_link(self) -> None:
        if self.link is not None:
            self.link.close()
            self.link = None

    def _role_changed(self) -> None:
        replica = self.master is not None
        self.server.extensions["active_expire_enabled"] = not replica  # a replica waits for the DELs
        self._rules_changed()

    # -- master side: the stream --------------------------------------------------------------------------
    def _attach_sink(self) -> None:
        if not self._sink_attached and self.master is None and self.backlog is not None:
            self.server.propagate_sinks.append(self.feed)
            self._sink_attached = True

    def _detach_sink(self) -> None:
        if self._sink_attached:
            if self.feed in self.server.propagate_sinks:
                self.server.propagate_sinks.remove(self.feed)
            self._sink_attached = False

    def _create_backlog(self) -> None:
        """The first replica: a backlog, and (on a master) a fresh history (Redis's createReplicationBacklog)."""
        if self.backlog is not None:
            return
        if self.master is None:
            self.replid = new_replid()
            self.replid2, self.second_offset = NO_ID, -1
        self.backlog = self._new_backlog(self.offset + 1)
        self._attach_sink()

    def feed(self, db_index: int, argv: list[bytes]) -> None:
        """The propagation sink: one write of this master, in apply order (a replica's own writes never
        enter its backlog: it carries the master's bytes)."""
        if self.master is not None:
            return
        if db_index != self.selected_db:
            self.selected_db = db_index
            self._append(pack_command(cast(Any, (b"SELECT", b"%d" % db_index))) + pack_command(cast(Any, tuple(argv))))
        else:
            # hiredis's C encoder (its stub types the tuple as one item long)
            self._append(pack_command(cast(Any, tuple(argv))))

    def feed_from_master(self, data: bytes) -> None:
        """A replica: bytes of the master's stream it has applied (they keep the master's offsets)."""
        self._append(data)

    def _append(self, data: bytes) -> None:
        self.offset += len(data)
        if self.backlog is not None:
            self.backlog.append(data)
        if self._streaming:
            # Sent once per event-loop turn, not once per write (a send per command would cost a
            # system call each): the online replicas all get the same bytes.
            self._outgoing.append(data)
            if not self._flush_scheduled:
                self._flush_scheduled = True
                asyncio.get_running_loop().call_soon(self._flush_outgoing)
        if self._syncing:
            for peer in self.replicas:
                if peer.pending is not None:
                    peer.pending += data

    def _new_backlog(self, first_offset: int) -> Backlog:
        return Backlog(first_offset, int(self.server.config["repl-backlog-size"]))

    def _peers_changed(self) -> None:
        """Whether any replica is online (gets the stream) or waits for its image (buffers it)."""
        self._streaming = any(peer.online for peer in self.replicas)
        self._syncing = any(peer.pending is not None for peer in self.replicas)

    def _flush_outgoing(self) -> None:
        self._flush_scheduled = False
        if self._outgoing:
            data = b"".join(self._outgoing)
            self._outgoing.clear()
            for peer in self.replicas:
                if peer.online:
                    peer.write(data)

    def _go_online(self, peer: ReplicaPeer) -> None:
        """From now on ``peer`` gets the stream: what is still buffered goes to the others first (the
        new one got those bytes in its sync payload)."""
        self._flush_outgoing()
        peer.online = True
        self._peers_changed()

    def tick(self) -> None:
        """Cron: recount the good replicas, move a FAILOVER on, PING the replicas every
        ``repl-ping-replica-period`` seconds, send a pending GETACK."""
        self._refresh_write_refusal()
        self.failover.update()
        if self.master is not None or not self.replicas:
            return
        now = time.monotonic()
        if now - self._last_ping >= max(1, int(self.server.config["repl-ping-replica-period"])):
            self._last_ping = now
            self._append(_PING)
        self.flush_getack()

    def flush_getack(self) -> None:
        if self._getack_pending:
            self._getack_pending = False
            if any(peer.online for peer in self.replicas):
                self._append(_GETACK)

    # -- master side: replicas ------------------------------------------------------------------------------
    def peer_of(self, client: ClientState) -> ReplicaPeer | None:
        for peer in self.replicas:
            if peer.client is client:
                return peer
        return None

    def register_peer(self, client: ClientState) -> ReplicaPeer:
        """The replica on ``client``'s connection (known from its first REPLCONF or PSYNC)."""
        peer = self.peer_of(client)
        if peer is None:
            peer = ReplicaPeer(client, client.write_raw, ip=client.addr.rsplit(":", 1)[0])
            self.replicas.append(peer)
        return peer

    def replica_gone(self, client: ClientState) -> None:
        peer = self.peer_of(client)
        if peer is not None:
            self.replicas.remove(peer)
            self._peers_changed()
            self._check_waiters()
            self._refresh_write_refusal()

    def psync(self, peer: ReplicaPeer, replid: str, offset: int) -> bytes:
        """PSYNC's answer: ``+CONTINUE`` and the backlog from ``offset`` when it still holds it, else a
        full resynchronisation. The replica is online from here: the stream follows the answer."""
        if self._can_continue(replid, offset):
            assert self.backlog is not None
            line = b"+CONTINUE %s\r\n" % self.replid.encode() if b"psync2" in peer.capa else b"+CONTINUE\r\n"
            backlog = self.backlog.since(offset)
            self._go_online(peer)
            peer.ack_offset = offset - 1
            self.sync_partial_ok += 1
            log.info("Partial resynchronization request from %s accepted, sending %d bytes of backlog",
                     peer.client.addr, self.offset + 1 - offset)
            return line + backlog
        if replid != "?":
            self.sync_partial_err += 1
        return self.full_sync(peer, fullresync_line=True)

    def _can_continue(self, replid: str, offset: int) -> bool:
        if self.backlog is None or (self.master is not None and self.link_state != "connected"):
            return False
        if replid != self.replid and not (replid == self.replid2 and offset <= self.second_offset):
            return False
        return self.backlog.holds(offset)

    def full_sync(self, peer: ReplicaPeer, fullresync_line: bool) -> bytes:
        """``+FULLRESYNC`` (PSYNC; SYNC has none), then the keyspace as an RDB bulk at this offset.

        Where fork works, a child writes the image from its copy-on-write view of this instant while the
        loop goes on serving clients; the writes made meanwhile wait in ``peer.pending`` and follow the
        image (``_finish_sync``). Elsewhere the image is built here."""
        self._create_backlog()
        self.sync_full += 1
        self.selected_db = -1  # the stream after the image starts with SELECT
        line = b"+FULLRESYNC %s %d\r\n" % (self.replid.encode(), self.offset) if fullresync_line else b""
        peer.ack_offset = self.offset
        aux = self._aux()
        if fork_available():
            fd, path = tempfile.mkstemp(prefix="redvector-sync-", suffix=".rdb")
            os.close(fd)
            keyspace, checksum = self.server.keyspace, bool(self.server.config["rdbchecksum"])

            def work() -> None:
                with open(path, "wb") as f:
                    f.write(dump_keyspace(keyspace, aux, checksum))

            job = SyncJob(peer, path, time.perf_counter())
            job.child = start_child("replication", work, lambda ok: setattr(job, "done", ok))
            if job.child is not None:
                peer.pending = bytearray()
                self._peers_changed()
                self.sync_jobs.append(job)
                self._poll_soon()
                return line
            os.unlink(path)
        started = time.perf_counter()
        image = dump_keyspace(self.server.keyspace, aux, bool(self.server.config["rdbchecksum"]))
        self._go_online(peer)
        log.info("Synchronization with replica %s succeeded (%d bytes of RDB in %.3f s)",
                 peer.client.addr, len(image), time.perf_counter() - started)
        return b"%b$%d\r\n%b" % (line, len(image), image)

    def _poll_soon(self) -> None:
        try:
            asyncio.get_running_loop().call_later(SYNC_POLL_S, self.poll_sync_jobs)
        except RuntimeError:  # no loop (an in-process caller): cron's tick polls
            pass

    def poll_sync_jobs(self) -> None:
        """Reap finished sync children; send each replica its image, then what was written meanwhile."""
        for job in list(self.sync_jobs):
            if job.done is None and job.child is not None and not poll_child(job.child):
                continue
            self.sync_jobs.remove(job)
            self._finish_sync(job)
        if self.sync_jobs:
            self._poll_soon()

    def _finish_sync(self, job: SyncJob) -> None:
        peer = job.peer
        try:
            if peer not in self.replicas:
                return  # the replica went away meanwhile
            if not job.done:
                log.warning("Background RDB for replica %s failed; closing its connection", peer.client.addr)
                peer.client.kill()
                return
            with open(job.path, "rb") as f:
                image = f.read()
            peer.write(b"$%d\r\n" % len(image))
            peer.write(image)
            pending, peer.pending = peer.pending or bytearray(), None
            if pending:
                peer.write(bytes(pending))
            self._go_online(peer)
            log.info("Synchronization with replica %s succeeded (%d bytes of RDB in %.3f s)",
                     peer.client.addr, len(image), time.perf_counter() - job.started)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(job.path)

    def _aux(self) -> list[tuple[bytes, bytes]]:
        """Every participant's aux fields (index definitions, function libraries), taken in this process,
        and the replication aux fields Redis writes."""
        persistence = self.server.extensions.get("persistence")
        participants = persistence.participants if persistence is not None else []
        aux = collect_aux(participants, new_token(), int(time.time()))
        aux += [(b"repl-stream-db", b"0"), (b"repl-id", self.replid.encode()), (b"repl-offset", b"%d" % self.offset)]
        return aux

    def ack(self, peer: ReplicaPeer, offset: int) -> None:
        peer.ack_offset = max(peer.ack_offset, offset)
        peer.ack_time = time.monotonic()
        self._refresh_write_refusal()
        self.failover.update()
        if self.waiters:
            self._check_waiters()

    # -- WAIT -------------------------------------------------------------------------------------------
    def acked(self, offset: int) -> int:
        return sum(1 for peer in self.replicas if peer.online and peer.ack_offset >= offset)

    def wait(self, needed: int, offset: int) -> asyncio.Future[int]:
        """A future of the number of replicas that acknowledged ``offset`` once ``needed`` did (the
        caller adds the timeout); asks every replica for an ACK."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.waiters.append(AckWaiter(offset, needed, future))
        self._getack_pending = True
        asyncio.get_running_loop().call_soon(self.flush_getack)
        return future

    def _check_waiters(self) -> None:
        for waiter in list(self.waiters):
            if waiter.future.done():
                self.waiters.remove(waiter)
                continue
            count = self.acked(waiter.offset)
            if count >= waiter.needed:
                self.waiters.remove(waiter)
                waiter.future.set_result(count)

    def _cancel_waiters(self) -> None:
        for waiter in self.waiters:
            if not waiter.future.done():
                waiter.future.set_result(self.acked(waiter.offset))
        self.waiters.clear()

    # -- replica side: what the master link reports ---------------------------------------------------
    def synced_fully(self, replid: str, offset: int) -> None:
        """The master's RDB is loaded: its history is ours from ``offset`` on."""
        self.replid, self.offset = replid, offset
        self.replid2, self.second_offset = NO_ID, -1
        self.backlog = self._new_backlog(offset + 1)
        self.link_state = "connected"
        self.last_io = time.monotonic()
        self._rules_changed()

    def continued(self, replid: str | None) -> None:
        """+CONTINUE: the master may have a new id (it was promoted); our old one stays valid to here."""
        if replid and replid != self.replid:
            self.replid2, self.second_offset = self.replid, self.offset + 1
            self.replid = replid
        if self.backlog is None:
            self.backlog = self._new_backlog(self.offset + 1)
        self.link_state = "connected"
        self.last_io = time.monotonic()
        self._rules_changed()

    def link_lost(self) -> None:
        if self.master is not None:
            self.link_state = "connect"
            self.link_down_since = time.monotonic()
            self._rules_changed()

    # -- INFO replication and ROLE --------------------------------------------------------------------
    def info(self) -> list[tuple[str, Any]]:
        now = time.monotonic()
        fields: list[tuple[str, Any]] = [("role", "slave" if self.master else "master")]
        if self.master is not None:
            up = self.link_state == "connected"
            fields += [("master_host", self.master[0]), ("master_port", self.master[1]),
                       ("master_link_status", "up" if up else "down"),
                       ("master_last_io_seconds_ago", int(now - self.last_io) if up else -1),
                       ("master_sync_in_progress", int(self.link_state == "sync")),
                       ("slave_read_repl_offset", self.offset), ("slave_repl_offset", self.offset)]
            if not up:
                fields.append(("master_link_down_since_seconds", int(now - self.link_down_since)))
            fields += [("slave_priority", self.server.config["replica-priority"]),
                       ("slave_read_only", int(bool(self.server.config["replica-read-only"]))),
                       ("replica_announced", 1)]
        online = [peer for peer in self.replicas if peer.online]
        fields.append(("connected_slaves", len(online)))
        for i, peer in enumerate(online):
            fields.append((f"slave{i}", f"ip={peer.ip},port={peer.listening_port},state=online,"
                                        f"offset={peer.ack_offset},lag={int(now - peer.ack_time)}"))
        backlog = self.backlog
        fields += [("master_failover_state", self.failover.state), ("master_replid", self.replid),
                   ("master_replid2", self.replid2), ("master_repl_offset", self.offset),
                   ("second_repl_offset", self.second_offset),
                   ("repl_backlog_active", int(backlog is not None)),
                   ("repl_backlog_size", self.server.config["repl-backlog-size"]),
                   ("repl_backlog_first_byte_offset", backlog.first if backlog is not None else 0),
                   ("repl_backlog_histlen", backlog.length if backlog is not None else 0)]
        return fields

    def role(self) -> list[Any]:
        if self.master is not None:
            return [b"slave", self.master[0].encode(), self.master[1], self.link_state.encode(),
                    self.offset if self.link_state == "connected" else -1]
        return [b"master", self.offset,
                [[peer.ip.encode(), b"%d" % peer.listening_port, b"%d" % peer.ack_offset]
                 for peer in self.replicas if peer.online]]
