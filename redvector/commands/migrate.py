"""MIGRATE (and RESTORE-ASKING): keys moved or copied to another Redis-protocol server as RESTORE payloads.

Redis's migrateCommand, with its replies and errors: the RESTORE commands (DUMP payloads, the TTL left,
REPLACE) are built on the loop from one snapshot of the values, sent after AUTH and SELECT, and the
keys the target acknowledged are deleted here (propagated as ``DEL``) unless COPY. The round trip runs
as a coroutine (``Deferred.submit``), so other clients are served meanwhile, over a connection cached
10 s per target as Redis caches them; inside MULTI or a script it runs at once over a blocking socket
of its own (not cached) with the same timeout, as Redis does for every MIGRATE.

Difference from Redis: a key changed by another client while the target was answering is kept here
(the target has the snapshot taken when MIGRATE ran), where Redis, blocked for the round trip, cannot
see such a change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from redvector.commands.args import parse_int
from redvector.commands.context import CommandContext
from redvector.commands.dump import restore
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import CodedError, RedVectorError, SyntaxErr
from redvector.keyspace.database import Database
from redvector.persistence.rdb.dump import dump_payload
from redvector.replies import Deferred, SimpleString

log = logging.getLogger("redvector.migrate")

group = CommandGroup("generic")
server_group = CommandGroup("server")  # RESTORE-ASKING: Redis documents it with the server commands

NOKEY = SimpleString(b"NOKEY")
KEYS_WITH_KEY = "When using MIGRATE KEYS option, the key argument must be set to the empty string"
CONNECT_ERROR = CodedError("IOERR", "error or timeout connecting to the client")
_CHUNK = 64 * 1024  # Redis writes the request in 64 KiB chunks, each within the timeout
_LINE_MAX = 1024  # Redis reads each reply line into a 1 KiB buffer


def migrate_keys(argv: list[bytes]) -> list[bytes]:
    """COMMAND GETKEYS (Redis's migrateGetKeys): ``key``, or what follows KEYS when ``key`` is empty."""
    i = 6
    while i < len(argv):
        option = argv[i].lower()
        if option == b"keys":
            return [] if argv[3] else argv[i + 1:]
        i += {b"auth": 2, b"auth2": 3}.get(option, 1)
    return [argv[3]]


@dataclass(slots=True)
class _Outcome:
    """What the exchange with the target gave: the reply (an error or None for OK) and the keys it
    acknowledged (their indexes in the plan)."""

    error: RedVectorError | None = None
    acked: list[int] = field(default_factory=list)


class _ConnectFailed(Exception):
    """The address did not resolve (Redis's connBlockingConnect failing at once)."""


class _IoError(Exception):
    def __init__(self, timed_out: bool) -> None:
        super().__init__("timeout" if timed_out else "I/O error")
        self.timed_out = timed_out


@contextlib.contextmanager
def _io_errors() -> Iterator[None]:
    """Socket failures as _IoError: a timeout, or any other I/O error (ValueError: a line over the
    stream's limit)."""
    try:
        yield
    except TimeoutError:
        raise _IoError(True) from None
    except (OSError, ValueError):
        raise _IoError(False) from None


class _Conn:
    """One connection to the target; methods raise _IoError. Both kinds are coroutines so that the
    exchange is written once: the blocking one never suspends (``_run_now`` drives it)."""

    async def write(self, data: bytes) -> None:
        raise NotImplementedError

    async def readline(self) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _AsyncConn(_Conn):
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout_s: float) -> None:
        self.reader, self.writer, self.timeout_s = reader, writer, timeout_s

    async def write(self, data: bytes) -> None:
        with _io_errors():
            for start in range(0, len(data), _CHUNK):
                self.writer.write(data[start:start + _CHUNK])
                await asyncio.wait_for(self.writer.drain(), self.timeout_s)

    async def readline(self) -> bytes:
        with _io_errors():
            line = await asyncio.wait_for(self.reader.readline(), self.timeout_s)
        if not line.endswith(b"\n"):
            raise _IoError(False)  # the target closed the connection
        return line.rstrip(b"\r\n")[:_LINE_MAX - 1]

    def close(self) -> None:
        self.writer.close()


class _BlockingConn(_Conn):
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.file = sock.makefile("rb")

    async def write(self, data: bytes) -> None:
        with _io_errors():
            for start in range(0, len(data), _CHUNK):
                self.sock.sendall(data[start:start + _CHUNK])

    async def readline(self) -> bytes:
        with _io_errors():
            line = self.file.readline(1 << 20)
        if not line.endswith(b"\n"):
            raise _IoError(False)
        return line.rstrip(b"\r\n")[:_LINE_MAX - 1]

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def _resolve_error(host: str, port: int) -> bool:
    """Addresses Redis cannot even try (no connection attempt): an empty host, a negative port."""
    return not host or port < 0


async def _open_async(host: str, port: int, timeout_s: float) -> _AsyncConn:
    if _resolve_error(host, port):
        raise _ConnectFailed()
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, str(port), type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        raise _ConnectFailed() from None
    family, _, _, _, address = infos[0]
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(str(address[0]), int(address[1]), family=family), timeout_s)
    except TimeoutError:
        raise _IoError(True) from None  # Redis's connect returns, the first write times out
    except OSError:
        raise _IoError(False) from None  # refused: Redis fails on the first write
    return _AsyncConn(reader, writer, timeout_s)


async def _open_blocking(host: str, port: int, timeout_s: float) -> tuple[_Conn, int]:
    if _resolve_error(host, port):
        raise _ConnectFailed()
    try:
        infos = socket.getaddrinfo(host, str(port), type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        raise _ConnectFailed() from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.settimeout(timeout_s)
    try:
        sock.connect(address)
    except TimeoutError:
        sock.close()
        raise _IoError(True) from None
    except OSError:
        sock.close()
        raise _IoError(False) from None
    return _BlockingConn(sock), -1


def _close(conn: _Conn, last_db: int) -> None:
    conn.close()


def _run_now(coro: Coroutine[Any, Any, _Outcome]) -> _Outcome:
    """Drive a coroutine that never suspends (the blocking connection's exchange) to its result."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise RuntimeError("a blocking MIGRATE suspended")


@dataclass(slots=True)
class _Plan:
    host: str
    port: int
    timeout_s: float
    auth: bytes  # the AUTH command, or b""
    dest_db: int
    restores: bytes  # the RESTORE commands, one pipeline
    count: int  # how many


# The connections a MIGRATE talks over: an opener gives one and the database it has selected (-1: none
# known), ``keep`` takes it back after an exchange that left it usable (with its database, -1 after a
# target error), the exchange closes it after an I/O error.
Opener = Callable[[str, int, float], Awaitable[tuple[_Conn, int]]]
Keeper = Callable[[_Conn, int], None]


class SocketCache:
    """Redis's migrate cached sockets (INFO's ``migrate_cached_sockets``): the connection to each
    host:port is kept for the next MIGRATE, with the database it selected, and closed after 10 s unused;
    64 at most (the oldest goes). A connection is taken out while a MIGRATE uses it, so concurrent
    MIGRATEs to one target open their own."""

    IDLE_S = 10.0
    MAX = 64

    def __init__(self) -> None:
        self.idle: dict[tuple[str, int], tuple[_Conn, int]] = {}

    def __len__(self) -> int:
        return len(self.idle)

    async def open(self, host: str, port: int, timeout_s: float) -> tuple[_Conn, int]:
        cached = self.idle.pop((host, port), None)
        if cached is not None:
            conn, last_db = cached
            cast(_AsyncConn, conn).timeout_s = timeout_s
            return conn, last_db
        return await _open_async(host, port, timeout_s), -1

    def keeper(self, host: str, port: int) -> Keeper:
        def keep(conn: _Conn, last_db: int) -> None:
            key = (host, port)
            old = self.idle.pop(key, None)
            if old is not None:
                old[0].close()
            if len(self.idle) >= self.MAX:
                oldest = next(iter(self.idle))
                self.idle.pop(oldest)[0].close()
            entry = self.idle[key] = (conn, last_db)
            asyncio.get_running_loop().call_later(self.IDLE_S, self._expire, key, entry)

        return keep

    def _expire(self, key: tuple[str, int], entry: tuple[_Conn, int]) -> None:
        if self.idle.get(key) is entry:
            del self.idle[key]
            entry[0].close()


def _io_error(write: bool) -> CodedError:
    return CodedError("IOERR", f"error or timeout {'writing' if write else 'reading'} to target instance")


async def _exchange(plan: _Plan, opener: Opener, keep: Keeper) -> _Outcome:
    """``_talk``, with anything unexpected answered as an I/O error (``finish`` must always run: it
    stops watching the keys)."""
    try:
        return await _talk(plan, opener, keep)
    except Exception:
        log.exception("MIGRATE to %s:%d failed", plan.host, plan.port)
        return _Outcome(_io_error(False))


async def _talk(plan: _Plan, opener: Opener, keep: Keeper) -> _Outcome:
    """Redis's migrateCommand from the connection on: one retry on an I/O error that is not a timeout
    when nothing was acknowledged yet (a stale connection), the first error the target replied
    reported, the keys acknowledged before any error still deleted."""
    may_retry = True
    while True:
        try:
            conn, last_db = await opener(plan.host, plan.port, plan.timeout_s)
        except _ConnectFailed:
            return _Outcome(CONNECT_ERROR)
        except _IoError as exc:
            if may_retry and not exc.timed_out:
                may_retry = False
                continue
            return _Outcome(_io_error(True))
        select = last_db != plan.dest_db
        writing = True
        try:
            await conn.write(plan.auth + (_command(b"SELECT", b"%d" % plan.dest_db) if select else b"")
                             + plan.restores)
            writing = False
            auth_line = await conn.readline() if plan.auth else b""
            select_line = await conn.readline() if select else b""
            outcome = _Outcome()
            socket_error: _IoError | None = None
            for index in range(plan.count):
                try:
                    line = await conn.readline()
                except _IoError as exc:
                    socket_error = exc
                    break
                if auth_line[:1] == b"-" or select_line[:1] == b"-" or line[:1] == b"-":
                    if outcome.error is None:
                        first = next(text for text in (auth_line, select_line, line) if text[:1] == b"-")
                        outcome.error = RedVectorError(
                            "Target instance replied with error: " + first[1:].decode("utf-8", "replace"))
                else:
                    outcome.acked.append(index)
        except _IoError as exc:
            conn.close()
            if may_retry and not exc.timed_out:
                may_retry = False
                continue
            return _Outcome(_io_error(writing))
        if socket_error is not None:
            conn.close()
        else:
            keep(conn, -1 if outcome.error is not None else plan.dest_db)
        if socket_error is not None and outcome.error is None:
            if not outcome.acked and may_retry and not socket_error.timed_out:
                may_retry = False
                continue
            outcome.error = _io_error(False)
        return outcome


def _bulk(arg: bytes) -> bytes:
    return b"$%d\r\n%b\r\n" % (len(arg), arg)


def _command(*args: bytes) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(_bulk(a) for a in args)


def _atoi(arg: bytes) -> int:
    """C's atoi, as Redis reads MIGRATE's port: leading spaces, a sign, the digits up to the first other
    character; 0 when there are none."""
    text = arg.lstrip(b" \t\n\v\f\r")
    sign = -1 if text[:1] == b"-" else 1
    if text[:1] in (b"-", b"+"):
        text = text[1:]
    digits = 0
    while digits < len(text) and 48 <= text[digits] <= 57:
        digits += 1
    return sign * int(text[:digits]) if digits else 0


class _ChangeWatch:
    """A keyspace observer for one MIGRATE in flight: the keys of its database that changed (written,
    deleted, expired, flushed, swapped away) while the target was answering."""

    def __init__(self, db_index: int, keys: set[bytes]) -> None:
        self.db_index = db_index
        self.keys = keys
        self.changed: set[bytes] = set()

    def key_changed(self, db_index: int, key: bytes, event: str) -> None:
        if db_index == self.db_index and key in self.keys:
            self.changed.add(key)

    def db_flushed(self, db_index: int | None) -> None:
        if db_index is None or db_index == self.db_index:
            self.changed |= self.keys

    def dbs_swapped(self, a: int, b: int) -> None:
        if self.db_index in (a, b):
            self.changed |= self.keys


@group.command("MIGRATE", -6, Flag.WRITE, KeySpec(3, 3, 1), since="2.6.0", getkeys=migrate_keys,
               summary="Atomically transfers a key from one Redis instance to another.")
def migrate(ctx: CommandContext, argv: list[bytes]) -> Any:
    copy = replace = False
    username: bytes | None = None
    password: bytes | None = None
    first, count = 3, 1
    i = 6
    while i < len(argv):
        option = argv[i].lower()
        more = len(argv) - 1 - i
        if option == b"copy":
            copy = True
        elif option == b"replace":
            replace = True
        elif option == b"auth":
            if not more:
                raise SyntaxErr()
            i += 1
            password = argv[i]
        elif option == b"auth2":
            if more < 2:
                raise SyntaxErr()
            username, password = argv[i + 1], argv[i + 2]
            i += 2
        elif option == b"keys":
            if argv[3]:
                raise RedVectorError(KEYS_WITH_KEY)
            first, count = i + 1, len(argv) - i - 1
            break
        else:
            raise SyntaxErr()
        i += 1
    timeout_ms = parse_int(argv[5])
    dest_db = parse_int(argv[4])
    if timeout_ms <= 0:
        timeout_ms = 1000
    # MIGRATE itself is never logged: its effect is the DEL of the keys the target took (below); a key
    # that expires on lookup is logged as its own DEL.
    ctx.aof_argv = []

    db, now_ms = ctx.db, ctx.now_ms
    keys: list[bytes] = []
    values: list[Any] = []
    parts: list[bytes] = []
    for key in argv[first:first + count]:
        if key in db.field_ttls.by_key:
            db.expire_fields(key, now_ms)
        value = db.get(key, now_ms)
        if value is None:
            continue
        expire_at = db.expires.get(key)
        ttl = 0 if expire_at is None else max(expire_at - now_ms, 1)
        payload = dump_value(db, key, value)
        keys.append(key)
        values.append(value)
        restore_args = [b"RESTORE", key, b"%d" % ttl, payload]
        if replace:
            restore_args.append(b"REPLACE")
        parts.append(_command(*restore_args))
    if not keys:
        return NOKEY

    host = argv[1].decode("utf-8", "replace")
    auth = b"" if password is None else \
        _command(b"AUTH", password) if username is None else _command(b"AUTH", username, password)
    plan = _Plan(host, _atoi(argv[2]), timeout_ms / 1000, auth, dest_db, b"".join(parts), len(keys))
    server, db_index = ctx.server, ctx.client.db_index
    cache: SocketCache = server.extensions.setdefault("migrate_sockets", SocketCache())
    watch = _ChangeWatch(db_index, set(keys))
    server.keyspace.add_observer(watch)

    def finish(outcome: _Outcome) -> Any:
        server.keyspace.remove_observer(watch)
        if not copy:
            target = server.keyspace.databases[db_index]
            deleted = []
            for index in outcome.acked:
                key = keys[index]
                if key not in watch.changed and target.data.get(key) is values[index] and target.delete(key):
                    target.touched(key, "del")
                    deleted.append(key)
            if deleted and server.propagate_sinks:
                server.propagate(db_index, [b"DEL", *deleted])
        if outcome.error is not None:
            raise outcome.error
        return SimpleString(b"OK")

    return Deferred(work=lambda: _run_now(_exchange(plan, _open_blocking, _close)), finish=finish,
                    submit=lambda: asyncio.ensure_future(
                        _exchange(plan, cache.open, cache.keeper(plan.host, plan.port))))


def dump_value(db: Database, key: bytes, value: Any) -> bytes:
    """``value``'s DUMP payload (with its hash fields' TTLs), as DUMP makes it."""
    payload = dump_payload(value, db.field_ttls.of(key) if type(value) is dict else None)
    if payload is None:
        raise RedVectorError("this value type cannot be serialized")
    return payload


# RESTORE-ASKING is RESTORE for a cluster node importing a slot; without cluster support Redis runs it
# as RESTORE (the ASKING flag only matters for slot checks).
server_group.command("RESTORE-ASKING", -4, Flag.WRITE | Flag.DENYOOM, KeySpec(1, 1, 1), since="3.0.0",
                     summary="An internal command for migrating keys in a cluster.")(restore)
