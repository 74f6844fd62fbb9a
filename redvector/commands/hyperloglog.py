"""HyperLogLog commands: PFADD PFCOUNT PFMERGE over string values in Redis's HLL format
(keyspace/types/hyperloglog.py)."""

from __future__ import annotations

from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import CodedError
from redvector.keyspace.types import hyperloglog as hll
from redvector.replies import OK

group = CommandGroup("hyperloglog")

NOT_HLL_MSG = "Key is not a valid HyperLogLog string value."


def _hll_value(ctx: CommandContext, key: bytes) -> bytes | None:
    value = ctx.db.get_typed(key, bytes, ctx.now_ms)
    if value is not None:
        try:
            hll.check(value)
        except hll.InvalidHLL:
            raise CodedError("WRONGTYPE", NOT_HLL_MSG)
    return value


def _registers(values: list[bytes]) -> Any:
    try:
        return hll.merge(values)
    except hll.CorruptHLL:
        raise CodedError("INVALIDOBJ", "Corrupted HLL object detected")


@group.command("PFADD", -2, Flag.WRITE | Flag.DENYOOM | Flag.FAST, KeySpec(1, 1, 1),
               summary="Adds elements to a HyperLogLog key. Creates the key if it doesn't exist.",
               since="2.8.9")
def pfadd(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    value = _hll_value(ctx, key)
    try:
        new, changed = hll.add(value, argv[2:], int(ctx.server.config["hll-sparse-max-bytes"]))
    except hll.CorruptHLL:
        raise CodedError("INVALIDOBJ", "Corrupted HLL object detected")
    if not changed:
        return 0
    ctx.db.set(key, new, keep_ttl=True)
    ctx.db.touched(key, "pfadd")
    return 1


@group.command("PFCOUNT", -2, Flag.READONLY | Flag.MAY_REPLICATE, KeySpec(1, -1, 1),
               summary="Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s).",
               since="2.8.9")
def pfcount(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) == 2:
        key = argv[1]
        value = _hll_value(ctx, key)
        if value is None:
            return 0
        cached = hll.cached_count(value)
        if cached is not None:
            return cached
        # One key: the cardinality is cached in the value, as Redis does (a change WATCH sees).
        cardinality = hll.count(_registers([value]))
        ctx.db.set(key, hll.with_cached_count(value, cardinality), keep_ttl=True)
        ctx.db.touched(key, "pfcount")
        return cardinality
    values = [v for v in (_hll_value(ctx, k) for k in argv[1:]) if v is not None]
    return hll.count(_registers(values)) if values else 0


@group.command("PFMERGE", -2, Flag.WRITE | Flag.DENYOOM, KeySpec(1, -1, 1),
               summary="Merges one or more HyperLogLog values into a single key.", since="2.8.9")
def pfmerge(ctx: CommandContext, argv: list[bytes]) -> Any:
    dest = argv[1]
    values = [v for v in (_hll_value(ctx, k) for k in argv[1:]) if v is not None]
    regs = _registers(values)
    try:  # sparse unless a source is dense, written register by register as Redis does
        merged = hll.merge_into(ctx.db.data.get(dest), regs, any(v[4] == hll.DENSE for v in values),
                                int(ctx.server.config["hll-sparse-max-bytes"]))
    except hll.CorruptHLL:
        raise CodedError("INVALIDOBJ", "Corrupted HLL object detected")
    ctx.db.set(dest, merged, keep_ttl=True)
    # Redis signals PFMERGE's destination with the "pfadd" event.
    ctx.db.touched(dest, "pfadd")
    return OK


