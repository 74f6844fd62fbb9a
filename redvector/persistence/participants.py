"""The hook through which subsystems with state beyond the keyspace take part in snapshots.

Search registers one: its index definitions (the original FT.CREATE argv) travel as RDB aux fields,
which Redis ignores when it loads the same dump, and its HNSW graphs are written as sidecar files next
to the dump with a checksum of what they cover, so a restart reloads them instead of rebuilding.
Participants live in ``Persistence.participants``; every method runs on the event loop except
``save_sidecars``, which runs in the forked snapshot child (or inline when fork is unavailable).
"""

from __future__ import annotations

from typing import Protocol


class SnapshotParticipant(Protocol):
    def aux_fields(self) -> list[tuple[bytes, bytes]]:
        """Aux fields to store in the dump (called while the snapshot is taken)."""
        ...

    def save_sidecars(self, rdb_path: str) -> None:
        """Write extra files beside ``rdb_path`` (temporary name, fsync, rename)."""
        ...

    def load_aux(self, key: bytes, value: bytes) -> bool:
        """An aux field read from a dump: True if it belonged to this participant."""
        ...

    def after_load(self, rdb_path: str | None) -> None:
        """Every key of the dump is loaded: re-create state, using sidecars of ``rdb_path`` if valid."""
        ...
