"""What every REST route shares: the api key check, the bounded JSON body reader and the JSON response."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from redvector.config import Config
from redvector.errors import BadRequest, PayloadTooLarge
from redvector.service.auth import check_key

# Reachable without a key: liveness probes, the Docker health check and the version document.
OPEN_PATHS = frozenset({"/", "/health", "/healthz", "/livez", "/readyz"})


def check_auth(request: Request, config: Config) -> None:
    if request.url.path in OPEN_PATHS and request.method == "GET":
        return
    check_key(config, request.headers)


async def read_json(request: Request, limit_bytes: int) -> Any:
    """The request's JSON body (None when empty), refusing bodies over ``max-request-body``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit_bytes:
        raise PayloadTooLarge(f"Payload too large: the request body exceeds {limit_bytes} bytes (max-request-body)")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit_bytes:
            raise PayloadTooLarge(f"Payload too large: the request body exceeds {limit_bytes} bytes (max-request-body)")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"Format error in JSON body: {exc}")


class FastJSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def query_flag(request: Request, name: str, default: bool) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return default
    return value.lower() in ("1", "true", "yes")
