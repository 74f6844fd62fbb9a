"""Periodic work (Redis's serverCron): active expiry sampling, idle client timeouts, the ops/sec
meter, and registered per-tick jobs."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections import deque
from collections.abc import Callable

from redvector.server.server import Server

log = logging.getLogger("redvector.cron")

OPS_SAMPLES = 16  # Redis's STATS_METRIC_SAMPLES: instantaneous_ops_per_sec averages this many samples
OPS_SAMPLE_INTERVAL_S = 0.1


class OpsMeter:
    """instantaneous_ops_per_sec: commands per second over the last 16 samples taken every 100 ms."""

    def __init__(self) -> None:
        self.samples: deque[float] = deque(maxlen=OPS_SAMPLES)
        self._last_time = time.monotonic()
        self._last_count = 0

    def sample(self, total_commands: int, now: float) -> None:
        elapsed = now - self._last_time
        if elapsed < OPS_SAMPLE_INTERVAL_S:
            return
        self.samples.append((total_commands - self._last_count) / elapsed)
        self._last_time, self._last_count = now, total_commands

    def ops_per_sec(self) -> int:
        return int(sum(self.samples) / len(self.samples)) if self.samples else 0


class GcPolicy:
    """``gc-mode tuned``: keep CPython's cyclic collector from pausing the server on a large dataset.

    A full (generation 2) collection walks every tracked container, so with millions of hashes, sets or
    lists it stalls the event loop for tens of milliseconds. Tuned mode sets the generation-2 threshold
    out of reach (no automatic full collection) and once a second runs a young collection and freezes
    what survives (gc.freeze moves it to the permanent generation, which no collection walks). Per-key
    values hold no reference cycles, so refcounting alone frees them; cycles among long-lived objects
    would stay until a manual gc.collect(), the price of the bound on pauses.
    """

    FREEZE_INTERVAL_S = 1.0
    GEN2_THRESHOLD_OFF = 1 << 30

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self._defaults = gc.get_threshold()
        self._next_freeze = 0.0
        # INFO memory: collections seen and their pauses (every collection, automatic or not).
        self.collections = 0
        self.pause_total_s = 0.0
        self.pause_max_s = 0.0
        self._started_at = 0.0

    def start(self) -> None:
        gc.callbacks.append(self._observe)
        if self.mode == "tuned":
            gen0, gen1, _ = self._defaults
            gc.set_threshold(gen0, gen1, self.GEN2_THRESHOLD_OFF)

    def stop(self) -> None:
        if self._observe in gc.callbacks:
            gc.callbacks.remove(self._observe)
        if self.mode == "tuned":
            gc.set_threshold(*self._defaults)

    def reset(self) -> None:
        """CONFIG RESETSTAT (and the end of startup): forget the pauses seen so far."""
        self.collections = 0
        self.pause_total_s = 0.0
        self.pause_max_s = 0.0

    def _observe(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started_at = time.perf_counter()
            return
        pause = time.perf_counter() - self._started_at
        self.collections += 1
        self.pause_total_s += pause
        self.pause_max_s = max(self.pause_max_s, pause)

    def info(self) -> list[tuple[str, object]]:
        return [("gc_mode", self.mode), ("gc_collections", self.collections),
                ("gc_pause_total_ms", f"{self.pause_total_s * 1000:.3f}"),
                ("gc_pause_max_ms", f"{self.pause_max_s * 1000:.3f}"),
                ("gc_frozen_objects", gc.get_freeze_count())]

    def tick(self, now: float) -> None:
        if self.mode != "tuned" or now < self._next_freeze:
            return
        self._next_freeze = now + self.FREEZE_INTERVAL_S
        gc.collect(1)
        gc.freeze()


class Cron:
    """Runs every 1/hz seconds: active expiry, client timeouts, then each job registered with ``every_tick``."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.jobs: list[Callable[[], None]] = []
        self._task: asyncio.Task[None] | None = None
        self.ops = OpsMeter()
        server.extensions["ops_per_sec"] = self.ops.ops_per_sec
        self._next_timeout_check = 0.0
        self.gc = GcPolicy(str(server.config["gc-mode"]))
        server.extensions["gc_info"] = self.gc.info
        server.extensions["gc_reset"] = self.gc.reset
        self._first_tick = True

    def every_tick(self, job: Callable[[], None]) -> None:
        self.jobs.append(job)

    def start(self) -> None:
        self.gc.start()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        self.gc.stop()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        while True:
            hz = max(1, min(500, int(self.server.config["hz"])))
            await asyncio.sleep(1 / hz)
            try:
                self.tick(hz)
            except Exception:
                log.exception("cron job failed")

    def tick(self, hz: int) -> None:
        server = self.server
        now = time.monotonic()
        if self._first_tick:
            self._first_tick = False
            self.gc.reset()  # the startup collection (App.start) is not a pause any client saw
        self.ops.sample(server.stats.total_commands, now)
        # Redis does not expire keys actively while clients are paused (the dataset must stay still).
        paused = server.paused_until_ms > int(time.time() * 1000)
        if server.extensions.get("active_expire_enabled", True) and not paused:
            server.active_expire_cycle(budget_ms=250 / hz)
        if server.blocking.ready:
            server.blocking.serve_ready()
        if now >= self._next_timeout_check:
            self._next_timeout_check = now + 1.0
            self.close_idle_clients()
        self.gc.tick(now)
        for job in self.jobs:
            job()

    def close_idle_clients(self) -> int:
        """The ``timeout`` directive: close clients idle longer than it (not blocked or subscribed ones)."""
        timeout_s = int(self.server.config["timeout"])
        if timeout_s <= 0:
            return 0
        now = time.time()
        idle = [c for c in self.server.clients.values()
                if not c.internal and not c.blocked_on and not c.subscription_count and not c.flags
                and now - c.last_interaction > timeout_s]
        for client in idle:
            log.info("closing idle client %d (%s)", client.id, client.addr)
            client.kill()
        return len(idle)
