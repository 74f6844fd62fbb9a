"""BusyPoll's rules on a real event loop: it polls after a request, stops after the window, and stays off
while worker threads run or while several connections take turns."""

from __future__ import annotations

import asyncio

from redvector.config import Config
from redvector.server.busy_poll import BusyPoll


def _poller(window_us: int) -> BusyPoll:
    config = Config()
    config.set("busy-poll-us", str(window_us))
    return BusyPoll(config)


async def _turns(poll: BusyPoll, n: int = 5) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def test_polls_for_the_window_then_stops() -> None:
    async def main() -> None:
        poll = _poller(50_000)
        poll.after_request(1)
        await _turns(poll)
        assert poll.polling
        await asyncio.sleep(0.08)
        assert not poll.polling

    asyncio.run(main())


def test_off_when_zero_or_workers_busy() -> None:
    async def main() -> None:
        off = _poller(0)
        off.after_request(1)
        assert not off.polling
        busy = _poller(50_000)
        busy.workers_busy = 1
        busy.after_request(1)
        assert not busy.polling

    asyncio.run(main())


def test_several_connections_taking_turns_stop_it() -> None:
    async def main() -> None:
        poll = _poller(1_000_000)
        poll.after_request(1)
        await _turns(poll)
        assert poll.polling
        poll.after_request(2)  # another connection within CROWD_NS
        await _turns(poll)
        assert not poll.polling
        poll.after_request(1)  # still within the hold
        assert not poll.polling

    asyncio.run(main())
