"""HNSW vector index on hnswlib, tiered like RediSearch's TIERED HNSW.

``add`` and ``remove`` run on the event loop and only touch a small exact front buffer (a FlatIndex) and
some bookkeeping under a short mutex; a background builder thread moves buffered vectors into the
hnswlib graph in batches (``add_items`` on several threads, GIL released) and applies deletions
(``mark_deleted``; new vectors reuse deleted slots, so deletes and updates never rebuild the graph).
A search reads the graph under a shared lock and the buffer exactly, and merges both, so every write is
visible to the next search even before the builder has inserted it.

hnswlib's spaces give RediSearch's distances directly: 'l2' is the squared L2 distance, 'ip' is 1 - q.x,
'cosine' normalises stored and query vectors and is 1 - cos. Labels are the doc ids. hnswlib's search
width is max(ef, k) with one ef per index; to give each query its own EF_RUNTIME without racing on that
shared setting, the index's ef stays 1 and a query asks for max(ef, k) results and keeps the first k.

Locks, always taken in this order: ``_apply_lock`` (one batch applier at a time) -> ``_lock`` (graph:
searches shared, batch application exclusive) -> ``_mutex`` (buffer, id sets, live mask; held briefly).
"""

from __future__ import annotations

import itertools
import logging
import operator
import os
import struct
import tempfile
import threading
import zlib
from pathlib import Path

import hnswlib
import numpy as np

from redvector.search.vector.base import (
    FloatArray,
    IdArray,
    Metric,
    VectorOptions,
    VectorSource,
    check_vector,
    same_ids,
)
from redvector.search.vector.flat import FlatIndex
from redvector.search.vector.hybrid import HybridPolicy, choose_policy
from redvector.search.vector.labels import LabelSet
from redvector.search.vector.locks import ReadWriteLock
from redvector.search.vector.subsets import SubsetCache

log = logging.getLogger(__name__)

SPACES = {Metric.L2: "l2", Metric.IP: "ip", Metric.COSINE: "cosine"}
# Vectors moved into the graph per batch: large enough for add_items' threads to pay off, small enough
# that a search waits at most a fraction of a second for a batch to finish (~0.6 ms per insert at 384-d).
BATCH_SIZE = 1024
# Below this many vectors a batch is inserted on one thread (thread start-up would dominate).
PARALLEL_MIN = 64
# How long an idle builder thread waits for more work before it exits.
BUILDER_LINGER_S = 0.5
# Range queries widen the search from this many results, doubling until the radius is passed.
RANGE_START = 64
MAX_DOC_ID = 1 << 40

_MAGIC = b"RVHNSW01"
_NO_DEAD: frozenset[int] = frozenset()
_BY_DISTANCE_THEN_ID = operator.itemgetter(1, 0)


class HnswIndex:
    """The VectorIndex for ``HNSW`` fields: hnswlib graph + exact front buffer + background builder."""

    def __init__(self, options: VectorOptions, *, background: bool = True,
                 build_threads: int | None = None) -> None:
        self.options = options
        self.background = background
        self.build_threads = max(1, build_threads or os.cpu_count() or 1)
        self._lock = ReadWriteLock()
        self._mutex = threading.Lock()
        self._work = threading.Condition(self._mutex)
        self._apply_lock = threading.Lock()
        self._graph = self._new_graph(max(options.initial_cap, options.block_size, 16))
        self._front = self._new_front()
        self._front_seq: dict[int, int] = {}  # buffered doc -> write sequence number
        self._seq = itertools.count(1)
        self._in_graph = LabelSet()  # labels live (not marked deleted) in hnswlib
        self._dead: set[int] = set()  # in _in_graph but deleted or superseded by a buffered vector
        # Labels hnswlib may hold outside _in_graph: marked deleted (their slot perhaps reused since), or
        # inserted by a batch not yet recorded. Any other label is new to hnswlib, so inserting it needs
        # no unmark_deleted attempt first (a failed one costs ~11 us, with the GIL held, per vector).
        self._marked = LabelSet()
        self._mask = np.zeros(1024, dtype=np.bool_)  # doc id -> its current vector is in the graph
        self._builder: threading.Thread | None = None
        self._closed = False
        self.last_error: BaseException | None = None
        # Installed by the owning search index; exact (ADHOC_BF) search reads vectors through it because
        # hnswlib's get_items converts every component through a Python float (~50 us per 384-d vector)
        # where a document's blob decodes in well under 1 us.
        self.vector_source: VectorSource | None = None
        self._subsets = SubsetCache()  # gathered vectors of recent filters (exact hybrid search)
        self._writes = 0  # add/remove calls: a gathered subset is only reused while this stands still

    # -- construction helpers ------------------------------------------------------------------------
    def _new_graph(self, capacity: int) -> hnswlib.Index:
        graph = hnswlib.Index(space=SPACES[self.options.metric], dim=self.options.dim)
        graph.init_index(max_elements=capacity, M=self.options.m, ef_construction=self.options.ef_construction,
                         random_seed=100, allow_replace_deleted=True)
        graph.set_ef(1)
        return graph

    def _new_front(self) -> FlatIndex:
        o = self.options
        return FlatIndex(VectorOptions("FLAT", o.dim, o.metric, o.dtype, block_size=o.block_size))

    # -- size ----------------------------------------------------------------------------------------
    def __len__(self) -> int:
        # A buffered doc is never also live in the graph (buffering it marks its graph copy dead).
        with self._mutex:
            return len(self._front) + len(self._in_graph) - len(self._dead)

    def pending_count(self) -> int:
        with self._mutex:
            return len(self._front_seq)

    # -- writes (event loop) -------------------------------------------------------------------------
    def add(self, doc_id: int, vector: FloatArray) -> None:
        doc_id = _check_doc_id(doc_id)
        v = check_vector(vector, self.options.dim)
        with self._mutex:
            self._writes += 1
            self._front.add(doc_id, v)
            self._front_seq[doc_id] = next(self._seq)
            self._supersede(doc_id)
            self._wake()
        if not self.background and len(self._front_seq) >= BATCH_SIZE:
            self.flush()

    def remove(self, doc_id: int) -> bool:
        if not 0 <= doc_id < MAX_DOC_ID:
            return False
        with self._mutex:
            self._writes += 1
            found = self._front.remove(doc_id)
            if found:
                del self._front_seq[doc_id]
            if self._supersede(doc_id):
                found = True
                self._wake()
        return found

    def _supersede(self, doc_id: int) -> bool:
        """Hide the graph's vector of ``doc_id`` from searches (deleted or replaced); True if it had one."""
        if doc_id in self._in_graph and doc_id not in self._dead:
            self._dead.add(doc_id)
            self._mask[doc_id] = False
            return True
        return False

    def _wake(self) -> None:
        """Under _mutex: hand the new work to the builder thread, starting one if none runs."""
        if not self.background or self._closed:
            return
        if self._builder is not None:
            self._work.notify()
            return
        self._builder = threading.Thread(target=self._build_loop, name="hnsw-builder", daemon=True)
        self._builder.start()

    # -- background builder --------------------------------------------------------------------------
    def _build_loop(self) -> None:
        while True:
            with self._mutex:
                if self._closed:
                    self._builder = None
                    self._work.notify_all()
                    return
                while not self._front_seq and not self._dead:
                    if self._closed or not self._work.wait(BUILDER_LINGER_S):
                        if self._closed or (not self._front_seq and not self._dead):
                            self._builder = None
                            self._work.notify_all()
                            return
            try:
                self._apply_batch()
            except Exception as exc:  # keep the buffer (searches stay exact); retried on the next write
                log.exception("HNSW background insertion failed")
                with self._mutex:
                    self.last_error = exc
                    self._builder = None
                    self._work.notify_all()
                return
            with self._mutex:
                self._work.notify_all()

    def flush(self) -> None:
        """Move every buffered vector into the graph and apply deletions, on the calling thread."""
        while self._apply_batch():
            pass

    def close(self, wait: float = 0.0) -> None:
        """Stop the builder after the batch it is inserting (buffered vectors stay searchable in the
        buffer); ``wait``: seconds to wait for that batch to end (a process that exits while hnswlib's
        threads insert aborts in C++: shutdown waits)."""
        with self._mutex:
            self._closed = True
            self._work.notify_all()
            builder = self._builder
        if wait > 0 and builder is not None and builder is not threading.current_thread():
            builder.join(wait)

    def _apply_batch(self) -> bool:
        """Insert up to BATCH_SIZE buffered vectors and apply pending deletions; False when idle."""
        with self._apply_lock:
            with self._mutex:
                taken = list(itertools.islice(self._front_seq.items(), BATCH_SIZE))
                if not taken and not self._dead:
                    return False
                docs = np.fromiter((d for d, _ in taken), dtype=np.int64, count=len(taken))
                found, vectors = self._front.get_vectors(docs)
                batch = set(docs.tolist())
                deletes = [d for d in self._dead if d not in batch]
            assert len(found) == len(docs)
            with self._lock.write:
                self._apply_to_graph(docs, vectors, batch, deletes)
                with self._mutex:
                    self._reconcile(taken, deletes)
            return True

    def _apply_to_graph(self, docs: IdArray, vectors: FloatArray, batch: set[int], deletes: list[int]) -> None:
        graph = self._graph
        for d in deletes:
            try:
                graph.mark_deleted(d)
            except RuntimeError:  # already marked by a batch that failed before recording it
                pass
        updates: list[int] = []
        new: list[int] = []
        in_graph, marked = self._in_graph, self._marked  # only this thread changes them
        for i, d in enumerate(docs.tolist()):
            if d in in_graph:
                updates.append(i)
                continue
            if d not in marked:
                new.append(i)
                continue
            try:  # a label removed earlier may still sit in a deleted slot: revive it in place
                graph.unmark_deleted(d)
                updates.append(i)
            except RuntimeError as exc:  # "Label not found": its slot was reused, or it is new
                (updates if "not deleted" in str(exc) else new).append(i)
        live = len(self._in_graph) - len(deletes) + sum(1 for i in updates if int(docs[i]) not in self._in_graph)
        free = graph.element_count - live
        needed = graph.element_count + max(0, len(new) - free)
        if needed > graph.max_elements:
            cap = graph.max_elements
            grown = max(needed, cap + max(self.options.block_size, cap // 2))
            block = max(1, self.options.block_size)
            graph.resize_index(-(-grown // block) * block)
        for d in docs.tolist():  # until _reconcile records them
            marked.add(d)
        for rows, replace in ((updates, False), (new, True)):
            if rows:
                threads = self.build_threads if len(rows) >= PARALLEL_MIN else 1
                graph.add_items(vectors[rows], docs[rows], num_threads=threads, replace_deleted=replace)

    def _reconcile(self, taken: list[tuple[int, int]], deletes: list[int]) -> None:
        """Under _lock (write) and _mutex: record what the graph now holds."""
        for d in deletes:
            self._in_graph.discard(d)
            self._dead.discard(d)
            self._marked.add(d)
        if taken:
            top = max(d for d, _ in taken)
            if top >= len(self._mask):
                grown = np.zeros(max(top + 1, 2 * len(self._mask)), dtype=np.bool_)
                grown[: len(self._mask)] = self._mask
                self._mask = grown
        drained: list[int] = []
        for d, seq in taken:
            self._in_graph.add(d)
            self._marked.discard(d)
            if self._front_seq.get(d) == seq:  # unchanged since taken: the graph holds its vector now
                del self._front_seq[d]
                drained.append(d)
                self._dead.discard(d)
                self._mask[d] = True
            else:  # rewritten or removed meanwhile: the graph's copy is stale
                self._dead.add(d)
                self._mask[d] = False
        self._front.remove_many(drained)
        if not self._front_seq and self._front.memory_bytes() > 1 << 20:
            self._front = self._new_front()  # give a large drained buffer's memory back

    # -- searches (any thread) -----------------------------------------------------------------------
    def _query(self, query: FloatArray) -> FloatArray:
        # Not normalised here for COSINE: hnswlib normalises queries itself, and so does the FlatIndex
        # buffer; only _exact needs the unit vector.
        return check_vector(query, self.options.dim)

    def _ef(self, ef_runtime: int | None, k: int) -> int:
        return max(ef_runtime if ef_runtime is not None else self.options.ef_runtime, k, 1)

    def knn(self, query: FloatArray, k: int, ef_runtime: int | None = None,
            allowed: IdArray | None = None) -> list[tuple[int, float]]:
        if allowed is not None:
            return self.knn_filtered(query, k, allowed, ef_runtime)
        q = self._query(query)
        if k <= 0:
            return []
        ef = self._ef(ef_runtime, k)
        with self._lock.read:
            with self._mutex:
                front = self._front.knn(q, k) if self._front_seq else []
                dead = frozenset(self._dead) if self._dead else _NO_DEAD
                in_graph = len(self._in_graph)
            graph = self._graph_search(q, ef + len(dead), in_graph, None, dead, keep=k + len(dead))
        return _merge(front, graph, k)

    def knn_batch(self, queries: list[FloatArray], k: int, ef_runtime: int | None = None) -> list[list[tuple[int, float]]]:
        """``knn`` for several queries in one hnswlib call (one GIL release for the whole batch)."""
        qs = [self._query(q) for q in queries]
        if k <= 0 or not qs:
            return [[] for _ in qs]
        ef = self._ef(ef_runtime, k)
        with self._lock.read:
            with self._mutex:
                fronts = [self._front.knn(q, k) for q in qs] if self._front_seq else [[] for _ in qs]
                dead = frozenset(self._dead) if self._dead else _NO_DEAD
                in_graph = len(self._in_graph)
            want = min(ef + len(dead), in_graph)
            keep = k + len(dead)
            try:
                labels, dists = self._graph.knn_query(np.stack(qs), k=want, num_threads=1) if want > 0 else ([], [])
            except RuntimeError:  # fewer than asked somewhere (many deletions): one query at a time
                graphs = [self._graph_search(q, ef + len(dead), in_graph, None, dead, keep=keep) for q in qs]
            else:
                graphs = [_row_hits(row_labels, row_dists, keep, dead)
                          for row_labels, row_dists in zip(labels, dists, strict=True)]
        return [_merge(front, graph, k) for front, graph in zip(fronts, graphs, strict=True)]

    def knn_filtered(self, query: FloatArray, k: int, allowed: IdArray, ef_runtime: int | None = None,
                     policy: HybridPolicy | None = None) -> list[tuple[int, float]]:
        """Hybrid KNN: the k nearest among ``allowed``; policy None chooses by selectivity.

        Callers that pass the same ``allowed`` array object again while nothing changed (the search
        commands' filter cache does) get the filter's gathered vectors reused (see subsets.py)."""
        q = self._query(query)
        given = allowed
        allowed = np.asarray(allowed, dtype=np.int64).reshape(-1)
        if k <= 0 or len(allowed) == 0:
            return []
        ef = self._ef(ef_runtime, k)
        with self._lock.read:
            with self._mutex:
                front = self._front.knn(q, k, allowed=allowed) if self._front_seq else []
                live = self._live_among(allowed)
                n_total = len(self._in_graph) - len(self._dead) + len(self._front_seq)
                labels_end = len(self._mask)
                writes = self._writes
            if len(live) == 0:
                graph: list[tuple[int, float]] = []
            else:
                seen, gathered = self._subsets.lookup(given, writes, live) if self.vector_source is not None \
                    else (False, None)
                chosen = policy or choose_policy(len(live), n_total, k, reused=seen)
                if chosen is HybridPolicy.ADHOC_BF:
                    if gathered is None:
                        gathered = self._gather(live)
                        if self.vector_source is not None:
                            self._subsets.store(given, writes, live, *gathered)
                    graph = self._score_exact(q, gathered, k)
                else:
                    graph = self._filtered_search(q, live, k, ef, labels_end)
        return _merge(front, graph, k)

    def range(self, query: FloatArray, radius: float, allowed: IdArray | None = None,
              epsilon: float | None = None) -> list[tuple[int, float]]:
        """Every doc with distance <= radius, closest first. The graph search widens (doubling the
        result count) until its farthest result lies beyond radius * (1 + EPSILON), RediSearch's
        range-search boundary."""
        q = self._query(query)
        eps = self.options.epsilon if epsilon is None else epsilon
        bound = radius + abs(radius) * eps
        with self._lock.read:
            with self._mutex:
                front = self._front.range(q, radius, allowed) if self._front_seq else []
                dead = frozenset(self._dead)
                in_graph = len(self._in_graph)
                labels_end = len(self._mask)
                live = self._live_among(np.asarray(allowed, dtype=np.int64).reshape(-1)) \
                    if allowed is not None else None
            if live is not None and len(live) == 0:
                graph: list[tuple[int, float]] = []
            elif live is not None and choose_policy(len(live), in_graph, 1) is HybridPolicy.ADHOC_BF:
                graph = self._exact(q, live, len(live))
            else:
                limit = in_graph if live is None else len(live)
                want = min(RANGE_START, limit)
                while True:
                    if live is None:
                        graph = self._graph_search(q, want + len(dead), in_graph, None, dead)
                    else:
                        graph = self._filtered_search(q, live, want, want, labels_end)
                    if want >= limit or len(graph) < want or (graph and graph[-1][1] > bound):
                        break
                    want = min(2 * want, limit)
        hits = [(d, dist) for d, dist in graph if dist <= radius]
        return _merge(front, hits, len(front) + len(hits))

    def _live_among(self, allowed: IdArray) -> IdArray:
        """Under _mutex: the allowed ids whose current vector is in the graph."""
        inside = allowed[(allowed >= 0) & (allowed < len(self._mask))]
        live = inside[self._mask[inside]]
        if len(live) > 1 and not bool(np.all(live[1:] > live[:-1])):  # FT.SEARCH passes sorted unique ids
            live = np.unique(live)
        return live

    def _graph_search(self, q: FloatArray, want: int, in_graph: int, allow: bytes | None,
                      dead: frozenset[int], keep: int | None = None) -> list[tuple[int, float]]:
        """Under _lock (read): the ``want`` nearest graph labels (closest first; search width ``want``),
        the first ``keep`` of them, dead ones dropped."""
        want = min(want, in_graph)
        while want > 0:
            try:
                if allow is None:
                    labels, dists = self._graph.knn_query(q, k=want, num_threads=1)
                else:
                    labels, dists = self._graph.knn_query(q, k=want, num_threads=1, filter=allow.__getitem__)
                break
            except RuntimeError:  # hnswlib found fewer than asked (sparse filter, many deletions)
                want //= 2
        else:
            return []
        return _row_hits(labels[0], dists[0], keep, dead)

    def _filtered_search(self, q: FloatArray, live: IdArray, k: int, ef: int,
                         labels_end: int) -> list[tuple[int, float]]:
        """BATCHES: HNSW search that skips labels outside ``live``. The callback is a bytes object's
        __getitem__ (C, no Python frame per visited node) over a mask covering every graph label."""
        mask = np.zeros(labels_end, dtype=np.bool_)
        mask[live] = True
        allow = mask.tobytes()
        want = min(max(ef, k), len(live))
        found = self._graph_search(q, want, want, allow, frozenset(), keep=k)
        if len(found) < min(k, len(live)):  # the walk could not reach enough allowed nodes
            return self._exact(q, live, k)
        return found

    def _exact(self, q: FloatArray, live: IdArray, k: int) -> list[tuple[int, float]]:
        """ADHOC_BF: exact distances to the current vectors of ``live`` (under _lock, read)."""
        return self._score_exact(q, self._gather(live), k)

    def _gather(self, live: IdArray) -> tuple[IdArray, FloatArray]:
        """(ids, vectors ready to score: unit rows for COSINE) of ``live``, read through
        ``vector_source`` when one is installed, else from the graph's stored copies (slow)."""
        source = self.vector_source
        if source is None:
            stored = np.asarray(self._graph.get_items(live), dtype=np.float32).reshape(-1, self.options.dim)
            return live, stored  # hnswlib stores COSINE vectors normalised already
        ids, vectors = source(live)
        if self.options.metric is Metric.COSINE and len(vectors):
            norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))
            np.divide(1.0, norms, out=norms, where=norms > 0)
            vectors = vectors * norms[:, None].astype(np.float32)
        return ids, vectors

    def _score_exact(self, q: FloatArray, gathered: tuple[IdArray, FloatArray], k: int) -> list[tuple[int, float]]:
        ids, vectors = gathered
        if self.options.metric is Metric.COSINE:
            norm = float(np.sqrt(np.dot(q, q)))
            q = q / norm if norm > 0 else q
        dist = _distances(self.options.metric, vectors, q)
        if k < len(dist):
            part = np.argpartition(dist, k - 1)[:k]
        else:
            part = np.arange(len(dist))
        return [(int(ids[i]), float(dist[i])) for i in part]

    def get_vectors(self, doc_ids: IdArray) -> tuple[IdArray, FloatArray]:
        """The stored vectors of the indexed ones among ``doc_ids`` (normalised for COSINE). Graph
        vectors come from hnswlib's get_items (~25 us each): meant for small sets."""
        ids = np.asarray(doc_ids, dtype=np.int64).reshape(-1)
        with self._lock.read:
            with self._mutex:
                front_ids, front_vecs = self._front.get_vectors(ids) if self._front_seq \
                    else (np.zeros(0, np.int64), np.zeros((0, self.options.dim), np.float32))
                live = self._live_among(ids)
            graph_vecs = np.asarray(self._graph.get_items(live), dtype=np.float32) if len(live) \
                else np.zeros((0, self.options.dim), np.float32)
        return np.concatenate([front_ids, live]), np.concatenate([front_vecs, graph_vecs.reshape(-1, self.options.dim)])

    def memory_bytes(self) -> int:
        with self._lock.read:
            graph = self._graph.index_file_size() if self._graph.element_count else 0
            with self._mutex:
                return int(graph + self._front.memory_bytes() + self._mask.nbytes + self._subsets.nbytes
                           + self._in_graph.nbytes + 80 * (len(self._front_seq) + len(self._dead)))

    # -- persistence ---------------------------------------------------------------------------------
    def save_graph(self, path: str | os.PathLike[str], tag: bytes = b"") -> None:
        """Write the graph, the doc ids it covers, these options and ``tag`` to ``path``.

        Layout: magic, header length (u32), header (lengths, "dim|metric|M|efc", tag), ids (int64),
        hnswlib's own index file, CRC32 of everything after the magic. Buffered vectors are inserted
        first; the file is written to a temporary path, fsynced and renamed into place."""
        self.flush()
        target = Path(path)
        tmp = target.with_name(target.name + ".tmp")
        with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
            raw = Path(scratch) / "graph.bin"
            with self._apply_lock, self._lock.read:
                with self._mutex:
                    ids = np.flatnonzero(self._mask).astype(np.int64)
                self._graph.save_index(str(raw))
            header = self._header(tag, len(ids), raw.stat().st_size)
            with open(tmp, "wb") as out, open(raw, "rb") as graph_file:
                out.write(_MAGIC)
                crc = 0
                for chunk in itertools.chain((struct.pack("<I", len(header)), header, ids.tobytes()),
                                             iter(lambda: graph_file.read(1 << 22), b"")):
                    crc = zlib.crc32(chunk, crc)
                    out.write(chunk)
                out.write(struct.pack("<I", crc))
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)

    def _header(self, tag: bytes, n_ids: int, graph_len: int) -> bytes:
        o = self.options
        params = f"{o.dim}|{o.metric.value}|{o.m}|{o.ef_construction}".encode()
        return struct.pack("<HIQQ", len(params), len(tag), n_ids, graph_len) + params + tag

    def load_graph(self, path: str | os.PathLike[str], expected_ids: IdArray | None = None,
                   tag: bytes = b"") -> bool:
        """Load a save_graph file into this empty index; False (nothing changed) if it is unreadable,
        corrupt, built with other options or another ``tag``, or covers other ids than ``expected_ids``."""
        target = Path(path)
        try:
            data = memoryview(target.read_bytes())
        except OSError:
            return False
        if len(data) < 16 or bytes(data[:8]) != _MAGIC:
            return False
        body = data[8:-4]
        if struct.unpack("<I", data[-4:])[0] != zlib.crc32(body):
            return False
        (header_len,) = struct.unpack_from("<I", body, 0)
        header = bytes(body[4:4 + header_len])
        if len(header) < 22:
            return False
        n_ids, graph_len = struct.unpack_from("<QQ", header, 6)
        if header != self._header(tag, n_ids, graph_len) or len(body) != 4 + header_len + 8 * n_ids + graph_len:
            return False
        ids = np.frombuffer(body, dtype=np.int64, count=n_ids, offset=4 + header_len).copy()
        if expected_ids is not None and not same_ids(ids, expected_ids):
            return False
        if len(ids) and (int(ids.min()) < 0 or int(ids.max()) >= MAX_DOC_ID):
            return False
        graph = hnswlib.Index(space=SPACES[self.options.metric], dim=self.options.dim)
        with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
            raw = Path(scratch) / "graph.bin"
            with open(raw, "wb") as f:
                f.write(body[4 + header_len + 8 * n_ids:])
            del data, body
            try:
                graph.load_index(str(raw), max_elements=0, allow_replace_deleted=True)
            except RuntimeError:
                return False
        graph.set_ef(1)
        keep = set(ids.tolist())
        labels = np.asarray(graph.get_ids_list(), dtype=np.int64)
        live: set[int] = set()
        for label in labels.tolist():  # the ids list includes deleted slots: keep the saved live ids
            if label in keep:
                live.add(label)
            else:
                try:
                    graph.mark_deleted(label)
                except RuntimeError:  # already deleted
                    pass
        if live != keep:
            return False
        with self._apply_lock, self._lock.write, self._mutex:
            if self._front_seq or self._in_graph:
                return False
            self._graph = graph
            self._in_graph = LabelSet(live)
            self._marked = LabelSet(label for label in labels.tolist() if label not in live)
            self._dead = set()
            # The filter callback's mask must cover every label, deleted ones included.
            self._mask = np.zeros(max(1024, int(labels.max()) + 1 if len(labels) else 0), dtype=np.bool_)
            self._mask[ids] = True
        return True


def _check_doc_id(doc_id: int) -> int:
    doc_id = int(doc_id)
    if not 0 <= doc_id < MAX_DOC_ID:
        raise ValueError(f"doc id {doc_id} out of range")
    return doc_id


def _distances(metric: Metric, vectors: FloatArray, q: FloatArray) -> FloatArray:
    if metric is Metric.L2:
        diff = vectors - q
        return np.einsum("ij,ij->i", diff, diff)
    return (1.0 - vectors @ q).astype(np.float32)


def _row_hits(labels: np.ndarray, dists: np.ndarray, keep: int | None,
              dead: frozenset[int]) -> list[tuple[int, float]]:
    """One query's row of hnswlib's answer as (doc id, distance) pairs: the first ``keep``, dead dropped."""
    out = zip(labels[:keep].tolist(), dists[:keep].tolist(), strict=True)
    if not dead:
        return list(out)
    return [(d, dist) for d, dist in out if d not in dead]


def _merge(a: list[tuple[int, float]], b: list[tuple[int, float]], k: int) -> list[tuple[int, float]]:
    """Closest first, ties by doc id, each doc once, at most k."""
    if not a:
        merged = b
    elif not b:
        merged = a
    else:
        seen: dict[int, float] = {}
        for d, dist in itertools.chain(a, b):
            if d not in seen or dist < seen[d]:
                seen[d] = dist
        merged = list(seen.items())
    return sorted(merged, key=_BY_DISTANCE_THEN_ID)[:k]
