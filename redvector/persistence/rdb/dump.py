"""DUMP / RESTORE payloads: one value in RDB encoding, then the RDB version and a CRC-64 (Redis's
createDumpPayload / verifyDumpPayload), so payloads move between RedVector and Redis in both directions.

Layout: <type byte> <value> <RDB version, 2 bytes little-endian> <CRC-64/Jones of all before, 8 bytes LE>.
"""

from __future__ import annotations

from typing import Any

from redvector.persistence.rdb import constants as c
from redvector.persistence.rdb.crc64 import crc64
from redvector.persistence.rdb.reader import RdbReader
from redvector.persistence.rdb.writer import encode_hash_with_ttls, encode_value, needed_version

FOOTER_LEN = 10  # version (2) + checksum (8)


class DumpPayloadError(ValueError):
    """The payload's version is newer than we read, or its checksum does not match."""


def dump_payload(value: Any, field_deadlines: dict[bytes, int] | None = None) -> bytes | None:
    """The DUMP serialization of ``value`` (a hash with ``field_deadlines`` as Redis 7.4's type 24, in
    an RDB 12 payload); None for a type with no RDB form."""
    encoded = encode_hash_with_ttls(value, field_deadlines) if field_deadlines else encode_value(value)
    if encoded is None:
        return None
    type_byte, body = encoded
    payload = bytearray(type_byte)
    payload += body
    payload += needed_version(type_byte).to_bytes(2, "little")
    payload += crc64(payload).to_bytes(8, "little")
    return bytes(payload)


def verify_payload(payload: bytes) -> None:
    """Redis's verifyDumpPayload: a known RDB version and a matching checksum."""
    if len(payload) < FOOTER_LEN:
        raise DumpPayloadError("payload too short")
    version = int.from_bytes(payload[-FOOTER_LEN:-8], "little")
    if version > c.MAX_READ_VERSION:
        raise DumpPayloadError(f"RDB version {version}")
    if crc64(memoryview(payload)[:-8]) != int.from_bytes(payload[-8:], "little"):
        raise DumpPayloadError("checksum mismatch")


def load_payload(payload: bytes) -> Any:
    """The value serialized in a verified payload; RdbError when the body is malformed."""
    # As Redis's RESTORE, the value is read from the whole payload (footer included) and what follows
    # it is not looked at.
    reader = RdbReader(payload)
    return reader.value(reader.byte())
