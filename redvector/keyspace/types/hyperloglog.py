"""HyperLogLog in Redis's own string format: 16384 6-bit registers, MurmurHash64A, Ertl's estimator.

A HyperLogLog is a string value (TYPE says "string", GET returns its bytes), byte-compatible with Redis:
a 16-byte header (``HYLL``, encoding byte, 3 unused bytes, 8-byte little-endian cached cardinality whose
top bit marks it stale) followed by the registers. Like Redis, a new HyperLogLog is sparse (run-length
opcodes: ZERO, XZERO and VAL; a few bytes while few registers are set) and is promoted to the dense
encoding (12304 bytes) when a register needs a value above 32 or the sparse form would pass
``hll-sparse-max-bytes``; ``sparse_set`` follows Redis's hllSparseSet step by step (split, then merge
adjacent VAL opcodes), so the bytes GET returns are Redis's.
Register positions and values come from the same hash as Redis's (MurmurHash64A, seed 0xadc83b19), so
sketches built by either server merge correctly. Standard error: 1.04/sqrt(16384) = 0.81%.
"""

from __future__ import annotations

import math
import struct

import numpy as np
import numpy.typing as npt

P = 14
REGISTERS = 1 << P  # 16384
Q = 64 - P  # bits of the hash left for the run of zeros
_P_MASK = REGISTERS - 1
MAGIC = b"HYLL"
DENSE, SPARSE = 0, 1
HEADER_SIZE = 16
DENSE_SIZE = HEADER_SIZE + REGISTERS * 6 // 8  # 12304
_ALPHA_INF = 0.721347520444481703680  # 1 / (2 ln 2)

_M = 0xC6A4A7935BD1E995
_MASK64 = (1 << 64) - 1
_SEED = 0xADC83B19

Registers = npt.NDArray[np.uint8]


class InvalidHLL(ValueError):
    """Not a HyperLogLog string at all (Redis: WRONGTYPE Key is not a valid HyperLogLog string value.)."""


class CorruptHLL(ValueError):
    """Looks like a HyperLogLog but the registers do not decode (Redis: INVALIDOBJ)."""


def murmurhash64a(data: bytes, seed: int = _SEED) -> int:
    """MurmurHash64A as Redis's hyperloglog.c computes it (little-endian blocks)."""
    n = len(data)
    h = (seed ^ (n * _M)) & _MASK64
    nblocks = n >> 3
    if nblocks:
        for k in struct.unpack_from("<%dQ" % nblocks, data):
            k = (k * _M) & _MASK64
            k ^= k >> 47
            k = (k * _M) & _MASK64
            h ^= k
            h = (h * _M) & _MASK64
    if n & 7:
        h ^= int.from_bytes(data[nblocks << 3 :], "little")
        h = (h * _M) & _MASK64
    h ^= h >> 47
    h = (h * _M) & _MASK64
    h ^= h >> 47
    return h


def register_for(element: bytes) -> tuple[int, int]:
    """(register index, run length of zeros + 1) for an element (Redis's hllPatLen)."""
    h = murmurhash64a(element)
    index = h & _P_MASK
    h = (h >> P) | (1 << Q)
    return index, (h & -h).bit_length()


SPARSE_VAL_MAX_VALUE = 32
SPARSE_VAL_MAX_LEN = 4
SPARSE_ZERO_MAX_LEN = 64
SPARSE_XZERO_MAX_LEN = 16384


def empty() -> bytes:
    """A new (sparse) HyperLogLog, as Redis's createHLLObject: one XZERO run over every register, a valid
    cached cardinality of 0."""
    return MAGIC + bytes([SPARSE]) + bytes(11) + _xzero(REGISTERS)


def _xzero(length: int) -> bytes:
    return bytes([((length - 1) >> 8) | 0x40, (length - 1) & 0xFF])


def _zero(length: int) -> int:
    return length - 1


def _val(value: int, length: int) -> int:
    return 0x80 | ((value - 1) << 2) | (length - 1)


# Registers covered by a one-byte opcode (ZERO 00xxxxxx, VAL 1vvvvvxx); 0 marks XZERO's first byte.
_SPANS = [(b & 0x3F) + 1 if b < 0x40 else 0 if b < 0x80 else (b & 0x3) + 1 for b in range(256)]


def sparse_set(buf: bytearray, index: int, count: int, max_bytes: int,
               hint: list[int] | None = None) -> int:
    """Redis's hllSparseSet on a sparse value held in ``buf`` (changed in place): 1 if the register grew,
    0 if not, -1 for a corrupt value, 2 when the value must be promoted to dense (the caller does, then
    sets the register there).

    ``hint`` lets a caller setting registers in increasing order (PFMERGE) resume the scan instead of
    starting over: [offset, first register] of where to resume, then the same of the opcode before it
    (-1: none), updated here. A set changes nothing before the opcode that precedes the changed one, so
    the two opcodes before that one stay where they were and cover only lower registers."""
    if count > SPARSE_VAL_MAX_VALUE:
        return 2
    end = len(buf)
    if hint is None:
        hint = [HEADER_SIZE, 0, -1, 0]
    p, first, prev, first_prev = hint
    before_prev = earlier = -1
    first_before_prev = first_earlier = 0
    span = oplen = 0
    spans = _SPANS
    while p < end:  # the hot loop: one table lookup per 1-byte opcode
        op = buf[p]
        span = spans[op]
        oplen = 1
        if not span:  # XZERO
            span = (((op & 0x3F) << 8) | buf[p + 1]) + 1 if p + 1 < end else 0
            oplen = 2
        if index <= first + span - 1:
            break
        earlier, first_earlier = before_prev, first_before_prev
        before_prev, first_before_prev = prev, first_prev
        prev, first_prev = p, first
        p += oplen
        first += span
    if span == 0 or p >= end:
        return -1
    op = buf[p]
    kind = 2 if op & 0x80 else 1 if op & 0x40 else 0  # VAL, XZERO, ZERO
    if before_prev >= 0:  # resume next time at the opcode before ``prev`` (Step 4 starts at ``prev``)
        hint[:] = [before_prev, first_before_prev, earlier, first_earlier]
    else:
        hint[:] = [HEADER_SIZE, 0, -1, 0]
    runlen = span
    if kind == 2:
        old = ((buf[p] >> 2) & 0x1F) + 1
        if old >= count:
            return 0
        if runlen == 1:
            buf[p] = _val(count, 1)
            return _merged(buf, prev)
    if kind == 0 and runlen == 1:
        buf[p] = _val(count, 1)
        return _merged(buf, prev)
    seq = bytearray()
    last = first + span - 1
    if kind != 2:
        if index != first:
            gap = index - first
            seq += _xzero(gap) if gap > SPARSE_ZERO_MAX_LEN else bytes([_zero(gap)])
        seq.append(_val(count, 1))
        if index != last:
            gap = last - index
            seq += _xzero(gap) if gap > SPARSE_ZERO_MAX_LEN else bytes([_zero(gap)])
    else:
        current = ((buf[p] >> 2) & 0x1F) + 1
        if index != first:
            seq.append(_val(current, index - first))
        seq.append(_val(count, 1))
        if index != last:
            seq.append(_val(current, last - index))
    delta = len(seq) - oplen
    if delta > 0 and len(buf) + delta > max_bytes:
        return 2
    buf[p:p + oplen] = seq
    return _merged(buf, prev)


def _merged(buf: bytearray, prev: int) -> int:
    """Step 4 of hllSparseSet: merge adjacent VAL opcodes of equal value, scanning up to 5 opcodes from
    the one before the change; the cached cardinality becomes stale."""
    p = prev if prev >= 0 else HEADER_SIZE
    scan = 5
    while p < len(buf) and scan:
        scan -= 1
        op = buf[p]
        if not op & 0x80:
            p += 2 if op & 0x40 else 1
            continue
        if p + 1 < len(buf) and buf[p + 1] & 0x80:
            v1, v2 = ((op >> 2) & 0x1F) + 1, ((buf[p + 1] >> 2) & 0x1F) + 1
            if v1 == v2:
                length = (op & 0x3) + 1 + (buf[p + 1] & 0x3) + 1
                if length <= SPARSE_VAL_MAX_LEN:
                    buf[p + 1] = _val(v1, length)
                    del buf[p]
                    continue  # try to merge the merged opcode with the one on its right
        p += 1
    buf[15] |= 0x80
    return 1


def to_dense(value: bytes) -> bytearray:
    """Redis's hllSparseToDense: the same header (magic, cached cardinality) over dense registers."""
    regs = _decode_sparse(value)
    dense = bytearray(encode(regs))
    dense[8:16] = value[8:16]
    return dense


def dense_set(buf: bytearray, index: int, count: int) -> bool:
    """Redis's hllDenseSet: raise register ``index`` of a dense value to ``count``; whether it grew."""
    bit = index * 6
    pos = HEADER_SIZE + (bit >> 3)
    shift = bit & 7
    word = buf[pos] | (buf[pos + 1] << 8 if pos + 1 < DENSE_SIZE else 0)
    if count <= (word >> shift) & 63:
        return False
    word = (word & ~(63 << shift)) | (count << shift)
    buf[pos] = word & 0xFF
    if pos + 1 < DENSE_SIZE:
        buf[pos + 1] = (word >> 8) & 0xFF
    return True


def set_register(buf: bytearray, index: int, count: int, max_bytes: int) -> tuple[bytearray, int]:
    """Raise one register of a sparse or dense value (promoting it when needed): (value, 1 if changed,
    0 if not, -1 if corrupt)."""
    if buf[4] == DENSE:
        return buf, int(dense_set(buf, index, count))
    result = sparse_set(buf, index, count, max_bytes)
    if result != 2:
        return buf, result
    try:
        dense = to_dense(bytes(buf))
    except CorruptHLL:
        return buf, -1
    dense_set(dense, index, count)
    return dense, 1


def check(value: bytes) -> None:
    """Raise InvalidHLL unless ``value`` has a HyperLogLog header (Redis's isHLLObjectOrReply)."""
    if len(value) < HEADER_SIZE or value[:4] != MAGIC or value[4] > SPARSE:
        raise InvalidHLL()
    if value[4] == DENSE and len(value) != DENSE_SIZE:
        raise InvalidHLL()


def decode(value: bytes) -> Registers:
    """The 16384 register values of a dense or sparse HyperLogLog."""
    check(value)
    if value[4] == DENSE:
        packed = np.frombuffer(value, dtype=np.uint8, offset=HEADER_SIZE).reshape(-1, 3).astype(np.uint32)
        words = packed[:, 0] | (packed[:, 1] << 8) | (packed[:, 2] << 16)
        regs = np.empty((REGISTERS // 4, 4), dtype=np.uint8)
        for j in range(4):
            regs[:, j] = (words >> (6 * j)) & 63
        return regs.reshape(-1)
    return _decode_sparse(value)


def _decode_sparse(value: bytes) -> Registers:
    regs = np.zeros(REGISTERS, dtype=np.uint8)
    index, i, n = 0, HEADER_SIZE, len(value)
    while i < n:
        op = value[i]
        if op & 0x80:  # VAL: 1vvvvvxx, value v+1 repeated x+1 times
            run = (op & 0x3) + 1
            if index + run > REGISTERS:
                raise CorruptHLL()
            regs[index : index + run] = ((op >> 2) & 0x1F) + 1
            index += run
            i += 1
        elif op & 0x40:  # XZERO: 01xxxxxx yyyyyyyy, a 14-bit run of zeros
            if i + 1 >= n:
                raise CorruptHLL()
            index += (((op & 0x3F) << 8) | value[i + 1]) + 1
            i += 2
        else:  # ZERO: 00xxxxxx
            index += (op & 0x3F) + 1
            i += 1
    if index != REGISTERS:
        raise CorruptHLL()
    return regs


def encode(regs: Registers) -> bytes:
    """A dense HyperLogLog holding ``regs``, its cached cardinality marked stale."""
    r = regs.reshape(-1, 4).astype(np.uint32)
    words = r[:, 0] | (r[:, 1] << 6) | (r[:, 2] << 12) | (r[:, 3] << 18)
    packed = np.empty((REGISTERS // 4, 3), dtype=np.uint8)
    packed[:, 0] = words & 0xFF
    packed[:, 1] = (words >> 8) & 0xFF
    packed[:, 2] = words >> 16
    header = MAGIC + bytes([DENSE, 0, 0, 0]) + bytes(7) + b"\x80"
    return header + packed.tobytes()


def add(value: bytes | None, elements: list[bytes], max_bytes: int = 3000) -> tuple[bytes, bool]:
    """PFADD: (new value, whether any register changed), register by register as Redis updates them (a
    new key counts as a change). Raises CorruptHLL for a sparse value that does not decode."""
    if value is None:
        value = empty()
        changed = True
    else:
        check(value)
        changed = False
    buf = bytearray(value)
    for element in elements:
        index, count = register_for(element)
        buf, result = set_register(buf, index, count, max_bytes)
        if result < 0:
            raise CorruptHLL()
        changed |= result == 1
    if changed:
        buf[15] |= 0x80  # the cached cardinality is stale
    return bytes(buf), changed


def with_cached_count(value: bytes, cardinality: int) -> bytes:
    """The value with ``cardinality`` cached in its header (what PFCOUNT writes back)."""
    return value[:8] + cardinality.to_bytes(8, "little") + value[16:]


def merge_into(dest: bytes | None, regs: Registers, use_dense: bool, max_bytes: int = 3000) -> bytes:
    """PFMERGE's write: ``regs`` (the maximum of every source, the destination included) set into the
    destination register by register, sparse unless a source was dense; the cache stale."""
    buf = bytearray(dest if dest is not None else empty())
    if use_dense and buf[4] != DENSE:
        buf = to_dense(bytes(buf))
    hint = [HEADER_SIZE, 0, -1, 0]  # registers are set in increasing order: each scan resumes (sparse_set)
    for index in np.flatnonzero(regs).tolist():
        if buf[4] == DENSE:
            dense_set(buf, index, int(regs[index]))
            continue
        result = sparse_set(buf, index, int(regs[index]), max_bytes, hint)
        if result == 2:
            try:
                buf = to_dense(bytes(buf))
            except CorruptHLL:
                raise
            dense_set(buf, index, int(regs[index]))
        elif result < 0:
            raise CorruptHLL()
    buf[15] |= 0x80
    return bytes(buf)


def cached_count(value: bytes) -> int | None:
    """The cardinality cached in the header, if it is still valid."""
    if value[15] & 0x80:
        return None
    return int.from_bytes(value[8:16], "little")


def _sigma(x: float) -> float:
    if x == 1.0:
        return math.inf
    y, z = 1.0, x
    while True:
        x *= x
        z_prev = z
        z += x * y
        y += y
        if z_prev == z:
            return z


def _tau(x: float) -> float:
    if x == 0.0 or x == 1.0:
        return 0.0
    y, z = 1.0, 1.0 - x
    while True:
        x = math.sqrt(x)
        z_prev = z
        y *= 0.5
        z -= (1 - x) ** 2 * y
        if z_prev == z:
            return z / 3


def count(regs: Registers) -> int:
    """Ertl's improved estimator, as Redis's hllCount computes it."""
    m = float(REGISTERS)
    histogram = np.bincount(regs, minlength=Q + 2)
    z = m * _tau((m - float(histogram[Q + 1])) / m)
    for j in range(Q, 0, -1):
        z += float(histogram[j])
        z *= 0.5
    z += m * _sigma(float(histogram[0]) / m)
    return math.floor(_ALPHA_INF * m * m / z + 0.5)


def merge(values: list[bytes]) -> Registers:
    """Register-wise maximum of several HyperLogLogs (PFMERGE, PFCOUNT of several keys)."""
    regs = np.zeros(REGISTERS, dtype=np.uint8)
    for value in values:
        np.maximum(regs, decode(value), out=regs)
    return regs
