"""RedVectorError -> grpc.StatusCode (one table, first matching class wins), with the REST message texts."""

from __future__ import annotations

import logging

import grpc

from redvector.errors import (
    AlreadyExists,
    BadRequest,
    Forbidden,
    OutOfMemory,
    PayloadTooLarge,
    RedVectorError,
    Unauthorized,
)

log = logging.getLogger("redvector.grpc")

# Checked in this order (the first matching class wins): specific classes before their bases.
GRPC_STATUS: dict[type, grpc.StatusCode] = {
    Unauthorized: grpc.StatusCode.UNAUTHENTICATED,
    Forbidden: grpc.StatusCode.PERMISSION_DENIED,
    PayloadTooLarge: grpc.StatusCode.RESOURCE_EXHAUSTED,
    OutOfMemory: grpc.StatusCode.RESOURCE_EXHAUSTED,
    AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    BadRequest: grpc.StatusCode.INVALID_ARGUMENT,
    LookupError: grpc.StatusCode.NOT_FOUND,
    RedVectorError: grpc.StatusCode.INVALID_ARGUMENT,
}


def status_of(exc: BaseException) -> tuple[grpc.StatusCode, str]:
    """The status code and message for an exception; anything not a RedVectorError is INTERNAL (logged)."""
    if not isinstance(exc, RedVectorError):
        log.error("internal error", exc_info=exc)
        return grpc.StatusCode.INTERNAL, "internal error"
    for cls, code in GRPC_STATUS.items():
        if isinstance(exc, cls):
            return code, exc.message
    return grpc.StatusCode.INVALID_ARGUMENT, exc.message
