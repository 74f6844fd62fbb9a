"""RedVector's own REST routes: /health, /api/info, /api/collections/... (bodies: service.product)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from redvector import __version__
from redvector.errors import AlreadyExists
from redvector.protocol.http.common import FastJSON, check_auth, query_flag, read_json
from redvector.protocol.http.errors import product_error
from redvector.service import VectorAPI
from redvector.service.ids import parse_product_id
from redvector.service.product import parse_csv_vector

Endpoint = Callable[[Request], Awaitable[Response]]
Action = Callable[[VectorAPI, Request, Any], Any]


def _endpoint(api: VectorAPI, action: Action, with_body: bool, status: int = 200,
              search: bool = False) -> Endpoint:
    config = api.server.config
    metrics = api.metrics

    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        try:
            check_auth(request, config)
            body = await read_json(request, int(config["max-request-body"])) if with_body else None
            result = action(api, request, body)
        except Exception as exc:
            return product_error(exc)
        if search:
            metrics.observe_search("rest", time.perf_counter() - started)
        if isinstance(result, tuple):
            result, status_code = result
            return FastJSON(result, status_code=status_code)
        return FastJSON(result, status_code=status)

    return endpoint


def _name(request: Request) -> str:
    return str(request.path_params["name"])


def _point_id(request: Request) -> Any:
    # Canonical decimals are integer ids, anything else (including "007") a string id, as in keys.
    return parse_product_id(str(request.path_params["id"]))


def _create(api: VectorAPI, request: Request, body: Any) -> Any:
    info, created = api.product.create(_name(request), body)
    if not created:
        raise AlreadyExists(f"Collection `{_name(request)}` already exists")
    return info, 201


def _search_get(api: VectorAPI, request: Request, body: Any) -> Any:
    params = request.query_params
    return api.product.search(_name(request), parse_csv_vector(params.get("vector")), params.get("limit"),
                              with_payload=query_flag(request, "with_payload", True),
                              with_vector=query_flag(request, "with_vector", False))


def _info(api: VectorAPI, request: Request, body: Any) -> Any:
    server = api.server
    return {
        "name": "RedVector",
        "version": __version__,
        "protocols": {"resp": True, "rest": True, "grpc": bool(server.config["grpc-port"]),
                      "qdrant_rest": bool(server.config["qdrant-port"]),
                      "qdrant_grpc": bool(server.config["qdrant-grpc-port"])},
        "ports": dict(server.ports),
        "collections": len(api.collections.names()),
        "keys": sum(len(db) for db in server.databases),
        "uptime_s": int(time.time() - server.stats.start_time),
        "qdrant_compatible_version": api.qdrant_version,
    }


def product_routes(api: VectorAPI) -> list[Route]:
    p = api.product

    def r(path: str, methods: list[str], action: Action, with_body: bool = False, status: int = 200,
          search: bool = False) -> Route:
        return Route(path, _endpoint(api, action, with_body, status, search), methods=methods)

    return [
        r("/health", ["GET"], lambda a, rq, b: {"status": "ok"}),
        r("/api/info", ["GET"], _info),
        r("/api/collections", ["GET"], lambda a, rq, b: p.list_all()),
        r("/api/collections/{name}", ["POST"], _create, with_body=True),
        r("/api/collections/{name}", ["GET"], lambda a, rq, b: p.info(_name(rq))),
        r("/api/collections/{name}", ["DELETE"], lambda a, rq, b: p.delete(_name(rq))),
        r("/api/collections/{name}/points", ["POST", "PUT"], lambda a, rq, b: p.upsert(_name(rq), b), True),
        r("/api/collections/{name}/search", ["GET"], _search_get, search=True),
        r("/api/collections/{name}/search", ["POST"], lambda a, rq, b: p.search_body(_name(rq), b), True,
          search=True),
        r("/api/collections/{name}/points/{id}", ["GET"], lambda a, rq, b: p.get_point(_name(rq), _point_id(rq))),
        r("/api/collections/{name}/points/{id}", ["DELETE"],
          lambda a, rq, b: p.delete_point(_name(rq), _point_id(rq))),
    ]
