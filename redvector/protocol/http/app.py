"""The Starlette applications: the REST port (product routes + Qdrant routes + docs, metrics, OpenAPI) and
the Qdrant port (Qdrant routes only, with the JSON version document at GET /)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from redvector import __version__
from redvector.protocol.http.common import FastJSON, check_auth
from redvector.protocol.http.docs import docs_page
from redvector.protocol.http.errors import product_error
from redvector.protocol.http.fast import FastSearch
from redvector.protocol.http.openapi import openapi_document
from redvector.protocol.http.product_routes import product_routes
from redvector.protocol.http.qdrant_routes import qdrant_routes
from redvector.service import VectorAPI
from redvector.service.qdrant import version_document


class TrimSlashes:
    """Qdrant trims trailing slashes from paths (actix NormalizePath::trim); Starlette would redirect."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if len(path) > 1 and path.endswith("/"):
                scope = dict(scope)
                scope["path"] = path.rstrip("/") or "/"
        await self.app(scope, receive, send)


class DurableReplies:
    """appendfsync always: a response starts only once the AOF writes made for it are fsynced."""

    def __init__(self, app: Any, server: Any) -> None:
        self.app = app
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        server = self.server

        async def send_when_durable(message: Any) -> None:
            if message["type"] == "http.response.start":
                durable = server.extensions.get("aof_durable")
                if durable is not None:
                    await durable()
            await send(message)

        await self.app(scope, receive, send_when_durable)


def wants_version_json(request: Request) -> bool:
    """qdrant-client reads GET / as JSON: answer it the version document, browsers the HTML page."""
    if request.headers.get("user-agent", "").startswith("python-client/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def rest_app(api: VectorAPI) -> Any:
    config = api.server.config

    async def root(request: Request) -> Response:
        if wants_version_json(request):
            return FastJSON(version_document(api.qdrant_version))
        return HTMLResponse(docs_page(__version__, int(api.server.ports.get("rest", config["rest-port"]))))

    async def metrics(request: Request) -> Response:
        try:
            check_auth(request, config)
        except Exception as exc:
            return product_error(exc)
        return Response(generate_latest(api.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    async def openapi(request: Request) -> Response:
        return FastJSON(openapi_document())

    routes = [
        Route("/", root, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        *product_routes(api),
        *qdrant_routes(api, version_at_root=False),
    ]
    return FastSearch(DurableReplies(TrimSlashes(Starlette(routes=routes)), api.server), api)


def qdrant_app(api: VectorAPI) -> Any:
    app = DurableReplies(TrimSlashes(Starlette(routes=qdrant_routes(api, version_at_root=True))), api.server)
    return FastSearch(app, api, qdrant_only=True)
