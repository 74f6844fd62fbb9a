"""Run uvicorn on the application's own event loop (no second loop, no thread): REST and Qdrant listeners.

uvicorn's ``Server.serve`` is used with sockets we bind ourselves (so port 0 works and the bound port is
known) and with its signal capture disabled: the app owns SIGINT/SIGTERM and stops us in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Generator
from typing import Any

import uvicorn

log = logging.getLogger("redvector.http")


class _EmbeddedServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # The application installed its own handlers; uvicorn must not replace them.
        yield


class HttpListener:
    """One uvicorn server serving ``app`` on already-bound sockets."""

    def __init__(self, app: Any, sockets: list[socket.socket], limit_concurrency: int | None = None) -> None:
        self.sockets = sockets
        config = uvicorn.Config(
            app, lifespan="off", log_config=None, access_log=False, log_level="warning",
            http="httptools", loop="none", ws="none", server_header=False, timeout_keep_alive=30,
            limit_concurrency=limit_concurrency,
        )
        self.server = _EmbeddedServer(config)
        self.task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        return int(self.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self.server.serve(sockets=self.sockets))
        # Wait until uvicorn has created its asyncio servers (bound sockets accept already).
        while not self.server.started and not self.task.done():
            await asyncio.sleep(0.005)
        if self.task.done():
            self.task.result()

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            try:
                await asyncio.wait_for(self.task, 10)
            except (TimeoutError, asyncio.CancelledError):
                self.task.cancel()
            except Exception:
                log.exception("error while stopping the HTTP listener")
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()


def bind_socket(host: str, port: int, backlog: int = 511) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    try:
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    sock.set_inheritable(True)
    return sock
