"""What every REST route shares: the api key check, the bounded JSON body reader and the JSON response."""

from __future__ import annotations

import json
from typing import Any

import orjson
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
    return parse_json(b"".join(chunks))


# ASCII digits -> b"1", b"." kept, every other byte -> b" ": b" " + 19 digits is a run of 19+ digits not
# after a decimal point, i.e. an integer orjson might not read as the stdlib does (it turns integers beyond
# 64 bits into floats). Fraction digits (0.000123... has 20) are after a b"." and never match.
_DIGITS = bytes(0x31 if 0x30 <= i <= 0x39 else 0x2E if i == 0x2E else 0x20 for i in range(256))
_LONG_INTEGER = b" " + b"1" * 19


def parse_json(raw: bytes) -> Any:
    """A request body as JSON (None when blank). orjson parses (a 384-float query vector: ~10 us instead of
    the stdlib's ~120 us); a body it refuses or might read differently (integers beyond 64 bits) goes
    through the stdlib, which accepts what it always did (NaN literals) and words errors as before."""
    if _LONG_INTEGER not in b" " + raw.translate(_DIGITS):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"Format error in JSON body: {exc}")


def dump_json(content: Any) -> bytes:
    """Compact UTF-8 JSON. orjson first; the stdlib for what orjson refuses (integers beyond 64 bits)."""
    try:
        return orjson.dumps(content)
    except TypeError:
        return json.dumps(content, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


class FastJSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dump_json(content)


def query_flag(request: Request, name: str, default: bool) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return default
    return value.lower() in ("1", "true", "yes")
