"""Client-side caching: CLIENT TRACKING's server side (Redis's tracking.c).

Default mode: the keys a tracking client reads (the keys of its read-only commands; OPTIN: only right
after ``CLIENT CACHING yes``; OPTOUT: except right after ``CLIENT CACHING no``) are remembered in one
table, key -> client ids, whatever the database, as Redis does. The first change to such a key (any write,
expiry, eviction: the keyspace's change hook) sends each of those clients an ``invalidate`` message and
forgets the key, until they read it again. BCAST mode: a client registers key prefixes ("" for every
key) and hears about every changed key under them, batched per prefix once the current event-loop turn
ends. A flush sends every tracking client ``invalidate`` with a null key list and clears the table.

Messages go to the client itself on RESP3 (a ``>2 invalidate [keys]`` push), or to the client named by
REDIRECT: as a push if it speaks RESP3, as a ``message`` on ``__redis__:invalidate`` if it is subscribed
on RESP2 (otherwise it cannot receive one and nothing is sent). NOLOOP leaves out the keys a client
changed itself. A message for the client whose command is running goes out after that command's reply.
The table holds at most ``tracking-table-max-keys`` keys (0: no limit); beyond, keys are invalidated
oldest first, as Redis evicts them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from redvector.keyspace.events import ignore_activity
from redvector.replies import Push
from redvector.server.client import ClientState

if TYPE_CHECKING:
    from redvector.server.server import Server

INVALIDATE_CHANNEL = b"__redis__:invalidate"


class TrackingState:
    """One client's CLIENT TRACKING settings."""

    __slots__ = ("bcast", "broken_redirect", "caching", "noloop", "optin", "optout", "prefixes", "redirect")

    def __init__(self, redirect: int, bcast: bool, optin: bool, optout: bool, noloop: bool) -> None:
        self.redirect = redirect  # 0: none
        self.bcast = bcast
        self.optin = optin
        self.optout = optout
        self.noloop = noloop
        self.prefixes: list[bytes] = []
        self.caching: bool | None = None  # CLIENT CACHING yes/no, for the next command only
        self.broken_redirect = False

    def flags(self) -> list[bytes]:
        """CLIENT TRACKINGINFO's flags, in Redis's order."""
        out = [b"on"]
        if self.bcast:
            out.append(b"bcast")
        if self.optin:
            out.append(b"optin")
            if self.caching is True:
                out.append(b"caching-yes")
        if self.optout:
            out.append(b"optout")
            if self.caching is False:
                out.append(b"caching-no")
        if self.noloop:
            out.append(b"noloop")
        if self.broken_redirect:
            out.append(b"broken_redirect")
        return out


class ClientTracking:
    """The server's tracking table and BCAST prefixes; a keyspace observer while anyone tracks."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.keys: dict[bytes, set[int]] = {}  # key -> ids of the clients that read it (insertion order)
        self.prefixes: dict[bytes, set[int]] = {}  # BCAST prefix -> client ids
        self.clients: dict[int, ClientState] = {}  # the clients with tracking on
        self.current: ClientState | None = None  # whose command runs now (NOLOOP, message order)
        self._pending: dict[bytes, dict[bytes, int]] = {}  # BCAST: prefix -> changed key -> writer id
        self._flush_scheduled = False
        self.items = 0  # (key, client) pairs in the table: INFO tracking_total_items
        self.on_activity_change: Callable[[], None] = ignore_activity

    # -- keyspace observer ---------------------------------------------------------------------------
    def wants_changes(self) -> bool:
        return bool(self.keys or self.prefixes)

    def key_changed(self, db_index: int, key: bytes, event: str) -> None:
        if key in self.keys:
            self._invalidate_readers(key)
        if self.prefixes:
            writer_id = self.current.id if self.current is not None else 0
            for prefix in self.prefixes:
                if key.startswith(prefix):
                    self._pending.setdefault(prefix, {})[key] = writer_id
                    self._schedule_flush()

    def _invalidate_readers(self, key: bytes) -> None:
        """Tell the clients that read ``key`` (NOLOOP: not the one changing it) and forget it."""
        ids = self.keys.pop(key)
        self.items -= len(ids)
        writer = self.current
        for client_id in ids:
            client = self.clients.get(client_id)
            if client is None or client.tracking is None or client.tracking.bcast:
                continue
            if client.tracking.noloop and client is writer:
                continue
            self._send(client, [key])
        if not self.keys and not self.prefixes:
            self.on_activity_change()

    def db_flushed(self, db_index: int | None) -> None:
        for client in list(self.clients.values()):
            self._send(client, None)
        self._clear_keys()

    def dbs_swapped(self, a: int, b: int) -> None:
        return None

    # -- clients --------------------------------------------------------------------------------------
    def enable(self, client: ClientState, state: TrackingState, prefixes: list[bytes]) -> None:
        """CLIENT TRACKING ON: new settings (prefixes add to a BCAST client's existing ones)."""
        old = client.tracking
        if old is not None and old.bcast:
            state.prefixes = old.prefixes
        client.tracking = state
        self.clients[client.id] = client
        if state.bcast:
            for prefix in prefixes or ([] if state.prefixes else [b""]):
                if prefix not in state.prefixes:
                    state.prefixes.append(prefix)
                self.prefixes.setdefault(prefix, set()).add(client.id)
        self.on_activity_change()

    def disable(self, client: ClientState) -> None:
        """CLIENT TRACKING OFF, RESET, disconnect. The client's ids left in the key table are skipped
        when their keys change (Redis leaves them there too)."""
        state = client.tracking
        if state is None:
            return
        client.tracking = None
        self.clients.pop(client.id, None)
        for prefix in state.prefixes:
            ids = self.prefixes.get(prefix)
            if ids is not None:
                ids.discard(client.id)
                if not ids:
                    del self.prefixes[prefix]
                    self._pending.pop(prefix, None)
        self.on_activity_change()

    def before_command(self, client: ClientState) -> None:
        self.current = client

    def after_command(self, client: ClientState, readonly: bool, keys: Callable[[], list[bytes]],
                      keep_caching: bool) -> None:
        """After a tracking client's command: remember the keys a read touched (default mode)."""
        self.current = None
        state = client.tracking
        if state is None:
            return
        if readonly and not state.bcast and (
                (state.optin and state.caching is True) or (state.optout and state.caching is not False)
                or not (state.optin or state.optout)):
            self._remember(client.id, keys())
        if not keep_caching:
            state.caching = None

    def _remember(self, client_id: int, keys: list[bytes]) -> None:
        table = self.keys
        was_empty = not table
        for key in keys:
            ids = table.get(key)
            if ids is None:
                ids = table[key] = set()
            if client_id not in ids:
                ids.add(client_id)
                self.items += 1
        limit = int(self.server.config["tracking-table-max-keys"])
        while limit and len(table) > limit:
            self._invalidate_readers(next(iter(table)))  # oldest first: its readers are told
        if was_empty and table:
            self.on_activity_change()

    # -- messages -------------------------------------------------------------------------------------
    def _send(self, client: ClientState, keys: list[bytes] | None) -> None:
        """Redis's sendTrackingMessage: to the client, or its REDIRECT target."""
        state = client.tracking
        if state is None:
            return
        target = client
        if state.redirect:
            found = self.server.clients.get(state.redirect)
            if found is None:
                if not state.broken_redirect:
                    state.broken_redirect = True
                    if client.protocol == 3:
                        self._deliver(client, Push([b"tracking-redir-broken", state.redirect]))
                return
            target = found
        if target.protocol == 3:
            message = Push([b"invalidate", keys])
        elif target.channels or target.patterns or target.shard_channels:
            message = Push([b"message", INVALIDATE_CHANNEL, keys])
        else:
            return
        self._deliver(target, message)

    def _deliver(self, target: ClientState, message: Any) -> None:
        if target is self.current:  # mid-command: after its reply, as Redis sends pending invalidations
            asyncio.get_running_loop().call_soon(target.deliver, message)
        else:
            target.deliver(message)

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            try:
                asyncio.get_running_loop().call_soon(self.flush_broadcasts)
            except RuntimeError:  # no loop (loading): sent at the next write from a client
                self._flush_scheduled = False

    def flush_broadcasts(self) -> None:
        """BCAST: one message per prefix and client with the keys changed under it since the last flush
        (a NOLOOP client's own changes left out)."""
        self._flush_scheduled = False
        pending, self._pending = self._pending, {}
        for prefix in sorted(pending):
            changed = pending[prefix]
            for client_id in list(self.prefixes.get(prefix, ())):
                client = self.clients.get(client_id)
                if client is None or client.tracking is None:
                    continue
                noloop = client.tracking.noloop
                keys = [k for k, writer in changed.items() if not (noloop and writer == client_id)]
                if keys:
                    self._send(client, keys)

    def _clear_keys(self) -> None:
        had = bool(self.keys)
        self.keys = {}
        self.items = 0
        if had:
            self.on_activity_change()

    def stats(self) -> tuple[int, int, int, int]:
        """(tracking clients, keys, items, prefixes) for INFO."""
        return len(self.clients), len(self.keys), self.items, len(self.prefixes)
