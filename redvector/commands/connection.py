"""Connection commands: PING ECHO HELLO AUTH SELECT SWAPDB QUIT RESET."""

from __future__ import annotations

from typing import Any

from redvector import REDIS_COMPAT_VERSION
from redvector.commands.acl import authenticate, login
from redvector.commands.args import ArgCursor, parse_int
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag
from redvector.errors import (
    DB_INDEX_MSG,
    NOPASS_MSG,
    CodedError,
    NoAuth,
    RedVectorError,
    SyntaxErr,
    WrongArity,
    WrongPass,
)
from redvector.replies import OK, PONG, Map, Push, SimpleString

group = CommandGroup("connection")

_CONN = Flag.FAST | Flag.LOADING | Flag.STALE


@group.command("PING", -1, Flag.FAST | Flag.SUBSCRIBE_OK, summary="Returns the server's liveliness response.")
def ping(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) > 2:
        raise WrongArity("ping")
    if ctx.client.subscription_count and ctx.client.protocol == 2:
        # Redis: in RESP2 subscribe mode PING answers as a message array.
        return [b"pong", argv[1] if len(argv) == 2 else b""]
    return argv[1] if len(argv) == 2 else PONG


@group.command("ECHO", 2, _CONN, summary="Returns the given string.")
def echo(ctx: CommandContext, argv: list[bytes]) -> Any:
    return argv[1]


def _check_password(ctx: CommandContext, username: bytes | None, password: bytes) -> None:
    """AUTH [username] password: the one-argument form is the default user's (an error when it has no
    password, as in Redis)."""
    if username is None:
        if ctx.server.acl.default.nopass:
            raise RedVectorError(NOPASS_MSG)
        username = b"default"
    if not authenticate(ctx, username, password):
        raise WrongPass()


@group.command("AUTH", -2, _CONN | Flag.NO_AUTH | Flag.NOSCRIPT, summary="Authenticates the connection.")
def auth(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) > 3:
        raise SyntaxErr()
    if len(argv) == 3:
        _check_password(ctx, argv[1], argv[2])
    else:
        _check_password(ctx, None, argv[1])
    return OK


@group.command("HELLO", -1, _CONN | Flag.NO_AUTH | Flag.NOSCRIPT,
               summary="Handshakes with the Redis server.", since="6.0.0")
def hello(ctx: CommandContext, argv: list[bytes]) -> Any:
    client = ctx.client
    args = ArgCursor(argv, 1)
    protocol = client.protocol
    if args:
        try:
            protocol = parse_int(args.next())
        except RedVectorError:
            raise RedVectorError("Protocol version is not an integer or out of range")
        if protocol not in (2, 3):
            raise CodedError("NOPROTO", "unsupported protocol version")
    name: bytes | None = None
    while args:
        token = args.next_token()
        if token == "AUTH" and args.remaining() >= 2:
            user, password = args.next(), args.next()
            _check_password(ctx, user, password)
        elif token == "SETNAME" and args:
            name = args.next()
            _validate_client_name(name)
        else:
            option = argv[args.pos - 1].decode("utf-8", "replace")  # as the client wrote it
            raise RedVectorError(f"Syntax error in HELLO option '{option}'")
    if not client.authenticated:
        raise NoAuth()
    client.protocol = protocol
    client.refresh_gate()
    if name is not None:
        client.name = name
    return hello_map(ctx)


def hello_map(ctx: CommandContext) -> Map:
    return Map([
        ("server", "redis"),
        ("version", REDIS_COMPAT_VERSION),
        ("proto", ctx.client.protocol),
        ("id", ctx.client.id),
        ("mode", "standalone"),
        ("role", "master"),
        ("modules", [Map([("name", "search"), ("ver", 21005), ("path", ""), ("args", [])]),
                     Map([("name", "ReJSON"), ("ver", 20803), ("path", ""), ("args", [])])]),
    ])


def _validate_client_name(name: bytes) -> None:
    if any(c <= 32 or c > 126 for c in name):
        raise RedVectorError("Client names cannot contain spaces, newlines or special characters.")


@group.command("SELECT", 2, _CONN, summary="Changes the selected database.")
def select(ctx: CommandContext, argv: list[bytes]) -> Any:
    try:
        index = parse_int(argv[1])
    except RedVectorError:
        raise RedVectorError("value is not an integer or out of range")
    if not 0 <= index < len(ctx.server.databases):
        raise RedVectorError(DB_INDEX_MSG)
    ctx.select(index)
    return OK


@group.command("SWAPDB", 3, Flag.WRITE | Flag.FAST, summary="Swaps two Redis databases.", since="4.0.0")
def swapdb(ctx: CommandContext, argv: list[bytes]) -> Any:
    try:
        a, b = parse_int(argv[1]), parse_int(argv[2])
    except RedVectorError:
        raise RedVectorError("invalid first DB index" if not argv[1].lstrip(b"-").isdigit() else "invalid second DB index")
    n = len(ctx.server.databases)
    if not (0 <= a < n and 0 <= b < n):
        raise RedVectorError(DB_INDEX_MSG)
    if a != b:
        ctx.server.keyspace.swap(a, b)
    return OK


@group.command("QUIT", -1, Flag.ALLOW_BUSY | Flag.NO_AUTH | Flag.TX_CONTROL | Flag.SUBSCRIBE_OK | Flag.FAST,
               summary="Closes the connection.")
def quit_(ctx: CommandContext, argv: list[bytes]) -> Any:
    ctx.client.closing = True
    return OK


@group.command("RESET", 1, _CONN | Flag.NO_AUTH | Flag.TX_CONTROL | Flag.SUBSCRIBE_OK,
               summary="Resets the connection.", since="6.2.0")
def reset(ctx: CommandContext, argv: list[bytes]) -> Any:
    client = ctx.client
    client.multi = None
    ctx.server.watches.unwatch_all(client)
    ctx.select(0)
    client.protocol = 2
    client.refresh_gate()
    client.name = b""
    client.reply_mode = "on"
    client.no_evict = False
    client.no_touch = False
    client.user_name, client.acl = b"default", None
    if ctx.server.requires_auth():
        client.authenticated = False
    else:
        login(client, ctx.server.acl.default)
    for hook in ctx.server.extensions.get("client_reset_hooks", []):
        hook(client)
    return SimpleString(b"RESET")


__all__ = ["Push", "group", "hello_map"]
