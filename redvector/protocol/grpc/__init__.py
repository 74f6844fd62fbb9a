"""gRPC: one grpc.aio server on the application's event loop serving redvector.VectorService, Qdrant's
Collections/Points/Qdrant services, grpc.health.v1 and reflection, bound to grpc-port and qdrant-grpc-port.

Qdrant's services load on their first call (or the first reflection request): qdrant-client's modules,
whose protobuf classes and converters they use, cost ~45 MB of RSS and ~1 s of start-up that a server
nobody reaches over Qdrant's gRPC API should not pay (see LazyQdrant)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from redvector.config import Config
from redvector.errors import RedVectorError
from redvector.protocol.grpc.errors import status_of
from redvector.protocol.grpc.generated import redvector_pb2, redvector_pb2_grpc
from redvector.protocol.grpc.vector_service import VectorService
from redvector.service import VectorAPI
from redvector.service.auth import check_key, required_keys

# Reachable without a key (probes, discovery), as the REST health routes are.
OPEN_METHOD_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.", "/qdrant.Qdrant/HealthCheck")

QDRANT_SERVICES = ("qdrant.Collections", "qdrant.Points", "qdrant.Qdrant")
SERVICE_NAMES = ("redvector.VectorService", *QDRANT_SERVICES)


class LazyQdrant(grpc.GenericRpcHandler):
    """Qdrant's three services, imported and built on the first call that needs them.

    A reflection request loads them too, before the reflection service answers it from the descriptors
    their modules add to the default pool (LoadQdrant, which imports them in a worker thread). The first
    call waits for the import (~1 s, once per process); the other clients do not."""

    def __init__(self, api: VectorAPI) -> None:
        self.api = api
        self._handlers: list[grpc.GenericRpcHandler] | None = None
        self._lock = threading.Lock()

    def handlers(self) -> list[grpc.GenericRpcHandler]:
        if self._handlers is None:
            with self._lock:
                if self._handlers is None:
                    from redvector.protocol.grpc.qdrant_service import qdrant_handlers
                    self._handlers = qdrant_handlers(self.api)
        return self._handlers

    async def load(self) -> None:
        """Import and build the services in a worker thread: the event loop goes on serving the other
        clients meanwhile (the import holds the GIL in slices, not for the whole second)."""
        if self._handlers is None:
            await asyncio.to_thread(self.handlers)

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        method = handler_call_details.method or ""
        if method.startswith("/qdrant."):
            for handler in self.handlers():
                found = handler.service(handler_call_details)
                if found is not None:
                    return found
        return None


class LoadQdrant(grpc.aio.ServerInterceptor):
    """Loads LazyQdrant (off the event loop) before a Qdrant call reaches its handler lookup, and before a
    reflection request reaches the (registered, so looked up first) reflection service."""

    def __init__(self, qdrant: LazyQdrant) -> None:
        self.qdrant = qdrant

    async def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        if (handler_call_details.method or "").startswith(("/grpc.reflection.", "/qdrant.")):
            await self.qdrant.load()
        return await continuation(handler_call_details)


class AuthInterceptor(grpc.aio.ServerInterceptor):
    """Refuse calls without the ``api-key`` metadata (or a bearer token) when a key is configured."""

    def __init__(self, config: Config) -> None:
        self.config = config

    async def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        # No key configured (checked per call: CONFIG SET requirepass may add one): nothing to look at.
        if not required_keys(self.config):
            return await continuation(handler_call_details)
        method = handler_call_details.method or ""
        if not method.startswith(OPEN_METHOD_PREFIXES):
            metadata = {k.lower(): v for k, v in (handler_call_details.invocation_metadata or ())
                        if isinstance(v, str)}
            try:
                check_key(self.config, metadata)
            except RedVectorError as exc:
                code, message = status_of(exc)
                return _refusal(code, message)
        return await continuation(handler_call_details)


def _refusal(code: grpc.StatusCode, message: str) -> grpc.RpcMethodHandler:
    async def refuse(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await context.abort(code, message)

    return grpc.unary_unary_rpc_method_handler(refuse)


class GrpcServer:
    def __init__(self, server: grpc.aio.Server, ports: dict[str, int], health_servicer: Any) -> None:
        self.server = server
        self.ports = ports
        self.health = health_servicer

    async def stop(self) -> None:
        result = self.health.enter_graceful_shutdown()
        if hasattr(result, "__await__"):
            await result
        await self.server.stop(grace=1.0)


async def start_grpc(api: VectorAPI, hosts: list[tuple[str, bool]], wanted: dict[str, int]) -> GrpcServer:
    """Start the server on the running loop; ``wanted``: {"grpc": port, "qdrant-grpc": port} (0 = OS picks)."""
    qdrant = LazyQdrant(api)
    server = grpc.aio.server(
        interceptors=[AuthInterceptor(api.server.config), LoadQdrant(qdrant)],
        options=[
            # qdrant-client sends unlimited messages; the body limit directive bounds what we accept.
            ("grpc.max_receive_message_length", int(api.server.config["max-request-body"])),
            ("grpc.max_send_message_length", -1),
            ("grpc.so_reuseport", 0),
        ],
    )
    redvector_pb2_grpc.add_VectorServiceServicer_to_server(VectorService(api), server)
    server.add_generic_rpc_handlers((qdrant,))
    health_servicer = health.aio.HealthServicer() if hasattr(health, "aio") else health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = [
        redvector_pb2.DESCRIPTOR.services_by_name["VectorService"].full_name,
        *QDRANT_SERVICES,
        health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
        reflection.SERVICE_NAME,
    ]
    reflection.enable_server_reflection(names, server)
    ports: dict[str, int] = {}
    for name, port in wanted.items():
        bound = 0
        for host, optional in hosts:
            address = f"[{host}]:{bound or port}" if ":" in host else f"{host}:{bound or port}"
            try:
                got = server.add_insecure_port(address)
            except RuntimeError:
                got = 0
            if got == 0:
                if optional:
                    continue
                raise OSError(f"could not bind gRPC {name} on {address}")
            bound = bound or got
        if bound:
            ports[name] = bound
    await server.start()
    for service in (*SERVICE_NAMES, ""):
        await _set_serving(health_servicer, service)
    return GrpcServer(server, ports, health_servicer)


async def _set_serving(servicer: Any, service: str) -> None:
    result = servicer.set(service, health_pb2.HealthCheckResponse.SERVING)
    if hasattr(result, "__await__"):
        await result


__all__ = ["GrpcServer", "start_grpc"]
