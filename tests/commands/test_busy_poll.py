"""busy-poll-us (server/busy_poll.py): after a request the event loop keeps polling for the window, then
stops; the process is idle again once requests stop. Measured as the server process's own CPU time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.serverutil import subprocess_server

TICKS = 100  # os.sysconf("SC_CLK_TCK") on Linux


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def cpu_over(pid: int, seconds: float) -> float:
    before = cpu_seconds(pid)
    time.sleep(seconds)
    return cpu_seconds(pid) - before


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[int, int]]:  # (pid, port)
    args = ["--appendonly", "no", "--save", "", "--rest-port", "0", "--grpc-port", "0", "--qdrant-port", "0",
            "--qdrant-grpc-port", "0"]
    with subprocess_server(args) as (proc, port):
        yield proc.pid, port


def test_config_directive(server: tuple[int, int]) -> None:
    r = redis.Redis(port=server[1], protocol=2)
    assert r.config_get("busy-poll-us") == {"busy-poll-us": "100"}
    assert r.config_set("busy-poll-us", "0")
    assert r.config_get("busy-poll-us") == {"busy-poll-us": "0"}
    for bad in ("-1", "1000001", "x"):
        with pytest.raises(redis.ResponseError, match="CONFIG SET failed"):
            r.config_set("busy-poll-us", bad)
    assert r.config_set("busy-poll-us", "100")


def test_window_keeps_the_loop_polling_then_stops(server: tuple[int, int]) -> None:
    pid, port = server
    r = redis.Redis(port=port, protocol=2)
    try:
        r.config_set("busy-poll-us", "0")
        r.ping()
        idle_off = cpu_over(pid, 0.6)
        r.config_set("busy-poll-us", "1000000")  # one second of polling after each request
        r.ping()
        polling = cpu_over(pid, 0.6)
        time.sleep(0.6)  # the window has closed
        idle_after = cpu_over(pid, 0.6)
    finally:
        r.config_set("busy-poll-us", "100")
    assert idle_off < 0.1, idle_off
    assert polling > 0.25, polling  # the loop spun for the whole interval (0.6 s of a core when unshared)
    assert idle_after < 0.1, idle_after


def test_default_window_leaves_an_idle_server_idle(server: tuple[int, int]) -> None:
    pid, port = server
    r = redis.Redis(port=port, protocol=2)
    for _ in range(2000):
        r.ping()
    assert cpu_over(pid, 1.0) < 0.1
