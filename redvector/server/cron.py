"""Periodic work (Redis's serverCron): active expiry sampling, idle client timeouts, the ops/sec
meter, and registered per-tick jobs."""

from __future__ import annotations

import asyncio
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


class Cron:
    """Runs every 1/hz seconds: active expiry, client timeouts, then each job registered with ``every_tick``."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.jobs: list[Callable[[], None]] = []
        self._task: asyncio.Task[None] | None = None
        self.ops = OpsMeter()
        server.extensions["ops_per_sec"] = self.ops.ops_per_sec
        self._next_timeout_check = 0.0

    def every_tick(self, job: Callable[[], None]) -> None:
        self.jobs.append(job)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
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
        for job in self.jobs:
            job()

    def close_idle_clients(self) -> int:
        """The ``timeout`` directive: close clients idle longer than it (not blocked or subscribed ones)."""
        timeout_s = int(self.server.config["timeout"])
        if timeout_s <= 0:
            return 0
        now = time.time()
        idle = [c for c in self.server.clients.values()
                if not c.internal and not c.blocked_on and not c.subscription_count
                and now - c.last_interaction > timeout_s]
        for client in idle:
            log.info("closing idle client %d (%s)", client.id, client.addr)
            client.kill()
        return len(idle)
