"""REST: RedVector's own API, the Qdrant-compatible API, metrics and docs (Starlette on uvicorn)."""

from __future__ import annotations

import contextlib
import socket

from redvector.protocol.http.app import qdrant_app, rest_app
from redvector.protocol.http.server import HttpListener, bind_socket
from redvector.service import VectorAPI


async def start_http(api: VectorAPI, which: str, hosts: list[tuple[str, bool]], port: int) -> HttpListener | None:
    """Bind ``port`` (0: the OS picks one, shared by every host) on each host and start serving.
    ``which``: "rest" (product + Qdrant routes) or "qdrant" (Qdrant routes, JSON version at /)."""
    sockets: list[socket.socket] = []
    try:
        for host, optional in hosts:
            try:
                sockets.append(bind_socket(host, port))
            except OSError:
                if optional:
                    continue
                raise
            port = port or int(sockets[0].getsockname()[1])
    except BaseException:
        for s in sockets:
            with contextlib.suppress(OSError):
                s.close()
        raise
    if not sockets:
        return None
    app = rest_app(api) if which == "rest" else qdrant_app(api)
    listener = HttpListener(app, sockets)
    await listener.start()
    return listener


__all__ = ["HttpListener", "start_http"]
