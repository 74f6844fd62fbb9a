"""The hook through which subsystems with state beyond the keyspace take part in snapshots.

Search registers one: its index definitions (the original FT.CREATE argv) and key -> doc id maps
travel as RDB aux fields, which Redis ignores when it loads the same dump, and its HNSW graphs are
written as sidecar files next to the dump, tagged with the snapshot's token and the doc ids they cover,
so a restart reloads them instead of rebuilding and falls back to a rebuild when they do not match.

Both ``aux_fields`` and ``save_sidecars`` run in the server process at the instant of the snapshot
(just before and just after the fork, with no event-loop turn in between), so what they record matches
the keyspace the child writes; the forked child itself never touches them (it has no threads, and
native structures guarded by locks another thread may hold at the fork must not be used there).
``load_aux`` and ``after_load`` run on the event loop while loading.
"""

from __future__ import annotations

from typing import Protocol


class SnapshotParticipant(Protocol):
    def aux_fields(self, token: bytes) -> list[tuple[bytes, bytes]]:
        """Aux fields to store in the dump; ``token`` identifies this snapshot."""
        ...

    def save_sidecars(self, rdb_path: str, token: bytes) -> None:
        """Write extra files beside ``rdb_path`` (temporary name, fsync, rename)."""
        ...

    def load_aux(self, key: bytes, value: bytes) -> bool:
        """An aux field read from a dump: True if it belonged to this participant."""
        ...

    def after_load(self, rdb_path: str | None) -> None:
        """Every key of the dump is loaded: re-create state, using sidecars of ``rdb_path`` if valid."""
        ...
