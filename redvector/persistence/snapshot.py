"""RDB snapshots on disk: write a dump atomically, load a dump into the keyspace."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable

from redvector import REDIS_COMPAT_VERSION
from redvector.keyspace.database import Keyspace
from redvector.keyspace.field_expiry import HashWithTtls
from redvector.persistence.fsutil import write_atomic
from redvector.persistence.participants import SnapshotParticipant
from redvector.persistence.rdb import RdbError, dump_keyspace, load_rdb

log = logging.getLogger("redvector.rdb")


class SnapshotLoadError(Exception):
    pass


def standard_aux(now_s: int, aof_base: bool) -> list[tuple[bytes, bytes]]:
    """The aux fields Redis writes first (redis-check-rdb prints them)."""
    return [
        (b"redis-ver", REDIS_COMPAT_VERSION.encode()), (b"redis-bits", b"64"),
        (b"ctime", b"%d" % now_s), (b"used-mem", b"0"), (b"aof-base", b"1" if aof_base else b"0"),
    ]


def new_token() -> bytes:
    """Identifies one snapshot: sidecar files carry it, so stale ones are never taken for current."""
    return os.urandom(8).hex().encode()


def collect_aux(participants: Iterable[SnapshotParticipant], token: bytes, now_s: int,
                aof_base: bool = False) -> list[tuple[bytes, bytes]]:
    """Every aux field of a dump (taken in the server process, before a fork)."""
    aux = standard_aux(now_s, aof_base)
    for participant in participants:
        aux.extend(participant.aux_fields(token))
    return aux


def write_snapshot(keyspace: Keyspace, path: str, aux: list[tuple[bytes, bytes]], checksum: bool = True,
                   tmp_path: str | None = None) -> int:
    """Dump the keyspace with ``aux`` to ``path``; returns its size."""
    image = dump_keyspace(keyspace, aux, checksum)
    write_atomic(path, image, tmp_path)
    return len(image)


def save_sidecars(participants: Iterable[SnapshotParticipant], path: str, token: bytes) -> None:
    for participant in participants:
        try:
            participant.save_sidecars(path, token)
        except Exception:
            # A missing sidecar only costs a rebuild at the next start; the dump itself is complete.
            log.exception("could not save the sidecar files of %s", path)



def load_snapshot(keyspace: Keyspace, path: str, participants: Iterable[SnapshotParticipant],
                  now_ms: int, data: bytes | None = None) -> tuple[int, int]:
    """Load a dump into ``keyspace`` (keys already past their expiry are skipped, as a Redis master
    does). Returns (keys loaded, keys skipped as expired). Raises SnapshotLoadError."""
    participants = list(participants)
    if data is None:
        with open(path, "rb") as f:
            data = f.read()
    databases = keyspace.databases
    counts = [0, 0]

    def on_entry(db: int, key: bytes, value: object, expire_at_ms: int | None) -> None:
        if db >= len(databases):
            raise SnapshotLoadError(
                f"{path}: key in database {db}, but only {len(databases)} databases are configured")
        if expire_at_ms is not None and expire_at_ms <= now_ms:
            counts[1] += 1
            return
        database = databases[db]
        deadlines: dict[bytes, int] = {}
        if isinstance(value, HashWithTtls):  # a hash with field TTLs: the fields still alive
            live = value.live(now_ms)
            if not live.fields:
                counts[1] += 1
                return
            value, deadlines = live.fields, live.deadlines
        if key not in database.data:
            database.key_order.add(key)  # SCAN and RANDOMKEY walk it (writes past touched() must add)
        database.data[key] = value
        if expire_at_ms is not None:
            database.expires[key] = expire_at_ms
        if deadlines:
            assert isinstance(value, dict)
            database.field_ttls.set_all(key, value, deadlines)
        counts[0] += 1

    def on_aux(key: bytes, value: bytes) -> None:
        for participant in participants:
            if participant.load_aux(key, value):
                return

    try:
        load_rdb(data, on_entry, on_aux)
    except RdbError as exc:
        raise SnapshotLoadError(f"Short read or corrupt RDB file {path}: {exc}")
    for participant in participants:
        participant.after_load(path)
    log.info("loaded %d keys from %s (%d expired keys skipped)", counts[0], os.path.basename(path), counts[1])
    return counts[0], counts[1]
