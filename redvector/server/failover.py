"""FAILOVER: a coordinated hand-over from a master to one of its replicas (Redis's failoverCommand and
updateFailoverStatus).

Writes pause; once the target (or the first replica) has acknowledged every byte of the stream, this
server becomes that replica's replica and its master link asks ``PSYNC <replid> <offset> FAILOVER``; the
target, whose replication id is ours, promotes itself and answers ``+CONTINUE``. Writes resume when it
accepted (they are then refused, as on any read-only replica) or when the failover is aborted (a
timeout without FORCE, FAILOVER ABORT, or a target that refused or could not be reached).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redvector.server.replication import Replication

log = logging.getLogger("redvector.replication")


class Failover:
    def __init__(self, replication: Replication) -> None:
        self.replication = replication
        self.state = "no-failover"  # | waiting-for-sync | failover-in-progress (INFO's names)
        self.target: tuple[str, int] | None = None
        self.deadline: float | None = None
        self.force = False

    @property
    def in_progress(self) -> bool:
        """This server has become the target's replica and is asking it to take over."""
        return self.state == "failover-in-progress"

    def start(self, target: tuple[str, int] | None, timeout_ms: int, force: bool) -> None:
        self.state = "waiting-for-sync"
        self.target = target
        self.deadline = time.monotonic() + timeout_ms / 1000 if timeout_ms else None
        self.force = force
        self.replication.server.pause_writes()
        log.info("FAILOVER requested to %s.", "%s:%d" % target if target else "any replica")

    def update(self) -> None:
        """Each tick and ACK: hand over once the target caught up, or at the timeout (FORCE)."""
        if self.state != "waiting-for-sync":
            return
        if self.deadline is not None and time.monotonic() >= self.deadline:
            if self.force and self.target is not None:
                self._hand_over(self.target)
            else:
                self.abort("Replica never caught up before timeout")
            return
        repl = self.replication
        for peer in repl.replicas:
            address = (peer.ip, peer.listening_port)
            if (self.target is None or address == self.target) and peer.online and peer.ack_offset == repl.offset:
                self._hand_over(address)
                return

    def _hand_over(self, target: tuple[str, int]) -> None:
        log.info("Failover target %s:%d is synced, failing over.", *target)
        self.state = "failover-in-progress"
        self.target = target
        self.replication.replicate_from(*target)

    def accepted(self) -> None:
        """The target answered our PSYNC ... FAILOVER: it is the master now."""
        self._clear()

    def abort(self, reason: str) -> None:
        """Back to master (if this server had already become a replica); writes resume."""
        log.warning("FAILOVER aborted: %s", reason)
        if self.in_progress:
            self.replication.promote()
        self._clear()

    def _clear(self) -> None:
        self.state = "no-failover"
        self.target = None
        self.deadline = None
        self.force = False
        self.replication.server.unpause()
