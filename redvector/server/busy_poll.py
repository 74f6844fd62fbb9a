"""Busy polling: after a request, the event loop keeps polling its sockets for a short window instead of
sleeping in epoll_wait.

A request-reply client (one query, wait, the next query) sends its next request tens of microseconds
after our reply lands. If the loop has gone to sleep by then, the kernel must wake it: on a VM that
costs ~50-100 us per request, comparable to the whole of a small command's work. While a callback is
scheduled, the loop polls with a zero timeout, so for ``busy-poll-us`` microseconds after the last
request a callback that reschedules itself keeps the loop awake and the next request is read at once
(the idea of Linux's SO_BUSY_POLL and of Seastar's and DPDK's polling reactors, scaled down to a window).

The cost is CPU while the window is open: at most ``busy-poll-us`` per request, nothing once the server
is idle (a request every millisecond with the default 100 us window: 10% of a core). Polling is held off
while RESP requests run in worker threads (deferred KNN searches and scans: they need the GIL and the
core), and while several clients take turns (requests from different connections less than CROWD_NS
apart): the loop then rarely sleeps anyway, and on a machine whose cores the clients share, every
polled microsecond is taken from them (8 clients on 2 cores lost ~10% of their throughput).
``CONFIG SET busy-poll-us 0`` turns it off.
"""

from __future__ import annotations

import asyncio
import time

from redvector.config import Config

CROWD_NS = 1_000_000  # requests of two connections this close: several clients are active
CROWD_HOLD_NS = 50_000_000  # ... and no polling for this long after

class BusyPoll:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.last_request_ns = 0
        self.last_client = 0
        self.crowded_until_ns = 0
        self.window_ns = 0
        self.polling = False
        self.workers_busy = 0  # RESP requests running in worker threads
        self._loop: asyncio.AbstractEventLoop | None = None

    def after_request(self, client_id: int) -> None:
        """Connection ``client_id`` has just handled what it read: keep polling for the next request."""
        now = time.perf_counter_ns()
        if client_id != self.last_client:
            if now - self.last_request_ns < CROWD_NS:
                self.crowded_until_ns = now + CROWD_HOLD_NS
            self.last_client = client_id
        self.last_request_ns = now
        if self.polling or self.workers_busy or now < self.crowded_until_ns:
            return
        window_us = int(self.config["busy-poll-us"])
        if window_us <= 0:
            return
        try:
            loop = self._loop = asyncio.get_running_loop()
        except RuntimeError:  # driven outside an event loop (in-process benchmarks): nothing to poll
            return
        self.window_ns = window_us * 1000
        self.polling = True
        loop.call_soon(self._poll)

    def _poll(self) -> None:
        now = time.perf_counter_ns()
        if not self.workers_busy and now - self.last_request_ns < self.window_ns and now >= self.crowded_until_ns:
            assert self._loop is not None
            self._loop.call_soon(self._poll)
        else:
            self.polling = False
