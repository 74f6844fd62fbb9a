"""The search routes served straight from ASGI, in front of Starlette (the REST hot path).

``POST /api/collections/{name}/search``, ``POST /collections/{name}/points/search`` and
``POST /collections/{name}/points/query`` are answered here without Starlette's routing (a regex per route
until one matches), Request and Response objects and the middleware coroutine chain: the same service
calls, auth check, body limit, JSON parsing, error bodies, metrics and ``appendfsync always`` wait as the
Starlette routes, which still serve every other path (and these paths for other methods).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from redvector.errors import PayloadTooLarge
from redvector.protocol.http.common import dump_json, parse_json
from redvector.protocol.http.errors import product_error, qdrant_error
from redvector.service import VectorAPI
from redvector.service.auth import check_key, required_keys

# (api, collection name, body) -> the route's result value
Action = Callable[[VectorAPI, str, Any], Any]
JSON_HEADERS = [(b"content-type", b"application/json")]


def _product_search(api: VectorAPI, name: str, body: Any) -> Any:
    return api.product.search_body(name, body)


def _qdrant_search(api: VectorAPI, name: str, body: Any) -> Any:
    return api.qdrant.search(name, body)


def _qdrant_query(api: VectorAPI, name: str, body: Any) -> Any:
    return api.qdrant.query(name, body)


class FastSearch:
    """ASGI middleware: the search routes above, anything else to ``app``.

    ``qdrant_only``: the Qdrant port serves the Qdrant routes only (no ``/api/...``)."""

    def __init__(self, app: Any, api: VectorAPI, qdrant_only: bool = False) -> None:
        self.app = app
        self.api = api
        self.config = api.server.config
        self.qdrant_only = qdrant_only

    def _route(self, path: str) -> tuple[Action, str, bool] | None:
        """(action, collection name, Qdrant envelope) for a fast path, else None (Starlette decides)."""
        # Qdrant trims trailing slashes (TrimSlashes does it for the Starlette routes).
        parts = path.rstrip("/").split("/") if len(path) > 1 else []
        if len(parts) != 5 or parts[0] or not parts[3]:
            return None
        if parts[1] == "collections" and parts[3] == "points" and parts[2]:
            if parts[4] == "search":
                return _qdrant_search, parts[2], True
            if parts[4] == "query":
                return _qdrant_query, parts[2], True
            return None
        if (parts[1] == "api" and parts[2] == "collections" and parts[4] == "search" and not self.qdrant_only):
            return _product_search, parts[3], False
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        route = self._route(scope["path"])
        if route is None:
            await self.app(scope, receive, send)
            return
        action, name, qdrant = route
        started = time.perf_counter()
        try:
            if required_keys(self.config):
                check_key(self.config, _headers(scope))
            body = parse_json(await _read_body(scope, receive, int(self.config["max-request-body"])))
            result = action(self.api, name, body)
        except Exception as exc:
            response = qdrant_error(exc, started) if qdrant else product_error(exc)
            await self._durable()
            await response(scope, receive, send)
            return
        elapsed = time.perf_counter() - started
        self.api.metrics.observe_search("rest", elapsed)
        payload = dump_json({"result": result, "status": "ok", "time": elapsed} if qdrant else result)
        await self._durable()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*JSON_HEADERS, (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})

    async def _durable(self) -> None:
        """appendfsync always: answer once the AOF writes made so far are fsynced (as DurableReplies)."""
        durable: Callable[[], Awaitable[None]] | None = self.api.server.extensions.get("aof_durable")
        if durable is not None:
            await durable()


def _headers(scope: Scope) -> dict[str, str]:
    """The request headers by lower-case name (the first of repeated ones, as Starlette's Headers.get)."""
    out: dict[str, str] = {}
    for k, v in scope["headers"]:
        out.setdefault(k.decode("latin-1"), v.decode("latin-1"))
    return out


async def _read_body(scope: Scope, receive: Receive, limit_bytes: int) -> bytes:
    """The whole request body, refusing one over ``max-request-body`` (read_json's rule and message)."""
    too_large = f"Payload too large: the request body exceeds {limit_bytes} bytes (max-request-body)"
    for key, value in scope["headers"]:
        if key == b"content-length" and value.isdigit() and int(value) > limit_bytes:
            raise PayloadTooLarge(too_large)
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] != "http.request":  # the client went away
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit_bytes:
            raise PayloadTooLarge(too_large)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


__all__ = ["FastSearch"]
