"""ClientState: everything the server knows about one connection (or one internal REST/gRPC caller)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redvector.server.transactions import MultiState

_ids = itertools.count(1)


class ClientState:
    """Per-connection state. The transport sets ``deliver`` (push out-of-band data) and ``close``."""

    __slots__ = (
        "_authenticated", "_multi", "addr", "blocked_on", "closing", "command_ctx", "created_at", "db_index",
        "deliver", "flags", "gated", "id", "kill", "laddr", "last_cmd", "last_interaction", "lib_name",
        "lib_ver", "name", "no_evict", "no_touch", "output_buffer_size", "patterns", "protocol",
        "reply_mode", "shard_channels", "channels", "watched", "watch_dirty", "internal", "unblock",
        "tracking", "user_name", "acl", "replicated", "write_raw",
    )

    def __init__(self, addr: str = "", laddr: str = "", authenticated: bool = True, internal: bool = False) -> None:
        # True while a dispatcher check may refuse or queue this client's commands (not authenticated,
        # inside MULTI, subscribed on RESP2): one attribute test on the hot path instead of five.
        self.gated = False
        # The dispatcher's reusable CommandContext for this client (see Dispatcher.execute).
        self.command_ctx: Any = None
        # identity
        self.id = next(_ids)
        self.name = b""
        self.addr = addr
        self.laddr = laddr
        self.lib_name = b""
        self.lib_ver = b""
        self.internal = internal  # a REST/gRPC request or AOF replay, not a socket
        self.created_at = time.time()
        self.last_interaction = self.created_at
        self.last_cmd = "NULL"
        # session
        self.db_index = 0
        self.protocol = 2
        self._authenticated = authenticated
        self.reply_mode = "on"  # on | off | skip
        self.no_evict = False
        self.no_touch = False
        self.flags = ""  # CLIENT LIST's role flags: "S" a replica of this server, "M" its master
        # Commands from the master link or a replay: obeyed even on a read-only replica (obey_client).
        self.replicated = False
        # transactions
        self._multi: MultiState | None = None
        self.watched: set[tuple[int, bytes]] = set()
        self.watch_dirty = False
        # pub/sub
        self.channels: set[bytes] = set()
        self.patterns: set[bytes] = set()
        self.shard_channels: set[bytes] = set()
        # ACL: the user this connection is authenticated as, and that User when it may not run everything
        # (server/acl.py; None: no permission checks)
        self.user_name = b"default"
        self.acl: Any = None
        # CLIENT TRACKING settings (server/tracking.py's TrackingState), None when off
        self.tracking: Any = None
        # blocking
        self.blocked_on: tuple[bytes, ...] = ()
        # transport hooks
        self.deliver: Callable[[Any], None] = _drop
        self.kill: Callable[[], None] = _noop
        self.closing = False
        self.output_buffer_size: Callable[[], int] = _zero
        # Bytes past the reply encoder, straight to the socket (a replica's sync payload and stream).
        self.write_raw: Callable[[bytes], None] = _drop
        # CLIENT UNBLOCK: end a blocking wait now (True: with an UNBLOCKED error); False if not blocked.
        self.unblock: Callable[[bool], bool] = _not_blocked
        self.refresh_gate()

    @property
    def authenticated(self) -> bool:
        return self._authenticated

    @authenticated.setter
    def authenticated(self, value: bool) -> None:
        self._authenticated = value
        self.refresh_gate()

    @property
    def multi(self) -> MultiState | None:
        return self._multi

    @multi.setter
    def multi(self, value: MultiState | None) -> None:
        self._multi = value
        self.refresh_gate()

    def refresh_gate(self) -> None:
        """Recompute ``gated``; called whenever authentication, MULTI, protocol or subscriptions change."""
        self.gated = (
            not self._authenticated
            or self._multi is not None
            or self.acl is not None
            or (self.protocol == 2 and bool(self.channels or self.patterns or self.shard_channels))
        )

    @property
    def subscription_count(self) -> int:
        return len(self.channels) + len(self.patterns) + len(self.shard_channels)


def _drop(_: Any) -> None:
    return None


def _noop() -> None:
    return None


def _zero() -> int:
    return 0


def _not_blocked(_: bool) -> bool:
    return False
