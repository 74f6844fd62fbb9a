"""Bit commands on strings: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO (Redis's bitops.c).

Bit 0 is the most significant bit of byte 0. Strings are immutable ``bytes`` in the keyspace, so a write
rebuilds the value; counts and searches run at C speed through ``int.from_bytes`` and ``bytes.lstrip``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redvector.commands.args import ArgCursor, parse_int
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import BIT_OFFSET_MSG, BIT_VALUE_MSG, RedVectorError, SyntaxErr

group = CommandGroup("bitmap")

_K1 = KeySpec(1, 1, 1)
BITFIELD_TYPE_MSG = "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."


def _bit_offset(ctx: CommandContext, arg: bytes, field_bits: int = 0) -> int:
    """Redis's getBitOffsetFromArgument: a bit offset, or ``#N`` (N times the field width) in BITFIELD."""
    error = RedVectorError(BIT_OFFSET_MSG)
    hashed = field_bits > 0 and arg[:1] == b"#"
    offset = parse_int(arg[1:] if hashed else arg, error)
    if hashed:
        offset *= field_bits
    if offset < 0 or (offset >> 3) >= int(ctx.server.config["proto-max-bulk-len"]):
        raise error
    return offset


def _string_for_write(ctx: CommandContext, key: bytes, max_bit: int) -> tuple[bytearray, bool]:
    """The string at key as a bytearray grown with zeros to hold ``max_bit``; True when created or grown."""
    old = ctx.db.get_typed(key, bytes, ctx.now_ms)
    needed = (max_bit >> 3) + 1
    if old is None:
        return bytearray(needed), True
    buf = bytearray(old)
    if len(buf) < needed:
        buf += bytes(needed - len(buf))
        return buf, True
    return buf, False


def _store(ctx: CommandContext, key: bytes, buf: bytearray) -> None:
    ctx.db.set(key, bytes(buf), keep_ttl=True)
    ctx.db.touched(key, "setbit")


@group.command("SETBIT", 4, Flag.WRITE | Flag.DENYOOM, _K1,
               summary="Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.",
               since="2.2.0")
def setbit(ctx: CommandContext, argv: list[bytes]) -> Any:
    offset = _bit_offset(ctx, argv[2])
    if argv[3] not in (b"0", b"1"):
        raise RedVectorError(BIT_VALUE_MSG)
    on = argv[3] == b"1"
    buf, _ = _string_for_write(ctx, argv[1], offset)
    byte, mask = offset >> 3, 0x80 >> (offset & 7)
    old = 1 if buf[byte] & mask else 0
    if on:
        buf[byte] |= mask
    else:
        buf[byte] &= ~mask & 0xFF
    _store(ctx, argv[1], buf)
    return old


@group.command("GETBIT", 3, Flag.READONLY | Flag.FAST, _K1,
               summary="Returns a bit value by offset.", since="2.2.0")
def getbit(ctx: CommandContext, argv: list[bytes]) -> Any:
    offset = _bit_offset(ctx, argv[2])
    value = ctx.db.get_typed(argv[1], bytes, ctx.now_ms)
    byte = offset >> 3
    if value is None or byte >= len(value):
        return 0
    return 1 if value[byte] & (0x80 >> (offset & 7)) else 0


def _unit_is_bit(token: bytes) -> bool:
    match token.upper():
        case b"BIT":
            return True
        case b"BYTE":
            return False
        case _:
            raise SyntaxErr()


def _clamp(start: int, end: int, total: int) -> tuple[int, int]:
    """Redis's range normalisation: negative from the end, then clamped to [0, total-1]."""
    if start < 0:
        start += total
    if end < 0:
        end += total
    start = max(start, 0)
    end = max(end, 0)
    if end >= total:
        end = total - 1
    return start, end


def _bit_slice_count(value: bytes, first_bit: int, last_bit: int) -> int:
    """Set bits in [first_bit, last_bit]."""
    first_byte, last_byte = first_bit >> 3, last_bit >> 3
    chunk = int.from_bytes(value[first_byte : last_byte + 1], "big")
    width = (last_byte - first_byte + 1) * 8
    keep = last_bit - first_bit + 1
    chunk >>= width - (first_bit & 7) - keep  # drop the bits after last_bit
    return (chunk & ((1 << keep) - 1)).bit_count()  # and those before first_bit


@group.command("BITCOUNT", -2, Flag.READONLY, _K1,
               summary="Counts the number of set bits (population counting) in a string.",
               since="2.6.0")
def bitcount(ctx: CommandContext, argv: list[bytes]) -> Any:
    value = ctx.db.get_typed(argv[1], bytes, ctx.now_ms)
    if value is None:
        return 0  # Redis answers before looking at the range arguments
    if len(argv) == 2:
        return int.from_bytes(value, "big").bit_count()
    if len(argv) not in (4, 5):
        raise SyntaxErr()
    start, end = parse_int(argv[2]), parse_int(argv[3])
    is_bit = _unit_is_bit(argv[4]) if len(argv) == 5 else False
    if start < 0 and end < 0 and start > end:
        return 0
    total = len(value) * 8 if is_bit else len(value)
    start, end = _clamp(start, end, total)
    if start > end or total == 0:
        return 0
    if not is_bit:
        return int.from_bytes(value[start : end + 1], "big").bit_count()
    return _bit_slice_count(value, start, end)


def _first_bit(value: bytes, bit: int, first_bit: int, last_bit: int) -> int:
    """Position of the first ``bit`` in [first_bit, last_bit], or -1."""
    first_byte, last_byte = first_bit >> 3, last_bit >> 3
    buf = bytearray(value[first_byte : last_byte + 1])
    # Bits outside the range become the opposite of the one sought, so they never match.
    head = 0xFF << (8 - (first_bit & 7)) & 0xFF  # bits before first_bit in the first byte
    tail = 0xFF >> ((last_bit & 7) + 1)  # bits after last_bit in the last byte
    if bit:
        buf[0] &= ~head & 0xFF
        buf[-1] &= ~tail & 0xFF
        skip = b"\x00"
    else:
        buf[0] |= head
        buf[-1] |= tail
        skip = b"\xff"
    rest = buf.lstrip(skip)
    if not rest:
        return -1
    index = len(buf) - len(rest)
    byte = rest[0] if bit else ~rest[0] & 0xFF
    return (first_byte + index) * 8 + (8 - byte.bit_length())


@group.command("BITPOS", -3, Flag.READONLY, _K1,
               summary="Finds the first set (1) or clear (0) bit in a string.",
               since="2.8.7")
def bitpos(ctx: CommandContext, argv: list[bytes]) -> Any:
    if argv[2] not in (b"0", b"1"):
        raise RedVectorError("The bit argument must be 1 or 0.")
    bit = int(argv[2])
    value = ctx.db.get_typed(argv[1], bytes, ctx.now_ms)
    if value is None:
        return -1 if bit else 0
    if len(argv) > 6:
        raise SyntaxErr()
    is_bit = _unit_is_bit(argv[5]) if len(argv) == 6 else False
    start = parse_int(argv[3]) if len(argv) >= 4 else 0
    end_given = len(argv) >= 5
    end = parse_int(argv[4]) if end_given else -1
    total = len(value) * 8 if is_bit else len(value)
    start, end = _clamp(start, end, total)
    if start > end or total == 0:
        return -1
    first_bit, last_bit = (start, end) if is_bit else (start * 8, end * 8 + 7)
    pos = _first_bit(value, bit, first_bit, last_bit)
    if pos == -1 and bit == 0 and not end_given:
        # Redis: looking for a clear bit with no explicit end, the string is taken as zero padded.
        return last_bit + 1
    return pos


@group.command("BITOP", -4, Flag.WRITE | Flag.DENYOOM, KeySpec(2, -1, 1),
               summary="Performs bitwise operations on multiple strings, and stores the result.",
               since="2.6.0")
def bitop(ctx: CommandContext, argv: list[bytes]) -> Any:
    op = argv[1].upper()
    if op not in (b"AND", b"OR", b"XOR", b"NOT"):
        raise SyntaxErr()
    sources = argv[3:]
    if op == b"NOT" and len(sources) != 1:
        raise RedVectorError("BITOP NOT must be called with a single source key.")
    values = [ctx.db.get_typed(k, bytes, ctx.now_ms) for k in sources]
    length = max((len(v) for v in values if v is not None), default=0)
    dest = argv[2]
    db = ctx.db
    if length == 0:
        if db.get(dest, ctx.now_ms) is not None:
            db.delete(dest)
            db.touched(dest, "del")
        return 0
    nums = [int.from_bytes((v or b"").ljust(length, b"\x00"), "big") for v in values]
    result = nums[0]
    if op == b"NOT":
        result ^= (1 << (8 * length)) - 1
    elif op == b"AND":
        for n in nums[1:]:
            result &= n
    elif op == b"OR":
        for n in nums[1:]:
            result |= n
    else:
        for n in nums[1:]:
            result ^= n
    db.set(dest, result.to_bytes(length, "big"))
    db.touched(dest, "bitop")
    return length


# -- BITFIELD ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _FieldOp:
    kind: str  # GET | SET | INCRBY
    signed: bool
    bits: int
    offset: int
    value: int
    overflow: str  # WRAP | SAT | FAIL


def _field_type(arg: bytes) -> tuple[bool, int]:
    sign, digits = arg[:1].lower(), arg[1:]
    if sign not in (b"i", b"u") or not digits.isdigit():
        raise RedVectorError(BITFIELD_TYPE_MSG)
    bits = int(digits)
    signed = sign == b"i"
    if bits < 1 or (signed and bits > 64) or (not signed and bits > 63):
        raise RedVectorError(BITFIELD_TYPE_MSG)
    return signed, bits


def _parse_bitfield(ctx: CommandContext, argv: list[bytes], read_only: bool) -> list[_FieldOp]:
    args = ArgCursor(argv, 2)
    ops: list[_FieldOp] = []
    overflow = "WRAP"
    while args:
        token = args.next_token()
        if token in ("GET", "SET", "INCRBY"):
            if args.remaining() < (2 if token == "GET" else 3):
                raise SyntaxErr()
            signed, bits = _field_type(args.next())
            offset = _bit_offset(ctx, args.next(), bits)
            value = args.next_int() if token != "GET" else 0
            if read_only and token != "GET":
                raise RedVectorError("BITFIELD_RO only supports the GET subcommand")
            ops.append(_FieldOp(token, signed, bits, offset, value, overflow))
        elif token == "OVERFLOW" and args:
            if read_only:
                raise RedVectorError("BITFIELD_RO only supports the GET subcommand")
            mode = args.next_token()
            if mode not in ("WRAP", "SAT", "FAIL"):
                raise RedVectorError("Invalid OVERFLOW type specified")
            overflow = mode
        else:
            raise SyntaxErr()
    return ops


def _get_field(buf: bytes | bytearray, op: _FieldOp) -> int:
    first_byte, last_byte = op.offset >> 3, (op.offset + op.bits - 1) >> 3
    chunk = bytes(buf[first_byte : last_byte + 1]).ljust(last_byte - first_byte + 1, b"\x00")
    raw = int.from_bytes(chunk, "big")
    width = len(chunk) * 8
    raw = (raw >> (width - (op.offset & 7) - op.bits)) & ((1 << op.bits) - 1)
    if op.signed and raw >> (op.bits - 1):
        raw -= 1 << op.bits
    return raw


def _set_field(buf: bytearray, op: _FieldOp, value: int) -> None:
    first_byte, last_byte = op.offset >> 3, (op.offset + op.bits - 1) >> 3
    width = (last_byte - first_byte + 1) * 8
    shift = width - (op.offset & 7) - op.bits
    mask = ((1 << op.bits) - 1) << shift
    chunk = int.from_bytes(buf[first_byte : last_byte + 1], "big")
    chunk = (chunk & ~mask) | ((value & ((1 << op.bits) - 1)) << shift)
    buf[first_byte : last_byte + 1] = chunk.to_bytes(width // 8, "big")


def _fit(op: _FieldOp, total: int) -> int | None:
    """Apply the overflow policy to ``total`` for the field's type (Redis's check*BitfieldOverflow)."""
    if op.signed:
        low, high = -(1 << (op.bits - 1)), (1 << (op.bits - 1)) - 1
    else:
        low, high = 0, (1 << op.bits) - 1
    if low <= total <= high:
        return total
    if op.overflow == "FAIL":
        return None
    if op.overflow == "SAT":
        return high if total > high else low
    wrapped = (total - low) % (1 << op.bits) + low
    return wrapped


def _bitfield(ctx: CommandContext, argv: list[bytes], read_only: bool) -> Any:
    ops = _parse_bitfield(ctx, argv, read_only)
    key = argv[1]
    writes = [op for op in ops if op.kind != "GET"]
    if not writes:
        value = ctx.db.get_typed(key, bytes, ctx.now_ms) or b""
        return [_get_field(value, op) for op in ops]
    max_bit = max(op.offset + op.bits - 1 for op in writes)
    buf, grown = _string_for_write(ctx, key, max_bit)
    changes = 0
    out: list[Any] = []
    for op in ops:
        old = _get_field(buf, op)
        if op.kind == "GET":
            out.append(old)
            continue
        if op.kind == "SET":
            # Redis reads the SET value as an int64; for unsigned fields as its uint64 bit pattern.
            total = op.value if op.signed else op.value & 0xFFFFFFFFFFFFFFFF
        else:
            total = old + op.value
        new = _fit(op, total)
        if new is None:
            out.append(None)
            continue
        _set_field(buf, op, new)
        changes += 1
        out.append(old if op.kind == "SET" else new)
    if changes or grown:
        _store(ctx, key, buf)
    return out


@group.command("BITFIELD", -2, Flag.WRITE | Flag.DENYOOM, _K1,
               summary="Performs arbitrary bitfield integer operations on strings.", since="3.2.0")
def bitfield(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _bitfield(ctx, argv, read_only=False)


@group.command("BITFIELD_RO", -2, Flag.READONLY | Flag.FAST, _K1,
               summary="Performs arbitrary read-only bitfield integer operations on strings.", since="6.0.0")
def bitfield_ro(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _bitfield(ctx, argv, read_only=True)
