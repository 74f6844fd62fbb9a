"""CommandContext: what a handler gets (server, client, the client's database, the command's clock)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from redvector.keyspace.database import Database
from redvector.server.client import ClientState
from redvector.server.server import Server

if TYPE_CHECKING:
    from redvector.commands.dispatcher import Dispatcher

NOW_UNREAD = -1  # CommandContext.now_ms not read yet (a real clock is never negative)


class CommandContext:
    """Per-command context. ``now_ms`` is read once so TTL math inside a command is consistent.

    ``aof_argv`` replaces the command in the AOF when its logged form differs (SET EX -> SET PXAT, SPOP
    -> SREM); a list of several argv lists when one command becomes several.
    """

    __slots__ = ("_now_ms", "aof_argv", "client", "db", "dispatcher", "server")

    def __init__(self, server: Server, client: ClientState, now_ms: int, dispatcher: Dispatcher) -> None:
        self.server = server
        self.client = client
        self._now_ms = now_ms  # NOW_UNREAD: read from the dispatcher's clock on first use
        self.dispatcher = dispatcher
        self.db: Database = server.keyspace.databases[client.db_index]
        self.aof_argv: list[list[bytes]] | None = None

    @property
    def now_ms(self) -> int:
        """The command's clock (ms), read once on first use: GET and SET of keys without a TTL never
        need it, and every later read in the same command sees the same instant."""
        now_ms = self._now_ms
        if now_ms == NOW_UNREAD:
            now_ms = self._now_ms = int(self.dispatcher.clock() * 1000)
        return now_ms

    def touched(self, key: bytes, event: str) -> None:
        self.db.touched(key, event)

    def propagate_as(self, *argvs: list[bytes]) -> None:
        """Log these commands instead of the one received (effects, not requests)."""
        if self.aof_argv is None:
            self.aof_argv = []
        self.aof_argv.extend(argvs)

    def select(self, index: int) -> None:
        self.client.db_index = index
        self.db = self.server.keyspace.databases[index]
