"""Blocking list commands: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP.

When nothing can be served a handler returns ``Blocked``: the connection parks the client (arrival order,
server/blocking.py) and re-runs the same command once a key is pushed to, so a served command is the
same code path as an immediate one. Each serve is propagated as the non-blocking command it became
(BLPOP -> LPOP key, BLMOVE -> LMOVE, BLMPOP -> LPOP key count), as Redis does.
"""

from __future__ import annotations

from typing import Any

from redvector.commands.args import parse_timeout_ms
from redvector.commands.context import CommandContext
from redvector.commands.lists import get_list, move, mpop, parse_mpop, parse_side, pop_many
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import RedVectorError
from redvector.replies import NULL_ARRAY, Blocked

group = CommandGroup("list")

_WB = Flag.WRITE | Flag.BLOCKING


def _bpop(ctx: CommandContext, argv: list[bytes], left: bool) -> Any:
    timeout_ms = parse_timeout_ms(argv[-1])
    keys = argv[1:-1]
    for key in keys:
        # Redis checks the keys in order: the first existing one decides (WRONGTYPE or served).
        lst = get_list(ctx, key)
        if lst:
            value = pop_many(ctx, key, lst, left, 1)[0]
            ctx.propagate_as([b"LPOP" if left else b"RPOP", key])
            return [key, value]
    return Blocked(keys, timeout_ms, NULL_ARRAY)


@group.command("BLPOP", -3, _WB, KeySpec(1, -2, 1),
               summary="Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
               since="2.0.0")
def blpop(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _bpop(ctx, argv, left=True)


@group.command("BRPOP", -3, _WB, KeySpec(1, -2, 1),
               summary="Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
               since="2.0.0")
def brpop(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _bpop(ctx, argv, left=False)


def _bmove(ctx: CommandContext, src: bytes, dst: bytes, from_left: bool, to_left: bool, timeout_ms: int) -> Any:
    value = move(ctx, src, dst, from_left, to_left)
    if value is None:
        return Blocked([src], timeout_ms, NULL_ARRAY)  # Redis answers a null array here too
    ctx.propagate_as([b"LMOVE", src, dst, b"LEFT" if from_left else b"RIGHT", b"LEFT" if to_left else b"RIGHT"])
    return value


@group.command("BLMOVE", 6, _WB | Flag.DENYOOM, KeySpec(1, 2, 1),
               summary="Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.",
               since="6.2.0")
def blmove(ctx: CommandContext, argv: list[bytes]) -> Any:
    from_left, to_left = parse_side(argv[3]), parse_side(argv[4])
    timeout_ms = parse_timeout_ms(argv[5])
    return _bmove(ctx, argv[1], argv[2], from_left, to_left, timeout_ms)


@group.command("BRPOPLPUSH", 4, _WB | Flag.DENYOOM, KeySpec(1, 2, 1),
               summary="Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.",
               since="2.2.0")
def brpoplpush(ctx: CommandContext, argv: list[bytes]) -> Any:
    timeout_ms = parse_timeout_ms(argv[3])
    return _bmove(ctx, argv[1], argv[2], False, True, timeout_ms)


def _blmpop_keys(argv: list[bytes]) -> list[bytes]:
    try:
        return parse_mpop(argv, 2)[0]
    except RedVectorError:
        return []


@group.command("BLMPOP", -5, _WB, KeySpec(3, -2, 1), getkeys=_blmpop_keys,
               summary="Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
               since="7.0.0")
def blmpop(ctx: CommandContext, argv: list[bytes]) -> Any:
    timeout_ms = parse_timeout_ms(argv[1])
    keys, left, count = parse_mpop(argv, 2)
    result = mpop(ctx, keys, left, count)
    if result is None:
        return Blocked(keys, timeout_ms, NULL_ARRAY)
    return result
