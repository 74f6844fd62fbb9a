"""CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO: client-side caching (server/tracking.py), with
Redis 7's argument checks and error texts in its order (networking.c clientCommand)."""

from __future__ import annotations

from typing import Any

from redvector.commands.args import parse_int
from redvector.commands.context import CommandContext
from redvector.errors import RedVectorError, SyntaxErr, WrongArity
from redvector.replies import OK, Map, SetReply
from redvector.server.tracking import TrackingState

_AND_THEN = "before disabling tracking for this client, and then re-enabling it with a different mode."
_BCAST_SWITCH = "You can't switch BCAST mode on/off " + _AND_THEN
_OPT_SWITCH = "You can't switch OPTIN/OPTOUT mode " + _AND_THEN


def tracking(ctx: CommandContext, argv: list[bytes]) -> Any:
    """CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]"""
    if len(argv) < 3:
        raise WrongArity("client|tracking")
    me = ctx.client
    registry = ctx.server.tracking
    redirect = 0
    bcast = optin = optout = noloop = False
    prefixes: list[bytes] = []
    i = 3
    while i < len(argv):
        option = argv[i].upper()
        more = i + 1 < len(argv)
        if option == b"REDIRECT" and more:
            i += 1
            if redirect:
                raise RedVectorError("A client can only redirect to a single other client")
            redirect = parse_int(argv[i])
            if redirect not in ctx.server.clients:
                raise RedVectorError("The client ID you want redirect to does not exist")
        elif option == b"BCAST":
            bcast = True
        elif option == b"OPTIN":
            optin = True
        elif option == b"OPTOUT":
            optout = True
        elif option == b"NOLOOP":
            noloop = True
        elif option == b"PREFIX" and more:
            i += 1
            prefixes.append(argv[i])
        else:
            raise SyntaxErr()
        i += 1
    mode = argv[2].upper()
    if mode == b"OFF":
        registry.disable(me)
        return OK
    if mode != b"ON":
        raise SyntaxErr()
    current: TrackingState | None = me.tracking
    if not bcast and prefixes:
        raise RedVectorError("PREFIX option requires BCAST mode to be enabled")
    if current is not None and current.bcast != bcast:
        raise RedVectorError(_BCAST_SWITCH)
    if bcast and (optin or optout):
        raise RedVectorError("OPTIN and OPTOUT are not compatible with BCAST")
    if optin and optout:
        raise RedVectorError("You can't specify both OPTIN mode and OPTOUT mode")
    if current is not None and ((optin and current.optout) or (optout and current.optin)):
        raise RedVectorError(_OPT_SWITCH)
    if bcast:
        _check_prefixes(prefixes, current.prefixes if current is not None else [])
    registry.enable(me, TrackingState(redirect, bcast, optin, optout, noloop), prefixes)
    return OK


def _check_prefixes(prefixes: list[bytes], existing: list[bytes]) -> None:
    """Redis's checkPrefixCollisionsOrReply: no prefix may start another."""
    for i, prefix in enumerate(prefixes):
        for old in existing:
            if old.startswith(prefix) or prefix.startswith(old):
                raise RedVectorError(f"Prefix '{_text(prefix)}' overlaps with an existing prefix '{_text(old)}'. "
                                     "Prefixes for a single client must not overlap.")
        for other in prefixes[i + 1:]:
            if other.startswith(prefix) or prefix.startswith(other):
                raise RedVectorError(f"Prefix '{_text(prefix)}' overlaps with another provided prefix "
                                     f"'{_text(other)}'. Prefixes for a single client must not overlap.")


def _text(value: bytes) -> str:
    return value.decode("utf-8", "replace")


def caching(ctx: CommandContext, argv: list[bytes]) -> Any:
    """CLIENT CACHING YES|NO: whether the next command's reads are tracked (OPTIN / OPTOUT)."""
    if len(argv) != 3:
        raise WrongArity("client|caching")
    state: TrackingState | None = ctx.client.tracking
    if state is None:
        raise RedVectorError("CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
                             "OPTOUT mode enabled")
    answer = argv[2].upper()
    if answer == b"YES":
        if not state.optin:
            raise RedVectorError("CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
        state.caching = True
    elif answer == b"NO":
        if not state.optout:
            raise RedVectorError("CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
        state.caching = False
    else:
        raise SyntaxErr()
    return OK


def getredir(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) != 2:
        raise WrongArity("client|getredir")
    state: TrackingState | None = ctx.client.tracking
    return -1 if state is None else state.redirect


def trackinginfo(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) != 2:
        raise WrongArity("client|trackinginfo")
    state: TrackingState | None = ctx.client.tracking
    if state is None:
        return Map([(b"flags", SetReply([b"off"])), (b"redirect", -1), (b"prefixes", [])])
    return Map([(b"flags", SetReply(state.flags())), (b"redirect", state.redirect),
                (b"prefixes", list(state.prefixes))])
