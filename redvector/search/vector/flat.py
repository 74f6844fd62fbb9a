"""FLAT: exact search over a growable float32 matrix with numpy (the oracle for HNSW tests).

Thread safety: searches may run in worker threads (``Deferred`` replies) while adds and removes run on
the event loop, so every method takes a reader/writer lock: searches share it, mutations (which move
rows) take it alone. numpy releases the GIL inside the matrix products, so searches run in parallel.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from redvector.search.vector.base import FloatArray, IdArray, Metric, VectorOptions, check_vector, same_ids
from redvector.search.vector.locks import ReadWriteLock


class FlatIndex:
    """Rows hold vectors (normalised for COSINE); doc ids map to rows; deletes swap in the last row."""

    def __init__(self, options: VectorOptions) -> None:
        self.options = options
        cap = max(16, options.initial_cap)
        self._data = np.zeros((cap, options.dim), dtype=np.float32)
        self._row_doc = np.zeros(cap, dtype=np.int64)
        self._doc_row: dict[int, int] = {}
        self._size = 0
        self._lock = ReadWriteLock()

    def __len__(self) -> int:
        return self._size

    def _prepare(self, vector: FloatArray) -> FloatArray:
        v = check_vector(vector, self.options.dim)
        if self.options.metric is Metric.COSINE:
            norm = float(np.linalg.norm(v))
            if norm > 0:
                v = v / norm
        return v

    def add(self, doc_id: int, vector: FloatArray) -> None:
        v = self._prepare(vector)
        with self._lock.write:
            row = self._doc_row.get(doc_id)
            if row is None:
                if self._size == len(self._data):
                    grow = max(len(self._data), self.options.block_size)
                    self._data = np.concatenate([self._data, np.zeros((grow, self.options.dim), np.float32)])
                    self._row_doc = np.concatenate([self._row_doc, np.zeros(grow, np.int64)])
                row = self._size
                self._size += 1
                self._doc_row[doc_id] = row
                self._row_doc[row] = doc_id
            self._data[row] = v

    def remove(self, doc_id: int) -> bool:
        with self._lock.write:
            row = self._doc_row.pop(doc_id, None)
            if row is None:
                return False
            last = self._size - 1
            if row != last:
                moved = int(self._row_doc[last])
                self._data[row] = self._data[last]
                self._row_doc[row] = moved
                self._doc_row[moved] = row
            self._size = last
            return True

    def remove_many(self, doc_ids: list[int]) -> None:
        """``remove`` for each of ``doc_ids`` under one lock: the rows past the new end that stay move
        into the holes below it (an HNSW front buffer drains a batch at a time)."""
        with self._lock.write:
            pop = self._doc_row.pop
            rows = [row for d in doc_ids if (row := pop(d, None)) is not None]
            if not rows:
                return
            size = self._size - len(rows)
            gone = np.asarray(rows, dtype=np.int64)
            holes = np.sort(gone[gone < size])
            if len(holes):
                tail = np.arange(size, self._size)
                movers = tail[~np.isin(tail, gone)]  # as many as there are holes
                self._data[holes] = self._data[movers]
                self._row_doc[holes] = self._row_doc[movers]
                doc_row = self._doc_row
                for d, row in zip(self._row_doc[holes].tolist(), holes.tolist(), strict=True):
                    doc_row[d] = row
            self._size = size

    def distances(self, query: FloatArray, rows: IdArray | None = None) -> FloatArray:
        """Distances from query to the given rows (all rows when None), RediSearch convention."""
        q = self._prepare(query)
        data = self._data[: self._size] if rows is None else self._data[rows]
        metric = self.options.metric
        if metric is Metric.L2:
            diff = data - q
            return np.einsum("ij,ij->i", diff, diff)
        return (1.0 - data @ q).astype(np.float32)

    def _rows_for(self, allowed: IdArray | None) -> IdArray | None:
        if allowed is None:
            return None
        rows = [self._doc_row[d] for d in allowed.tolist() if d in self._doc_row]
        return np.asarray(rows, dtype=np.int64)

    def knn(self, query: FloatArray, k: int, ef_runtime: int | None = None,
            allowed: IdArray | None = None) -> list[tuple[int, float]]:
        with self._lock.read:
            if self._size == 0 or k <= 0:
                return []
            rows = self._rows_for(allowed)
            if rows is not None and len(rows) == 0:
                return []
            dist = self.distances(query, rows)
            n = len(dist)
            if k < n:
                part = np.argpartition(dist, k - 1)[:k]
            else:
                part = np.arange(n)
            docs = self._row_doc[part] if rows is None else self._row_doc[rows[part]]
            order = np.lexsort((docs, dist[part]))
            return [(int(docs[i]), float(dist[part][i])) for i in order]

    def range(self, query: FloatArray, radius: float, allowed: IdArray | None = None,
              epsilon: float | None = None) -> list[tuple[int, float]]:
        with self._lock.read:
            if self._size == 0:
                return []
            rows = self._rows_for(allowed)
            dist = self.distances(query, rows)
            hit = np.nonzero(dist <= radius)[0]
            docs = self._row_doc[hit] if rows is None else self._row_doc[rows[hit]]
            order = np.lexsort((docs, dist[hit]))
            return [(int(docs[i]), float(dist[hit][i])) for i in order]

    def get_vectors(self, doc_ids: IdArray) -> tuple[IdArray, FloatArray]:
        """The stored vectors (normalised for COSINE) of those ``doc_ids`` that are indexed."""
        with self._lock.read:
            found = [(d, self._doc_row[d]) for d in np.asarray(doc_ids).tolist() if d in self._doc_row]
            ids = np.fromiter((d for d, _ in found), dtype=np.int64, count=len(found))
            rows = np.fromiter((r for _, r in found), dtype=np.int64, count=len(found))
            return ids, self._data[rows].copy()

    def memory_bytes(self) -> int:
        return int(self._data.nbytes + self._row_doc.nbytes + len(self._doc_row) * 100)

    def pending_count(self) -> int:
        return 0

    def flush(self) -> None:
        """Nothing is buffered in FLAT."""

    def close(self, wait: float = 0.0) -> None:
        """FLAT owns no thread."""

    def save_graph(self, path: str | os.PathLike[str], tag: bytes = b"") -> None:
        """Write the rows and their doc ids (npz, via a temporary file renamed into place)."""
        with self._lock.read:
            ids = self._row_doc[: self._size].copy()
            data = self._data[: self._size].copy()
        target = Path(path)
        tmp = target.with_name(target.name + ".tmp")
        with open(tmp, "wb") as f:
            np.savez(f, ids=ids, data=data, tag=np.frombuffer(tag, dtype=np.uint8),
                     dim=np.int64(self.options.dim), metric=np.bytes_(self.options.metric.value))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)

    def load_graph(self, path: str | os.PathLike[str], expected_ids: IdArray | None = None,
                   tag: bytes = b"") -> bool:
        """Load what save_graph wrote into this empty index; False (index unchanged) on any mismatch."""
        try:
            with np.load(path, allow_pickle=False) as z:
                ids, data = z["ids"], z["data"]
                ok = (int(z["dim"]) == self.options.dim and bytes(z["metric"]) == self.options.metric.value.encode()
                      and z["tag"].tobytes() == tag and data.shape == (len(ids), self.options.dim))
        except (OSError, ValueError, KeyError):
            return False
        if not ok or (expected_ids is not None and not same_ids(ids, expected_ids)):
            return False
        with self._lock.write:
            if self._size:
                return False
            cap = max(16, len(ids))
            self._data = np.zeros((cap, self.options.dim), dtype=np.float32)
            self._data[: len(ids)] = data
            self._row_doc = np.zeros(cap, dtype=np.int64)
            self._row_doc[: len(ids)] = ids
            self._doc_row = {int(d): i for i, d in enumerate(ids.tolist())}
            self._size = len(ids)
        return True

