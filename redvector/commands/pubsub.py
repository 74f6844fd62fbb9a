"""Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB's introspection.

A (un)subscribe answers with one frame per channel (RESP3 pushes, RESP2 arrays): a ``Frames`` reply, so
the frames keep their place among pipelined replies and sit in one EXEC slot as in Redis.
Single node: shard channels behave like plain channels, in their own namespace.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag, KeySpec, Sub
from redvector.errors import UnknownSubcommand, WrongArity
from redvector.keyspace.glob import glob_match
from redvector.replies import Frames, Push, SimpleString
from redvector.server.client import ClientState
from redvector.server.pubsub import PubSubHub, pubsub_hub

group = CommandGroup("pubsub")

_SUB = Flag.PUBSUB | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE | Flag.SUBSCRIBE_OK
_PUB = Flag.PUBSUB | Flag.LOADING | Flag.STALE | Flag.FAST


def _count(client: ClientState, shard: bool) -> int:
    # Redis: plain and pattern subscriptions are counted together; shard ones on their own.
    return len(client.shard_channels) if shard else len(client.channels) + len(client.patterns)


def _subscribe(ctx: CommandContext, names: list[bytes], kind: bytes,
               add: Callable[[ClientState, bytes], bool], shard: bool = False) -> Any:
    client = ctx.client
    frames = []
    for name in names:
        add(client, name)
        frames.append(Push([kind, name, _count(client, shard)]))
    return Frames(frames)


def _unsubscribe(ctx: CommandContext, names: list[bytes], kind: bytes, mine: set[bytes],
                 remove: Callable[[ClientState, bytes], bool], shard: bool = False) -> Any:
    client = ctx.client
    targets = names or list(mine)
    if not targets:
        return Push([kind, None, _count(client, shard)])
    frames = []
    for name in targets:
        remove(client, name)
        frames.append(Push([kind, name, _count(client, shard)]))
    return Frames(frames)


def _hub(ctx: CommandContext) -> PubSubHub:
    return pubsub_hub(ctx.server)


@group.command("SUBSCRIBE", -2, _SUB, summary="Listens for messages published to channels.", since="2.0.0")
def subscribe(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _subscribe(ctx, argv[1:], b"subscribe", _hub(ctx).subscribe)


@group.command("UNSUBSCRIBE", -1, _SUB,
               summary="Stops listening to messages posted to channels.", since="2.0.0")
def unsubscribe(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _unsubscribe(ctx, argv[1:], b"unsubscribe", ctx.client.channels, _hub(ctx).unsubscribe)


@group.command("PSUBSCRIBE", -2, _SUB,
               summary="Listens for messages published to channels that match one or more patterns.",
               since="2.0.0")
def psubscribe(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _subscribe(ctx, argv[1:], b"psubscribe", _hub(ctx).psubscribe)


@group.command("PUNSUBSCRIBE", -1, _SUB,
               summary="Stops listening to messages published to channels that match one or more patterns.",
               since="2.0.0")
def punsubscribe(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _unsubscribe(ctx, argv[1:], b"punsubscribe", ctx.client.patterns, _hub(ctx).punsubscribe)


@group.command("SSUBSCRIBE", -2, _SUB, KeySpec(1, -1, 1),
               summary="Listens for messages published to shard channels.",
               since="7.0.0")
def ssubscribe(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _subscribe(ctx, argv[1:], b"ssubscribe", _hub(ctx).ssubscribe, shard=True)


@group.command("SUNSUBSCRIBE", -1, _SUB, KeySpec(1, -1, 1),
               summary="Stops listening to messages posted to shard channels.",
               since="7.0.0")
def sunsubscribe(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _unsubscribe(ctx, argv[1:], b"sunsubscribe", ctx.client.shard_channels, _hub(ctx).sunsubscribe,
                        shard=True)


@group.command("PUBLISH", 3, _PUB, summary="Posts a message to a channel.", since="2.0.0")
def publish(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _hub(ctx).publish(argv[1], argv[2])


@group.command("SPUBLISH", 3, _PUB, KeySpec(1, 1, 1),
               summary="Post a message to a shard channel", since="7.0.0")
def spublish(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _hub(ctx).spublish(argv[1], argv[2])


_HELP = [
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Prints this help.",
]


# PUBSUB's subcommands as Redis 7.4 declares them (COMMAND INFO pubsub|<sub>).
_PUBSUB_SUBS = (
    Sub("CHANNELS", -2, Flag.PUBSUB | Flag.LOADING | Flag.STALE, since="2.8.0",
        summary="Returns the active channels."),
    Sub("NUMSUB", -2, Flag.PUBSUB | Flag.LOADING | Flag.STALE, since="2.8.0",
        summary="Returns a count of subscribers to channels."),
    Sub("NUMPAT", 2, Flag.PUBSUB | Flag.LOADING | Flag.STALE, since="2.8.0",
        summary="Returns a count of unique pattern subscriptions."),
    Sub("SHARDCHANNELS", -2, Flag.PUBSUB | Flag.LOADING | Flag.STALE, since="7.0.0",
        summary="Returns the active shard channels."),
    Sub("SHARDNUMSUB", -2, Flag.PUBSUB | Flag.LOADING | Flag.STALE, since="7.0.0",
        summary="Returns the count of subscribers of shard channels."),
    Sub("HELP", 2, Flag.LOADING | Flag.STALE, since="6.2.0",
        summary="Returns helpful text about the different subcommands."),
)


@group.command("PUBSUB", -2, Flag(0),
               subcommands=_PUBSUB_SUBS,
               summary="A container for Pub/Sub commands.", since="2.8.0")
def pubsub(ctx: CommandContext, argv: list[bytes]) -> Any:
    hub = _hub(ctx)
    sub = argv[1].upper()
    if sub in (b"CHANNELS", b"SHARDCHANNELS"):
        if len(argv) > 3:
            raise WrongArity(f"pubsub|{sub.decode().lower()}")
        table = hub.channels if sub == b"CHANNELS" else hub.shard
        pattern = argv[2] if len(argv) == 3 else None
        return [name for name in table if pattern is None or glob_match(pattern, name)]
    if sub in (b"NUMSUB", b"SHARDNUMSUB"):
        table = hub.channels if sub == b"NUMSUB" else hub.shard
        out: list[Any] = []
        for name in argv[2:]:
            out += [name, len(table.get(name, ()))]
        return out
    if sub == b"NUMPAT":
        if len(argv) != 2:
            raise WrongArity("pubsub|numpat")
        return len(hub.patterns)
    if sub == b"HELP" and len(argv) == 2:
        return [SimpleString(line.encode()) for line in _HELP]
    raise UnknownSubcommand("pubsub", argv[1])
