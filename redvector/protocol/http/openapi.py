"""The OpenAPI 3.0 document served at /openapi.json, built from one table of routes."""

from __future__ import annotations

from typing import Any

from redvector import __version__

# (method, path, tag, summary, has_body)
ROUTES: list[tuple[str, str, str, str, bool]] = [
    ("get", "/health", "RedVector", "Liveness: {\"status\": \"ok\"}", False),
    ("get", "/api/info", "RedVector", "Server version, protocols, ports and counts", False),
    ("get", "/api/collections", "RedVector", "List collections with their configuration", False),
    ("post", "/api/collections/{name}", "RedVector",
     "Create a collection: {\"vector_size\": 384, \"distance\": \"Cosine|Euclidean|InnerProduct\"}", True),
    ("get", "/api/collections/{name}", "RedVector", "Describe a collection", False),
    ("delete", "/api/collections/{name}", "RedVector", "Drop a collection and its points", False),
    ("post", "/api/collections/{name}/points", "RedVector",
     "Upsert points: {\"points\": [{\"id\": 1, \"vector\": [...], \"payload\": {...}}]}", True),
    ("get", "/api/collections/{name}/search", "RedVector", "Search: ?vector=0.1,0.2,...&limit=10", False),
    ("post", "/api/collections/{name}/search", "RedVector",
     "Search with a Qdrant filter: {\"vector\": [...], \"limit\": 10, \"filter\": {...}}", True),
    ("get", "/api/collections/{name}/points/{id}", "RedVector", "Get a point (vector and payload)", False),
    ("delete", "/api/collections/{name}/points/{id}", "RedVector", "Delete a point", False),
    ("get", "/metrics", "RedVector", "Prometheus metrics", False),
    ("get", "/collections", "Qdrant", "List collections", False),
    ("get", "/collections/{name}", "Qdrant", "Collection info", False),
    ("put", "/collections/{name}", "Qdrant", "Create a collection", True),
    ("delete", "/collections/{name}", "Qdrant", "Delete a collection", False),
    ("get", "/collections/{name}/exists", "Qdrant", "Whether a collection exists", False),
    ("put", "/collections/{name}/index", "Qdrant", "Create a payload index", True),
    ("put", "/collections/{name}/points", "Qdrant", "Upsert points", True),
    ("post", "/collections/{name}/points", "Qdrant", "Retrieve points by id", True),
    ("get", "/collections/{name}/points/{id}", "Qdrant", "Get one point", False),
    ("post", "/collections/{name}/points/delete", "Qdrant", "Delete points by ids or filter", True),
    ("post", "/collections/{name}/points/payload", "Qdrant", "Set (merge) payload", True),
    ("put", "/collections/{name}/points/payload", "Qdrant", "Overwrite payload", True),
    ("post", "/collections/{name}/points/payload/delete", "Qdrant", "Delete payload keys", True),
    ("post", "/collections/{name}/points/payload/clear", "Qdrant", "Clear payload", True),
    ("put", "/collections/{name}/points/vectors", "Qdrant", "Update (named) vectors of points", True),
    ("post", "/collections/{name}/points/vectors/delete", "Qdrant", "Delete named vectors of points", True),
    ("post", "/collections/{name}/points/scroll", "Qdrant", "Scroll points (paginated)", True),
    ("post", "/collections/{name}/points/count", "Qdrant", "Count points", True),
    ("post", "/collections/{name}/points/query", "Qdrant",
     "Universal query (nearest, by id, recommend; prefetch with fusion or re-scoring)", True),
    ("post", "/collections/{name}/points/query/batch", "Qdrant", "Batch of queries", True),
    ("post", "/collections/{name}/points/query/groups", "Qdrant", "Universal query, hits grouped by a payload key",
     True),
    ("post", "/collections/{name}/points/search", "Qdrant", "Legacy search", True),
    ("post", "/collections/{name}/points/search/batch", "Qdrant", "Legacy batch search", True),
    ("post", "/collections/{name}/points/search/groups", "Qdrant", "Legacy search, hits grouped by a payload key",
     True),
    ("post", "/collections/{name}/points/recommend", "Qdrant", "Legacy recommend", True),
]


def openapi_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path, tag, summary, has_body in ROUTES:
        op: dict[str, Any] = {
            "tags": [tag],
            "summary": summary,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
                "400": {"description": "Invalid request (the message names what is wrong)"},
                "401": {"description": "Missing api key"},
                "404": {"description": "Collection or point not found"},
            },
        }
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in ("name", "id") if "{" + name + "}" in path
        ]
        if params:
            op["parameters"] = params
        if has_body:
            op["requestBody"] = {"required": True,
                                 "content": {"application/json": {"schema": {"type": "object"}}}}
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.0.3",
        "info": {"title": "RedVector REST API", "version": __version__,
                 "description": "RedVector's own API under /api and the Qdrant-compatible API under /collections."},
        "components": {"securitySchemes": {
            "api-key": {"type": "apiKey", "in": "header", "name": "api-key"},
            "bearer": {"type": "http", "scheme": "bearer"},
        }},
        "security": [{"api-key": []}, {"bearer": []}],
        "paths": paths,
    }
