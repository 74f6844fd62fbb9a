"""CLIENT and its subcommands: ID GETNAME SETNAME LIST INFO KILL SETINFO NO-EVICT NO-TOUCH REPLY PAUSE
UNPAUSE UNBLOCK (TRACKING and the other tracking subcommands answer an error)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from redvector.commands import client_tracking
from redvector.commands.args import ArgCursor, parse_int
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag, Sub
from redvector.errors import RedVectorError, SyntaxErr, UnknownSubcommand, WrongArity
from redvector.replies import NO_REPLY, OK, Verbatim
from redvector.server.client import ClientState
from redvector.server.server import Server

group = CommandGroup("connection")

NAME_MSG = "Client names cannot contain spaces, newlines or special characters."
CLIENT_TYPES = ("normal", "master", "replica", "slave", "pubsub")

HELP = [
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GETNAME", "    Return the name of the current connection.",
    "ID", "    Return the ID of the current connection.",
    "INFO", "    Return information about the current client connection.",
    "KILL <ip:port>", "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are: ID, TYPE, USER, ADDR, LADDR, SKIPME, MAXAGE.",
    "LIST [options ...]", "    Return information about client connections. Options: TYPE, ID.",
    "UNPAUSE", "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]", "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)", "    Control the replies sent to the current connection.",
    "SETNAME <name>", "    Assign the name <name> to the current connection.",
    "SETINFO <option> <value>", "    Set client meta attr. Options are: LIB-NAME, LIB-VER.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]", "    Unblock the specified blocked client.",
    "NO-EVICT (ON|OFF)", "    Protect current client connection from eviction.",
    "NO-TOUCH (ON|OFF)", "    Will not touch LRU/LFU stats when this mode is on.",
    "HELP", "    Print this help.",
]


def _arity(argv: list[bytes], sub: str, ok: bool) -> None:
    if not ok:
        raise WrongArity(f"client|{sub}")


def _validate_name(name: bytes, message: str = NAME_MSG) -> None:
    if any(c < 33 or c > 126 for c in name):
        raise RedVectorError(message)


def client_flags(client: ClientState) -> str:
    flags = client.flags  # S (a replica) / M (the master): first, as Redis lists them
    if client.subscription_count:
        flags += "P"
    if client.multi is not None:
        flags += "x"
    if client.blocked_on:
        flags += "b"
    if client.tracking is not None:  # t, R (broken redirect), B (BCAST): Redis's order
        flags += "t" + "R" * client.tracking.broken_redirect + "B" * client.tracking.bcast
    if client.closing:
        flags += "c"
    if client.watch_dirty:
        flags += "d"
    if client.no_evict:
        flags += "e"
    if client.no_touch:
        flags += "T"
    return flags or "N"


def client_line(client: ClientState, now: float) -> str:
    """One CLIENT LIST line, fields in Redis 7.2's order."""
    name = client.name.decode("latin-1")
    multi = -1 if client.multi is None else len(client.multi.queue)
    omem = client.output_buffer_size()
    return (
        f"id={client.id} addr={client.addr} laddr={client.laddr} fd=-1 name={name} "
        f"age={int(now - client.created_at)} idle={int(now - client.last_interaction)} "
        f"flags={client_flags(client)} db={client.db_index} sub={len(client.channels)} "
        f"psub={len(client.patterns)} ssub={len(client.shard_channels)} multi={multi} "
        f"qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll=0 omem={omem} "
        f"tot-mem={omem + 16384} events=r cmd={client.last_cmd.lower()} user={client.user_name.decode('utf-8', 'replace')} "
        f"redir={-1 if client.tracking is None else client.tracking.redirect} "
        f"resp={client.protocol} lib-name={client.lib_name.decode('latin-1')} "
        f"lib-ver={client.lib_ver.decode('latin-1')}"
    )


def client_info(client: ClientState) -> str:
    """The client's CLIENT LIST line now (ACL LOG's client-info)."""
    return client_line(client, time.time())


def client_type(client: ClientState) -> str:
    if client.flags == "S":
        return "replica"
    if client.flags == "M":
        return "master"
    return "pubsub" if client.subscription_count else "normal"


def _socket_clients(server: Server) -> list[ClientState]:
    return [c for c in server.clients.values() if not c.internal]


def _list(ctx: CommandContext, argv: list[bytes]) -> Any:
    clients = _socket_clients(ctx.server)
    args = ArgCursor(argv, 2)
    while args:
        token = args.next_token()
        if token == "TYPE" and args.remaining() == 1:
            kind = args.next().decode("latin-1").lower()
            if kind not in CLIENT_TYPES:
                raise RedVectorError(f"Unknown client type '{kind}'")
            wanted = "replica" if kind == "slave" else kind
            clients = [c for c in clients if client_type(c) == wanted]
        elif token == "ID" and args:
            ids = set()
            for arg in args.take_rest():
                try:
                    value = parse_int(arg)
                except RedVectorError:
                    value = 0
                if value <= 0:
                    raise RedVectorError("Invalid client ID")
                ids.add(value)
            clients = [c for c in clients if c.id in ids]
        else:
            raise SyntaxErr()
    now = time.time()
    return Verbatim("".join(client_line(c, now) + "\n" for c in clients).encode())


@dataclass(slots=True)
class KillFilter:
    """CLIENT KILL's filters; a client is killed when it matches all that were given."""

    me: ClientState
    client_id: int | None = None
    kind: str | None = None
    addr: str | None = None
    laddr: str | None = None
    max_age_s: int | None = None
    skip_me: bool = True

    def matches(self, c: ClientState) -> bool:
        return not (
            (self.skip_me and c is self.me)
            or (self.client_id is not None and c.id != self.client_id)
            or (self.kind is not None and client_type(c) != self.kind)
            or (self.addr is not None and c.addr != self.addr)
            or (self.laddr is not None and c.laddr != self.laddr)
            or (self.max_age_s is not None and time.time() - c.created_at < self.max_age_s)
        )


def _kill_filter(ctx: CommandContext, argv: list[bytes]) -> KillFilter:
    args = ArgCursor(argv, 2)
    f = KillFilter(ctx.client)
    while args:
        token = args.next_token()
        if not args:
            raise SyntaxErr()
        value = args.next()
        if token == "ID":
            try:
                f.client_id = parse_int(value)
            except RedVectorError:
                f.client_id = 0
            if f.client_id <= 0:
                raise RedVectorError("client-id should be greater than 0")
        elif token == "TYPE":
            kind = value.decode("latin-1").lower()
            if kind not in CLIENT_TYPES:
                raise RedVectorError(f"Unknown client type '{kind}'")
            f.kind = "replica" if kind == "slave" else kind
        elif token == "USER":
            if value != b"default":
                raise RedVectorError(f"No such user '{value.decode('latin-1')}'")
        elif token == "ADDR":
            f.addr = value.decode("latin-1")
        elif token == "LADDR":
            f.laddr = value.decode("latin-1")
        elif token == "MAXAGE":
            f.max_age_s = parse_int(value)
        elif token == "SKIPME":
            match value.lower():
                case b"yes":
                    f.skip_me = True
                case b"no":
                    f.skip_me = False
                case _:
                    raise SyntaxErr()
        else:
            raise SyntaxErr()
    return f


def _kill_client(ctx: CommandContext, client: ClientState) -> None:
    if client is ctx.client:
        client.closing = True  # Redis closes the caller after sending the reply
    else:
        client.kill()


def _kill(ctx: CommandContext, argv: list[bytes]) -> Any:
    _arity(argv, "kill", len(argv) >= 3)
    if len(argv) == 3:  # the old form: CLIENT KILL addr:port
        addr = argv[2].decode("latin-1")
        for client in _socket_clients(ctx.server):
            if client.addr == addr:
                _kill_client(ctx, client)
                return OK
        raise RedVectorError("No such client")
    kill_filter = _kill_filter(ctx, argv)
    killed = [c for c in _socket_clients(ctx.server) if kill_filter.matches(c)]
    for client in killed:
        _kill_client(ctx, client)
    return len(killed)


def _on_off(argv: list[bytes], sub: str) -> bool:
    _arity(argv, sub, len(argv) == 3)
    match argv[2].lower():
        case b"on":
            return True
        case b"off":
            return False
        case _:
            raise SyntaxErr()


def _pause(ctx: CommandContext, argv: list[bytes]) -> Any:
    _arity(argv, "pause", len(argv) in (3, 4))
    timeout_ms = parse_int(argv[2], RedVectorError("timeout is not an integer or out of range"))
    if timeout_ms < 0:
        raise RedVectorError("timeout is negative")
    writes_only = False
    if len(argv) == 4:
        match argv[3].upper():
            case b"WRITE":
                writes_only = True
            case b"ALL":
                writes_only = False
            case _:
                raise RedVectorError("CLIENT PAUSE mode must be WRITE or ALL")
    server = ctx.server
    until = ctx.now_ms + timeout_ms
    # Redis: a new pause never shortens one in progress, and ALL wins over WRITE.
    if server.paused_until_ms > ctx.now_ms:
        writes_only = writes_only and server.paused_writes_only
        until = max(until, server.paused_until_ms)
    server.paused_until_ms = until
    server.paused_writes_only = writes_only
    return OK




def _unblock(ctx: CommandContext, argv: list[bytes]) -> Any:
    _arity(argv, "unblock", len(argv) in (3, 4))
    client_id = parse_int(argv[2])
    error = False
    if len(argv) == 4:
        match argv[3].upper():
            case b"TIMEOUT":
                error = False
            case b"ERROR":
                error = True
            case _:
                raise RedVectorError("CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
    target = ctx.server.clients.get(client_id)
    if target is None or not target.blocked_on:
        return 0
    return 1 if target.unblock(error) else 0


def _setinfo(ctx: CommandContext, argv: list[bytes]) -> Any:
    _arity(argv, "setinfo", len(argv) == 4)
    attr, value = argv[2].upper(), argv[3]
    if attr == b"LIB-NAME":
        _validate_name(value, "lib-name cannot contain spaces, newlines or special characters.")
        ctx.client.lib_name = value
    elif attr == b"LIB-VER":
        _validate_name(value, "lib-ver cannot contain spaces, newlines or special characters.")
        ctx.client.lib_ver = value
    else:
        raise RedVectorError(f"Unrecognized option '{argv[2].decode('latin-1')}'")
    return OK


def _reply(ctx: CommandContext, argv: list[bytes]) -> Any:
    _arity(argv, "reply", len(argv) == 3)
    match argv[2].upper():
        case b"ON":
            ctx.client.reply_mode = "on"
            return OK
        case b"OFF":
            ctx.client.reply_mode = "off"
        case b"SKIP":
            if ctx.client.reply_mode == "on":
                ctx.client.reply_mode = "skip"
        case _:
            raise SyntaxErr()
    return NO_REPLY


# CLIENT's subcommands as Redis 7.4 declares them (COMMAND INFO client|<sub>).
_CLIENT_SUBS = (
    Sub("ID", 2, Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="5.0.0",
        summary="Returns the unique client ID of the connection."),
    Sub("GETNAME", 2, Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="2.6.9",
        summary="Returns the name of the connection."),
    Sub("SETNAME", 3, Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="2.6.9",
        summary="Sets the connection name."),
    Sub("LIST", -2, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="2.4.0",
        summary="Lists open connections."),
    Sub("INFO", 2, Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="6.2.0",
        summary="Returns information about the connection."),
    Sub("KILL", -3, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="2.4.0",
        summary="Terminates open connections."),
    Sub("SETINFO", 4, Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="7.2.0",
        summary="Sets information specific to the client or connection."),
    Sub("NO-EVICT", 3, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="7.0.0",
        summary="Sets the client eviction mode of the connection."),
    Sub("NO-TOUCH", 3, Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="7.2.0",
        summary="Controls whether commands sent by the client affect the LRU/LFU of accessed keys."),
    Sub("REPLY", 3, Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="3.2.0",
        summary="Instructs the server whether to reply to commands."),
    Sub("PAUSE", -3, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="3.0.0",
        summary="Suspends commands processing."),
    Sub("UNPAUSE", 2, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="6.2.0",
        summary="Resumes processing commands from paused clients."),
    Sub("UNBLOCK", -3, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="5.0.0",
        summary="Unblocks a client blocked by a blocking command from a different connection."),
    Sub("TRACKING", -3, Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="6.0.0",
        summary="Controls server-assisted client-side caching for the connection."),
    Sub("CACHING", 3, Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="6.0.0",
        summary="Instructs the server whether to track the keys in the next request."),
    Sub("GETREDIR", 2, Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="6.0.0",
        summary="Returns the client ID to which the connection's tracking notifications are redirected."),
    Sub("TRACKINGINFO", 2, Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="6.2.0",
        summary="Returns information about server-assisted client-side caching for the connection."),
    Sub("HELP", 2, Flag.LOADING | Flag.STALE, since="5.0.0",
        summary="Returns helpful text about the different subcommands."),
)


@group.command("CLIENT", -2, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE,
               subcommands=_CLIENT_SUBS,
               summary="A container for client connection commands.", since="2.4.0")
def client(ctx: CommandContext, argv: list[bytes]) -> Any:
    sub = argv[1].upper()
    me = ctx.client
    if sub == b"ID":
        _arity(argv, "id", len(argv) == 2)
        return me.id
    if sub == b"GETNAME":
        _arity(argv, "getname", len(argv) == 2)
        return me.name or None
    if sub == b"SETNAME":
        _arity(argv, "setname", len(argv) == 3)
        _validate_name(argv[2])
        me.name = argv[2]
        return OK
    if sub == b"LIST":
        return _list(ctx, argv)
    if sub == b"INFO":
        _arity(argv, "info", len(argv) == 2)
        return Verbatim((client_line(me, time.time()) + "\n").encode())
    if sub == b"KILL":
        return _kill(ctx, argv)
    if sub == b"SETINFO":
        return _setinfo(ctx, argv)
    if sub == b"NO-EVICT":
        me.no_evict = _on_off(argv, "no-evict")
        return OK
    if sub == b"NO-TOUCH":
        me.no_touch = _on_off(argv, "no-touch")
        return OK
    if sub == b"REPLY":
        return _reply(ctx, argv)
    if sub == b"PAUSE":
        return _pause(ctx, argv)
    if sub == b"UNPAUSE":
        _arity(argv, "unpause", len(argv) == 2)
        ctx.server.unpause()
        return OK
    if sub == b"UNBLOCK":
        return _unblock(ctx, argv)
    if sub == b"TRACKING":
        return client_tracking.tracking(ctx, argv)
    if sub == b"CACHING":
        return client_tracking.caching(ctx, argv)
    if sub == b"GETREDIR":
        return client_tracking.getredir(ctx, argv)
    if sub == b"TRACKINGINFO":
        return client_tracking.trackinginfo(ctx, argv)
    if sub == b"HELP":
        return [line.encode() for line in HELP]
    raise UnknownSubcommand("client", argv[1])
