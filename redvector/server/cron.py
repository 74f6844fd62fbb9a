"""Periodic work (Redis's serverCron): active expiry sampling and registered per-tick jobs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from redvector.server.server import Server

log = logging.getLogger("redvector.cron")


class Cron:
    """Runs every 1/hz seconds: active expiry, then each job registered with ``every_tick``."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.jobs: list[Callable[[], None]] = []
        self._task: asyncio.Task[None] | None = None

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
                self.server.active_expire_cycle(budget_ms=250 / hz)
                if self.server.blocking.ready:
                    self.server.blocking.serve_ready()
                for job in self.jobs:
                    job()
            except Exception:
                log.exception("cron job failed")
