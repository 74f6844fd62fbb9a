"""Streams in Redis's RDB format: RDB_TYPE_STREAM_LISTPACKS_3 (21), as Redis 7.2+ writes it, and the older 15/19.

Layout: the number of nodes, then per node its master id (16 bytes, big-endian ms and seq) and a listpack;
the length, last id, first id, max deleted id and entries added; then per consumer group its name, last id,
entries read, its PEL (raw 16-byte id, delivery time ms, delivery count) and its consumers (name, seen
time, active time, their PEL as raw ids).

A node's listpack starts with the master entry (live count, deleted count, the master field names, 0); then
per entry: flags, ms and seq relative to the master id, the field count and fields with values, or only the
values when the names are the master's (SAMEFIELDS), and the entry's element count (lp-count). RedVector
writes its own nodes with live entries only (deleted count 0).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from redvector.keyspace.types.int64 import as_int64
from redvector.keyspace.types.stream import U64, Consumer, Group, Nack, Stream
from redvector.persistence.rdb.compact import listpack_entries
from redvector.persistence.rdb.encoding import encode_length, encode_ms, encode_string

if TYPE_CHECKING:
    from redvector.persistence.rdb.reader import RdbReader

FLAG_DELETED = 1
FLAG_SAMEFIELDS = 2
_INT64 = 1 << 64


class StreamFormatError(ValueError):
    pass


# -- listpack writing ------------------------------------------------------------------------------------
def _backlen(n: int) -> bytes:
    if n <= 127:
        return bytes([n])
    if n < 16383:
        return bytes([n >> 7, (n & 127) | 128])
    if n < 2097151:
        return bytes([n >> 14, ((n >> 7) & 127) | 128, (n & 127) | 128])
    if n < 268435455:
        return bytes([n >> 21, ((n >> 14) & 127) | 128, ((n >> 7) & 127) | 128, (n & 127) | 128])
    return bytes([n >> 28, ((n >> 21) & 127) | 128, ((n >> 14) & 127) | 128, ((n >> 7) & 127) | 128,
                  (n & 127) | 128])


def lp_int(v: int) -> bytes:
    """A listpack integer element (v a signed 64-bit value), back-length included."""
    if 0 <= v <= 127:
        body = bytes([v])
    elif -4096 <= v <= 4095:
        u = v & 0x1FFF
        body = bytes([0xC0 | (u >> 8), u & 0xFF])
    elif -32768 <= v <= 32767:
        body = b"\xf1" + struct.pack("<h", v)
    elif -8388608 <= v <= 8388607:
        body = b"\xf2" + (v & 0xFFFFFF).to_bytes(3, "little")
    elif -2147483648 <= v <= 2147483647:
        body = b"\xf3" + struct.pack("<i", v)
    else:
        body = b"\xf4" + struct.pack("<q", v)
    return body + _backlen(len(body))


def lp_str(s: bytes) -> bytes:
    """A listpack element for a string: an integer when it is the canonical text of an int64."""
    n = len(s)
    v = as_int64(s)
    if v is not None:
        return lp_int(v)
    if n < 64:
        body = bytes([0x80 | n]) + s
    elif n < 4096:
        body = bytes([0xE0 | (n >> 8), n & 0xFF]) + s
    else:
        body = b"\xf0" + struct.pack("<I", n) + s
    return body + _backlen(len(body))


def listpack(elements: list[bytes], count: int) -> bytes:
    body = b"".join(elements)
    total = 6 + len(body) + 1
    return struct.pack("<IH", total, min(count, 65535)) + body + b"\xff"


def _signed(v: int) -> int:
    v &= U64
    return v - _INT64 if v >= 1 << 63 else v


def encode_node(master: int, entries: list[tuple[int, list[bytes]]]) -> bytes:
    master_fields = entries[0][1][0::2]
    parts = [lp_int(len(entries)), lp_int(0), lp_int(len(master_fields)), *map(lp_str, master_fields), lp_int(0)]
    count = 4 + len(master_fields)
    master_ms, master_seq = master >> 64, master & U64
    for entry_id, fields in entries:
        names = fields[0::2]
        same = names == master_fields
        parts.append(lp_int(FLAG_SAMEFIELDS if same else 0))
        parts.append(lp_int(_signed((entry_id >> 64) - master_ms)))
        parts.append(lp_int(_signed((entry_id & U64) - master_seq)))
        if same:
            parts.extend(map(lp_str, fields[1::2]))
            parts.append(lp_int(len(names) + 3))
            count += len(names) + 4
        else:
            parts.append(lp_int(len(names)))
            parts.extend(map(lp_str, fields))
            parts.append(lp_int(len(fields) + 4))
            count += len(fields) + 5
    return listpack(parts, count)


def _raw_id(entry_id: int) -> bytes:
    return entry_id.to_bytes(16, "big")


def _len_id(entry_id: int) -> bytes:
    return encode_length(entry_id >> 64) + encode_length(entry_id & U64)


def encode_stream(stream: Stream) -> bytes:
    """The body of an RDB_TYPE_STREAM_LISTPACKS_3 value."""
    out = bytearray()
    nodes: list[tuple[int, list[tuple[int, list[bytes]]]]] = []
    entries = stream.entries
    starts = stream.node_starts
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else (1 << 128)
        live = [(k, entries[k]) for k in entries.irange(start, end, inclusive=(True, False))]
        if live:
            nodes.append((start, live))
    out += encode_length(len(nodes))
    for master, node_entries in nodes:
        out += encode_string(_raw_id(master))
        out += encode_string(encode_node(master, node_entries))
    out += encode_length(len(entries))
    out += _len_id(stream.last_id)
    out += _len_id(stream.first_id)
    out += _len_id(stream.max_deleted_id)
    out += encode_length(stream.entries_added)
    out += encode_length(len(stream.groups))
    for name in sorted(stream.groups):
        grp = stream.groups[name]
        out += encode_string(name)
        out += _len_id(grp.last_id)
        out += encode_length(grp.entries_read & U64)
        out += encode_length(len(grp.pel))
        for entry_id, nack in grp.pel.items():
            out += _raw_id(entry_id)
            out += encode_ms(nack.delivery_time)
            out += encode_length(nack.delivery_count)
        consumers = grp.sorted_consumers()
        out += encode_length(len(consumers))
        for consumer in consumers:
            out += encode_string(consumer.name)
            out += encode_ms(consumer.seen_time)
            out += encode_ms(consumer.active_time)
            out += encode_length(len(consumer.pel))
            for entry_id in consumer.pel:
                out += _raw_id(entry_id)
    return bytes(out)


# -- reading -------------------------------------------------------------------------------------------
def _node_entries(master: int, blob: bytes) -> list[tuple[int, list[bytes]]]:
    items = listpack_entries(blob)
    if not items:
        raise StreamFormatError("empty listpack inside stream")
    pos = 0

    def take() -> bytes:
        nonlocal pos
        if pos >= len(items):
            raise StreamFormatError("truncated stream listpack")
        item = items[pos]
        pos += 1
        return item

    def take_int() -> int:
        return int(take())

    take_int()  # live count
    take_int()  # deleted count
    nmaster = take_int()
    master_fields = [take() for _ in range(nmaster)]
    if take_int() != 0:
        raise StreamFormatError("bad master entry terminator")
    master_ms, master_seq = master >> 64, master & U64
    out: list[tuple[int, list[bytes]]] = []
    while pos < len(items):
        flags = take_int()
        ms = (master_ms + take_int()) & U64
        seq = (master_seq + take_int()) & U64
        if flags & FLAG_SAMEFIELDS:
            values = [take() for _ in range(nmaster)]
            fields = [x for pair in zip(master_fields, values, strict=True) for x in pair]
        else:
            n = take_int()
            fields = [take() for _ in range(2 * n)]
        take_int()  # lp-count
        if not flags & FLAG_DELETED:
            out.append(((ms << 64) | seq, fields))
    return out


def _read_id(reader: RdbReader) -> int:
    ms = reader.length()
    return (ms << 64) | reader.length()


def decode_stream(reader: RdbReader, rdb_type: int, v2: int = 19, v3: int = 21) -> Stream:
    """A stream value of RDB type 15, 19 or 21 (v2/v3: the codes of the later layouts)."""
    stream = Stream()
    for _ in range(reader.length()):
        key = reader.string()
        if len(key) != 16:
            raise StreamFormatError("stream node key is not a 16-byte id")
        master = int.from_bytes(key, "big")
        for entry_id, fields in _node_entries(master, reader.string()):
            if entry_id <= stream.last_id and stream.entries:
                raise StreamFormatError("stream ids out of order")
            stream.append(entry_id, fields)
    length = reader.length()
    if length != len(stream.entries):
        raise StreamFormatError("stream length does not match its entries")
    stream.last_id = _read_id(reader)
    if rdb_type >= v2:
        _read_id(reader)  # first id: RedVector derives it from the entries
        stream.max_deleted_id = _read_id(reader)
        stream.entries_added = reader.length()
    else:
        stream.entries_added = length
    for _ in range(reader.length()):
        name = reader.string()
        last_id = _read_id(reader)
        if rdb_type >= v2:
            entries_read = reader.length()
            if entries_read >= 1 << 63:
                entries_read -= _INT64
        else:
            entries_read = stream.estimate_read_counter(last_id)
        grp = stream.groups[name] = Group(name, last_id, entries_read)
        pending: dict[int, Nack] = {}
        for _ in range(reader.length()):
            entry_id = int.from_bytes(reader.read(16), "big")
            delivery_time = reader.ms()
            pending[entry_id] = Nack(_UNOWNED, delivery_time, reader.length())
        for _ in range(reader.length()):
            consumer = Consumer(reader.string(), 0)
            consumer.seen_time = reader.ms()
            consumer.active_time = reader.ms() if rdb_type >= v3 else consumer.seen_time
            grp.consumers[consumer.name] = consumer
            for _ in range(reader.length()):
                entry_id = int.from_bytes(reader.read(16), "big")
                nack = pending.get(entry_id)
                if nack is None:
                    raise StreamFormatError("consumer PEL entry missing from the group PEL")
                nack.consumer = consumer
                consumer.pel[entry_id] = nack
        for entry_id, nack in pending.items():
            if nack.consumer is _UNOWNED:
                raise StreamFormatError("group PEL entry without a consumer")
            grp.pel[entry_id] = nack
    return stream


_UNOWNED = Consumer(b"", 0)
