"""The Qdrant-compatible REST routes (qdrant.md §3): extract, call service.qdrant, wrap in Qdrant's envelope.

Literal paths (scroll, count, query, ...) are registered before ``points/{id}``, as Qdrant's router does.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from redvector.errors import BadRequest
from redvector.protocol.http.common import FastJSON, check_auth, query_flag, read_json
from redvector.protocol.http.errors import qdrant_error
from redvector.service import VectorAPI
from redvector.service.ids import parse_path_id
from redvector.service.qdrant import version_document

Endpoint = Callable[[Request], Awaitable[Response]]
# (api, request, body) -> result value
Action = Callable[[VectorAPI, Request, Any], Any]


def _endpoint(api: VectorAPI, action: Action, with_body: bool, search: bool = False) -> Endpoint:
    config = api.server.config
    metrics = api.metrics

    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        try:
            check_auth(request, config)
            body = await read_json(request, int(config["max-request-body"])) if with_body else None
            result = action(api, request, body)
        except Exception as exc:
            return qdrant_error(exc, started)
        elapsed = time.perf_counter() - started
        if search:
            metrics.observe_search("rest", elapsed)
        return FastJSON({"result": result, "status": "ok", "time": elapsed})

    return endpoint


def _name(request: Request) -> str:
    return str(request.path_params["name"])


def _wait(request: Request) -> bool:
    return query_flag(request, "wait", False)


def _point_id(request: Request) -> Any:
    return parse_path_id(str(request.path_params["id"]))


def _create(api: VectorAPI, request: Request, body: Any) -> Any:
    return api.qdrant.create_collection(_name(request), body)


def _patch(api: VectorAPI, request: Request, body: Any) -> Any:
    api.collections.get(_name(request))
    return True


def _unsupported(feature: str) -> Action:
    def action(api: VectorAPI, request: Request, body: Any) -> Any:
        raise BadRequest(f"Bad request: {feature} is not supported by RedVector")

    return action


def qdrant_routes(api: VectorAPI, version_at_root: bool) -> list[Route]:
    q = api.qdrant

    def r(path: str, methods: list[str], action: Action, with_body: bool = False, search: bool = False) -> Route:
        return Route(path, _endpoint(api, action, with_body, search), methods=methods)

    routes = []
    if version_at_root:
        async def root(request: Request) -> Response:
            return FastJSON(version_document(api.qdrant_version))

        routes.append(Route("/", root, methods=["GET"]))

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("healthz check passed")

    async def readyz(request: Request) -> Response:
        return PlainTextResponse("all shards are ready")

    routes += [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/livez", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        r("/collections", ["GET"], lambda a, rq, b: q.list_collections()),
        r("/aliases", ["GET"], lambda a, rq, b: {"aliases": a.aliases.list()}),
        r("/collections/aliases", ["POST"], lambda a, rq, b: a.aliases.update(b), True),
        r("/collections/{name}/aliases", ["GET"], lambda a, rq, b: {"aliases": a.aliases.list(_name(rq))}),
        r("/collections/{name}/exists", ["GET"], lambda a, rq, b: q.collection_exists(_name(rq))),
        r("/collections/{name}", ["GET"], lambda a, rq, b: q.get_collection(_name(rq))),
        r("/collections/{name}", ["PUT"], _create, with_body=True),
        r("/collections/{name}", ["PATCH"], _patch, with_body=True),
        r("/collections/{name}", ["DELETE"], lambda a, rq, b: q.delete_collection(_name(rq))),
        r("/collections/{name}/index", ["PUT"], lambda a, rq, b: q.create_index(_name(rq), b, _wait(rq)), True),
        r("/collections/{name}/index/{field}", ["DELETE"],
          lambda a, rq, b: q.delete_index(_name(rq), str(rq.path_params["field"]), _wait(rq))),
        r("/collections/{name}/points", ["PUT"], lambda a, rq, b: q.upsert(_name(rq), b, _wait(rq)), True),
        r("/collections/{name}/points", ["POST"], lambda a, rq, b: q.retrieve(_name(rq), b), True),
        r("/collections/{name}/points/delete", ["POST"],
          lambda a, rq, b: q.delete_points(_name(rq), b, _wait(rq)), True),
        r("/collections/{name}/points/payload", ["POST"],
          lambda a, rq, b: q.set_payload(_name(rq), b, _wait(rq)), True),
        r("/collections/{name}/points/payload", ["PUT"],
          lambda a, rq, b: q.set_payload(_name(rq), b, _wait(rq), overwrite=True), True),
        r("/collections/{name}/points/payload/delete", ["POST"],
          lambda a, rq, b: q.delete_payload(_name(rq), b, _wait(rq)), True),
        r("/collections/{name}/points/payload/clear", ["POST"],
          lambda a, rq, b: q.clear_payload(_name(rq), b, _wait(rq)), True),
        r("/collections/{name}/points/vectors", ["PUT"],
          lambda a, rq, b: q.update_vectors(_name(rq), b, _wait(rq)), True),
        r("/collections/{name}/points/vectors/delete", ["POST"],
          lambda a, rq, b: q.delete_vectors(_name(rq), b, _wait(rq)), True),
        r("/collections/{name}/points/scroll", ["POST"], lambda a, rq, b: q.scroll(_name(rq), b), True),
        r("/collections/{name}/points/count", ["POST"], lambda a, rq, b: q.count(_name(rq), b), True),
        r("/collections/{name}/points/query", ["POST"], lambda a, rq, b: q.query(_name(rq), b), True, True),
        r("/collections/{name}/points/query/batch", ["POST"],
          lambda a, rq, b: q.query_batch(_name(rq), b), True, True),
        r("/collections/{name}/points/query/groups", ["POST"],
          lambda a, rq, b: q.query_groups(_name(rq), b), True, True),
        r("/collections/{name}/points/search", ["POST"], lambda a, rq, b: q.search(_name(rq), b), True, True),
        r("/collections/{name}/points/search/batch", ["POST"],
          lambda a, rq, b: q.search_batch(_name(rq), b), True, True),
        r("/collections/{name}/points/search/groups", ["POST"],
          lambda a, rq, b: q.search_groups(_name(rq), b), True, True),
        r("/collections/{name}/points/recommend", ["POST"],
          lambda a, rq, b: q.recommend(_name(rq), b), True, True),
        r("/collections/{name}/points/recommend/batch", ["POST"],
          lambda a, rq, b: q.recommend_batch(_name(rq), b), True, True),
    ]
    for feature, path in (("snapshots", "/collections/{name}/snapshots"), ("facets", "/collections/{name}/facet"),
                          ("discovery", "/collections/{name}/points/discover"),
                          ("recommend groups", "/collections/{name}/points/recommend/groups")):
        routes.append(r(path, ["GET", "POST", "PUT"], _unsupported(feature), with_body=True))
    routes.append(r("/collections/{name}/points/{id}", ["GET"],
                    lambda a, rq, b: q.get_point(_name(rq), _point_id(rq))))
    return routes
