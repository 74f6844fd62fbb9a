"""RedVectorError -> HTTP status (one table, first matching class wins) and the two error body shapes."""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.responses import JSONResponse

from redvector.errors import (
    AlreadyExists,
    BadRequest,
    Forbidden,
    OutOfMemory,
    PayloadTooLarge,
    ReadOnlyReplica,
    RedVectorError,
    Unauthorized,
    Unprocessable,
    WrongType,
)

log = logging.getLogger("redvector.http")

# Checked in this order (the first matching class wins): specific classes before their bases.
HTTP_STATUS: dict[type, int] = {
    Unauthorized: 401,
    Forbidden: 403,
    ReadOnlyReplica: 403,
    PayloadTooLarge: 413,
    Unprocessable: 422,
    AlreadyExists: 409,
    WrongType: 409,
    OutOfMemory: 507,
    BadRequest: 400,
    LookupError: 404,
    RedVectorError: 400,
}


def status_of(exc: BaseException) -> int:
    for cls, status in HTTP_STATUS.items():
        if isinstance(exc, cls):
            return status
    return 500


def message_of(exc: BaseException) -> str:
    if isinstance(exc, RedVectorError):
        return exc.message
    log.error("internal error", exc_info=exc)
    return "internal error"


def qdrant_error(exc: BaseException, started: float) -> JSONResponse:
    """Qdrant's error envelope: {"status": {"error": msg}, "time": s}."""
    body: dict[str, Any] = {"status": {"error": message_of(exc)}, "time": time.perf_counter() - started}
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    return JSONResponse(body, status_code=status_of(exc), headers=headers)


def product_error(exc: BaseException) -> JSONResponse:
    """The product API's error body: {"error": msg}."""
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    return JSONResponse({"error": message_of(exc)}, status_code=status_of(exc), headers=headers)
