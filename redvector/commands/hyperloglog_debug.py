"""PFDEBUG and PFSELFTEST: HyperLogLog debugging, as Redis's hyperloglog.c answers them."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from redvector.commands.context import CommandContext
from redvector.commands.hyperloglog import NOT_HLL_MSG
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import CodedError, RedVectorError
from redvector.keyspace.types import hyperloglog as hll
from redvector.replies import OK, SimpleString

group = CommandGroup("hyperloglog")

def decode_opcodes(value: bytes) -> str:
    """PFDEBUG DECODE: a sparse value's opcodes, ``z:<run>`` (ZERO), ``Z:<run>`` (XZERO) and
    ``v:<value>,<run>`` (VAL)."""
    out = []
    i, n = hll.HEADER_SIZE, len(value)
    while i < n:
        op = value[i]
        if op & 0x80:
            out.append(f"v:{((op >> 2) & 0x1F) + 1},{(op & 0x3) + 1}")
            i += 1
        elif op & 0x40:
            out.append(f"Z:{(((op & 0x3F) << 8) | (value[i + 1] if i + 1 < n else 0)) + 1}")
            i += 2
        else:
            out.append(f"z:{(op & 0x3F) + 1}")
            i += 1
    return " ".join(out)


@group.command("PFDEBUG", 3, Flag.WRITE | Flag.DENYOOM | Flag.ADMIN, KeySpec(2, 2, 1), since="2.8.9",
               summary="Internal commands for debugging HyperLogLog values.")
def pfdebug(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[2]
    value = ctx.db.get_typed(key, bytes, ctx.now_ms)  # the key first, then the subcommand, as in Redis
    if value is None:
        raise RedVectorError("The specified key does not exist")
    try:
        hll.check(value)
    except hll.InvalidHLL:
        raise CodedError("WRONGTYPE", NOT_HLL_MSG)
    sub = argv[1].upper()
    if sub in (b"GETREG", b"TODENSE"):
        converted = value[4] == hll.SPARSE
        if converted:  # written back dense, and propagated (Redis: server.dirty++, no key signal)
            try:
                value = bytes(hll.to_dense(value))
            except hll.CorruptHLL:
                raise CodedError("INVALIDOBJ", "Corrupted HLL object detected")
            ctx.db.set(key, value, keep_ttl=True)
            ctx.server.keyspace.dirty += 1
        if sub == b"TODENSE":
            return int(converted)
        return [int(reg) for reg in hll.decode(value)]
    if sub == b"DECODE":
        if value[4] != hll.SPARSE:
            raise RedVectorError("HLL encoding is not sparse")
        return decode_opcodes(value).encode()
    if sub == b"ENCODING":
        return SimpleString(b"sparse" if value[4] == hll.SPARSE else b"dense")
    raise RedVectorError(f"Unknown PFDEBUG subcommand '{argv[1].decode('latin-1')}'")


def _self_test() -> str | None:
    """A short version of Redis's: registers survive the dense packing; a sketch counts the same sparse
    and dense, within the error bound. The failure in Redis's words (a TESTFAILED error), or None."""
    rng = random.Random(0)
    regs = np.array([rng.randrange(64) for _ in range(hll.REGISTERS)], dtype=np.uint8)
    back = hll.decode(hll.encode(regs))
    for index in np.flatnonzero(back != regs)[:1]:
        return f"Register {index} should be {regs[index]} but is {back[index]}"
    elements = [b"%d" % i for i in range(1000)]
    sparse, _ = hll.add(None, elements, max_bytes=1 << 20)
    dense, _ = hll.add(bytes(hll.to_dense(hll.empty())), elements)
    if sparse[4] != hll.SPARSE:
        return "sparse encoding not used"
    card = hll.count(hll.decode(sparse))
    if card != hll.count(hll.decode(dense)):
        return "dense/sparse disagree"
    abserr = abs(card - len(elements))
    if abserr > len(elements) * 6 * 1.04 / 128:
        return f"Too big error. card:{len(elements)} abserr:{abserr}"
    return None


@group.command("PFSELFTEST", 1, Flag.ADMIN, since="2.8.9", summary="An internal command for testing HyperLogLog values.")
def pfselftest(ctx: CommandContext, argv: list[bytes]) -> Any:
    failure = _self_test()
    if failure is not None:
        raise CodedError("TESTFAILED", failure)
    return OK
