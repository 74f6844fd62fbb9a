"""Concurrent KNN searches on one vector index, batched: one thread hand-off for many clients' queries.

When several connections search at once, KNN searches go to worker threads so that hnswlib (which
releases the GIL) can use other cores. Handing each query over on its own costs a queue hand-off, the
GIL taken back after the search and a wake-up of the event loop per query. A batcher collects the
unfiltered KNN requests that arrive during one event-loop iteration and sends them to a worker thread
together: hnswlib searches the batch in one call with the GIL released, and one callback on the loop hands
every client its result. Requests that arrive while a batch runs form the next batch, which runs beside
it. Queries group by (k, EF_RUNTIME); each request still checks on the loop that the index did not change
meanwhile (queries.run_compiled). Measured with 8 clients on 20k vectors (2 vCPUs shared with the
clients): batches of 3.1 queries on average; over three alternating runs ~10% more QPS than one
hand-off per query (2,244 vs 2,015 on average, the runs themselves spread by +-15%).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from redvector.search.index import SearchIndex
from redvector.search.vector.base import FloatArray, VectorIndex

Hits = list[tuple[int, float]]

# Queries per batch at most (a larger backlog is split): bounds one batch's latency.
MAX_BATCH = 64


class KnnBatcher:
    """Pending unfiltered KNN requests of one vector index, searched together in a worker thread."""

    def __init__(self, vindex: VectorIndex, search_batch: Callable[[list[FloatArray], int, int | None], list[Hits]]) -> None:
        self.vindex = vindex
        self._search_batch = search_batch
        self._pending: list[tuple[FloatArray, int, int | None, asyncio.Future[Hits | None]]] = []

    def submit(self, query: FloatArray, k: int, ef: int | None) -> asyncio.Future[Hits | None]:
        """A future of this query's hits (None if the search failed); the batch goes to a thread once the
        loop's current work is done."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Hits | None] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._flush)
        self._pending.append((query, k, ef, future))
        return future

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        loop = asyncio.get_running_loop()
        for start in range(0, len(pending), MAX_BATCH):
            batch = pending[start:start + MAX_BATCH]
            job = loop.run_in_executor(None, self._run, batch)
            job.add_done_callback(lambda done, batch=batch: _deliver(batch, done))  # type: ignore[misc]

    def _run(self, batch: list[tuple[FloatArray, int, int | None, Any]]) -> list[Hits]:
        """In the worker thread: every query's hits, in batch order (one hnswlib call per (k, ef))."""
        results: list[Hits] = [[] for _ in batch]
        groups: dict[tuple[int, int | None], list[int]] = {}
        for i, (_, k, ef, _) in enumerate(batch):
            groups.setdefault((k, ef), []).append(i)
        for (k, ef), rows in groups.items():
            for i, hits in zip(rows, self._search_batch([batch[i][0] for i in rows], k, ef), strict=True):
                results[i] = hits
        return results


def _deliver(batch: list[tuple[FloatArray, int, int | None, asyncio.Future[Hits | None]]],
             done: asyncio.Future[list[Hits]]) -> None:
    """On the loop: each request's hits; None for all when the batch failed (a write raced the search:
    the requests recompute on the loop, as a failed single search does)."""
    results = None if done.cancelled() or done.exception() is not None else done.result()
    for i, (_, _, _, future) in enumerate(batch):
        if not future.done():
            future.set_result(None if results is None else results[i])


def batcher_for(index: SearchIndex, field: bytes, vindex: VectorIndex) -> KnnBatcher | None:
    """The index field's batcher, None when its vector index cannot search in batches (FLAT)."""
    batchers: dict[bytes, KnnBatcher] = index.knn_batchers
    batcher = batchers.get(field)
    if batcher is not None and batcher.vindex is vindex:
        return batcher
    search_batch = getattr(vindex, "knn_batch", None)
    if search_batch is None:
        return None
    batcher = batchers[field] = KnnBatcher(vindex, search_batch)
    return batcher
