"""RedVectorError -> grpc.StatusCode (one table, first matching class wins), with the REST message texts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import grpc

from redvector.errors import (
    AlreadyExists,
    BadRequest,
    Forbidden,
    OutOfMemory,
    PayloadTooLarge,
    ReadOnlyReplica,
    RedVectorError,
    Unauthorized,
)

log = logging.getLogger("redvector.grpc")

# Checked in this order (the first matching class wins): specific classes before their bases.
GRPC_STATUS: dict[type, grpc.StatusCode] = {
    Unauthorized: grpc.StatusCode.UNAUTHENTICATED,
    Forbidden: grpc.StatusCode.PERMISSION_DENIED,
    ReadOnlyReplica: grpc.StatusCode.FAILED_PRECONDITION,
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


def rpc(fn: Callable[[Any, Any], Any]) -> Any:
    """Wrap a servicer's sync ``fn(self, request)`` as a grpc.aio method: a RedVectorError becomes its
    status code (the table above) with the REST message; with ``appendfsync always`` the answer waits
    until the AOF writes made for this call are fsynced. ``self.api`` is the VectorAPI."""

    async def handler(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            reply = fn(self, request)
        except Exception as exc:
            code, message = status_of(exc)
            await context.abort(code, message)
        durable = self.api.server.extensions.get("aof_durable")
        if durable is not None:
            await durable()
        return reply

    return handler
