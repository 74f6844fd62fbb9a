"""Test helpers: run a real RedVector in a background thread (ports picked by the OS) or as a subprocess."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from redvector.app import App, serve
from redvector.config import Config


class ThreadedServer:
    """A RedVector running on its own event loop in a daemon thread."""

    def __init__(self, overrides: dict[str, str] | None = None) -> None:
        # gc-mode default: the test process's collector is left as CPython sets it.
        values = {"appendonly": "no", "save": "", "dir": "/tmp/redvector-test", "gc-mode": "default"}
        values.update(overrides or {})
        self.config = Config(values)
        self.app: App | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="redvector-test-server")

    def start(self) -> ThreadedServer:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("server did not start")
        if self._error is not None:
            raise RuntimeError("server failed to start") from self._error
        return self

    def _run(self) -> None:
        try:
            import uvloop

            loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
        except ImportError:
            loop = asyncio.new_event_loop()
        self.loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # surfaced to start()
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        async with serve(self.config, ephemeral_ports=True) as app:
            self.app = app
            self._ready.set()
            await self._stop.wait()

    @property
    def port(self) -> int:
        assert self.app is not None
        return self.app.ports["resp"]

    def ports(self) -> dict[str, int]:
        assert self.app is not None
        return dict(self.app.ports)

    def call(self, fn: Any, *args: Any) -> Any:
        """Run fn(*args) on the server's loop thread and return its result (for white-box checks)."""
        assert self.loop is not None
        fut = asyncio.run_coroutine_threadsafe(_as_coro(fn, *args), self.loop)
        return fut.result(10)

    def stop(self) -> None:
        if self.loop is not None and self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


async def _as_coro(fn: Any, *args: Any) -> Any:
    return fn(*args)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def subprocess_server(args: list[str], cwd: Path | None = None, port: int | None = None,
                      timeout: float = 30.0) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """Start ``python -m redvector --port P ARGS`` and wait until it answers PING."""
    port = port or free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen(
        # The other listeners are off unless the test turns them on (later flags win, as in redis-server).
        [sys.executable, "-m", "redvector", "--port", str(port), "--rest-port", "0", "--grpc-port", "0",
         "--qdrant-port", "0", "--qdrant-grpc-port", "0", *args],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_ping(port, timeout, proc)
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_for_ping(port: int, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise RuntimeError(f"server exited with {proc.returncode}: {out}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not answer PING within {timeout}s")


@contextmanager
def reference_redis() -> Iterator[int]:
    """A throwaway Debian ``redis-server`` (no persistence) on a free port, for differential tests;
    the calling test is skipped when redis-server is not installed. Yields the port."""
    import pytest

    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_ping(port, 10)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def resp_pack(args: list[bytes]) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%b\r\n" % (len(a), a) for a in args)


class RawClient:
    """A RESP connection that returns each reply as its raw bytes (byte-for-byte differential tests)."""

    def __init__(self, port: int, proto: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        self.sock.sendall(resp_pack([b"HELLO", b"%d" % proto]))
        self.read_reply()

    def _recv(self) -> None:
        data = self.sock.recv(65536)
        if not data:  # the server closed the connection (it may have crashed): fail, not spin
            raise ConnectionError("connection closed by the server")
        self.buf += data

    def read_line(self) -> bytes:
        while b"\r\n" not in self.buf:
            self._recv()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line + b"\r\n"

    def read_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._recv()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_reply(self) -> bytes:
        line = self.read_line()
        kind, rest = line[:1], line[1:-2]
        if kind in (b"$", b"=", b"!") and rest != b"-1":
            return line + self.read_exact(int(rest) + 2)
        if kind in (b"*", b"~", b">") and rest != b"-1":
            return line + b"".join(self.read_reply() for _ in range(int(rest)))
        if kind == b"%":
            return line + b"".join(self.read_reply() for _ in range(2 * int(rest)))
        return line

    def call(self, args: list[bytes]) -> bytes:
        self.sock.sendall(resp_pack(args))
        return self.read_reply()

    def close(self) -> None:
        self.sock.close()


def assert_same_raw_replies(ours_port: int, reference_port: int, protocol: int, commands: list[list[bytes]],
                            setup: list[list[bytes]] | None = None) -> None:
    """Run ``setup`` (default: FLUSHALL) on both servers, then each command on both: every reply byte for
    byte the reference's (the differences listed when not)."""
    ours, theirs = RawClient(ours_port, protocol), RawClient(reference_port, protocol)
    try:
        for client in (ours, theirs):
            for cmd in setup if setup is not None else [[b"FLUSHALL"]]:
                client.call(cmd)
        mismatches = [(cmd, mine, ref) for cmd in commands if (mine := ours.call(cmd)) != (ref := theirs.call(cmd))]
    finally:
        ours.close()
        theirs.close()
    assert not mismatches, "\n".join(f"{cmd}: ours {mine!r} != reference {ref!r}" for cmd, mine, ref in mismatches)
