"""Composition root: builds Server + Dispatcher, opens the listeners, runs cron, shuts down in order.

Each protocol or subsystem is a Component (start/stop); ``COMPONENTS`` lists them in start order.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, Protocol

from redvector import __version__
from redvector.commands import build_table
from redvector.commands.acl import load_startup_users
from redvector.commands.dispatcher import Dispatcher
from redvector.commands.functions import FunctionSnapshot
from redvector.config import Config
from redvector.errors import RedVectorError
from redvector.persistence.manager import Persistence, StartupError
from redvector.persistence.search_state import SearchSnapshot
from redvector.protocol.resp.connection import start_resp
from redvector.protocol.resp.master_link import install_master_link
from redvector.protocol.resp.values import reply_values
from redvector.server.allocator import pin_mmap_threshold
from redvector.server.client import ClientState
from redvector.server.cron import Cron
from redvector.server.memory import MemoryManager
from redvector.server.notifications import KeyspaceNotifier
from redvector.server.pubsub import pubsub_hub
from redvector.server.server import Server
from redvector.service import VectorAPI

if TYPE_CHECKING:  # the REST and gRPC stacks load only when one of their ports is enabled (see below)
    from redvector.protocol.grpc import GrpcServer
    from redvector.protocol.http import HttpListener

log = logging.getLogger("redvector")

# At shutdown, how long an HNSW index may take to finish the batch of vectors it is inserting (hnswlib
# aborts the process in C++ if the interpreter exits under its threads).
SHUTDOWN_BUILD_WAIT_S = 30.0


class App:
    """A running RedVector: the shared state plus every listener. ``ports`` holds the bound ports."""

    def __init__(self, config: Config, ephemeral_ports: bool = False) -> None:
        self.config = config
        # Tests: every enabled listener binds port 0 and the OS picks a free port (read back in ``ports``).
        self.ephemeral_ports = ephemeral_ports
        self.server = Server(config)
        self.dispatcher = Dispatcher(self.server, build_table())
        try:  # the ACL users of redis.conf's ``user`` lines or of the ``aclfile``
            load_startup_users(self.server, self.dispatcher.table)
        except RedVectorError as exc:
            raise StartupError(f"ACL: {exc.message}") from None
        # Lua scripts (EVAL) read command replies as a RESP2 (or, after redis.setresp(3), RESP3) client
        # would (protocol/resp/values.py).
        self.server.extensions["reply_values"] = reply_values
        self.cron = Cron(self.server)
        self.ports: dict[str, int] = {}
        self.listeners: list[asyncio.Server] = []
        self.components: list[Component] = [factory(self) for factory in COMPONENTS]
        self.stopped = asyncio.Event()

    async def start(self) -> None:
        for component in self.components:
            await component.start()
        self.cron.start()
        self.server.ports = self.ports
        self.server.shutdown_requested = self.request_shutdown
        if self.config["gc-freeze-after-load"]:
            # Objects alive after startup (modules, loaded data) are never scanned by the cyclic GC.
            gc.collect()
            gc.freeze()

    async def stop(self) -> None:
        for listener in self.listeners:
            listener.close()
        await self.cron.stop()
        for component in reversed(self.components):
            try:
                await component.stop()
            except Exception:
                log.exception("error while stopping %s", type(component).__name__)
        for client in list(self.server.clients.values()):
            client.kill()
        registry = self.server.extensions.get("search")
        if registry is not None:  # (after the shutdown save: the graphs were saved as they stood)
            registry.close(SHUTDOWN_BUILD_WAIT_S)
        self.stopped.set()

    def listen_port(self, directive: str) -> int | None:
        """The port to bind for a port directive: None when it is 0 (off, Redis's rule)."""
        port = int(self.config[directive])
        if port == 0:
            return None
        return 0 if self.ephemeral_ports else port

    def request_shutdown(self, save: bool | None = None) -> None:
        self.server.extensions["shutdown_save"] = save
        asyncio.get_running_loop().call_soon(self.stopped.set)


class Component(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class PersistenceComponent:
    """Loads the AOF (or the RDB) before any listener opens, logs writes, saves on shutdown."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.persistence = Persistence(app.server)
        self.started = False
        app.server.extensions["persistence"] = self.persistence
        app.server.extensions["info_persistence"] = lambda: self.persistence.info(app.server.loading)

    async def start(self) -> None:
        server, dispatcher = self.app.server, self.app.dispatcher
        replay_client = ClientState(internal=True)
        replay_client.replicated = True  # a replica's own files load whatever replica-read-only says

        def execute(argv: list[bytes]) -> Any:
            return dispatcher.execute(replay_client, argv)

        registry = server.extensions.get("search")
        if registry is not None:  # index definitions and HNSW graphs travel with the snapshots
            self.persistence.participants.append(SearchSnapshot(registry, execute))
        self.persistence.participants.append(FunctionSnapshot(server))  # FUNCTION LOAD's libraries
        clock = dispatcher.clock
        dispatcher.clock = _replay_clock
        # Redis loads the whole dataset whatever maxmemory says: no eviction, no OOM during the replay.
        oom_guard, dispatcher.over_memory_limit = dispatcher.over_memory_limit, None
        gc_was_enabled = gc.isenabled()
        gc.disable()  # loading allocates millions of objects that all stay alive
        try:
            loaded = self.persistence.load(execute)
        finally:
            dispatcher.clock = clock
            dispatcher.over_memory_limit = oom_guard
            if gc_was_enabled:
                gc.enable()
        if loaded != "nothing":
            log.info("DB loaded from %s", loaded)
        memory = server.extensions.get("memory")
        if memory is not None and getattr(memory, "tracking", False):
            memory.recount()  # a dump is loaded straight into the databases, past the observers
        self.persistence.on_fatal = _exit_now
        self.persistence.last_save_time = server.stats.last_save_time
        self.persistence.on_saved = self._saved
        self.persistence.attach(asyncio.get_running_loop())
        self.app.cron.every_tick(self.persistence.tick)
        server.extensions["aof_durable"] = self._durable
        self.started = True

    def _saved(self, unix_time_s: int) -> None:
        self.app.server.stats.last_save_time = unix_time_s

    async def _durable(self) -> None:
        """REST/gRPC: await before answering, so appendfsync always holds for them as for RESP."""
        writer = self.persistence.writer
        if writer is not None:
            await writer.durable()

    async def stop(self) -> None:
        if not self.started:  # never save an empty keyspace over the files that failed to load
            return
        self.persistence.shutdown(self.app.server.extensions.get("shutdown_save"))


def _replay_clock() -> float:
    return 0.0


def _exit_now(message: str) -> None:
    print(f"redvector: {message}", file=sys.stderr, flush=True)
    os._exit(1)


class RespComponent:
    """The Redis protocol listener(s) on ``bind`` x ``port`` (port 0: not started)."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def start(self) -> None:
        port = self.app.listen_port("port")
        if port is None:
            return
        hosts = bind_addresses(self.app.config["bind"])
        for host, optional in hosts:
            try:
                listener = await start_resp(self.app.server, self.app.dispatcher, host, port)
            except OSError:
                if optional:
                    continue
                raise
            self.app.listeners.append(listener)
            port = port or listener.sockets[0].getsockname()[1]
            self.app.ports["resp"] = port
        server = self.app.server
        install_master_link(server, self.app.dispatcher)
        self.app.cron.every_tick(server.replication.tick)
        master = str(self.app.config["replicaof"])
        if master:  # redis.conf's ``replicaof host port``: sync once the listener is up
            host, master_port = master.split()
            server.replication.replicate_from(host, int(master_port))

    async def stop(self) -> None:
        self.app.server.replication.shutdown()


def bind_addresses(bind: str) -> list[tuple[str, bool]]:
    """redis.conf ``bind``: addresses separated by spaces; a leading '-' marks one as optional."""
    out = []
    for item in bind.split():
        optional = item.startswith("-")
        out.append((item.lstrip("-"), optional))
    return out or [("127.0.0.1", False)]


def vector_api(app: App) -> VectorAPI:
    """The one VectorAPI (internal client, collections, points, metrics) shared by REST and gRPC."""
    api = app.server.extensions.get("vector_api")
    if api is None:
        api = VectorAPI(app.server, app.dispatcher)
        app.server.extensions["vector_api"] = api
    return api


class HttpComponent:
    """REST on ``rest-port`` (product + Qdrant routes) and the Qdrant REST API on ``qdrant-port``."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.listeners: list[HttpListener] = []

    async def start(self) -> None:
        ports = [(which, self.app.listen_port(d)) for which, d in (("rest", "rest-port"), ("qdrant", "qdrant-port"))]
        if all(port is None for _, port in ports):
            return
        # Imported here: the ASGI stack costs ~7 MB and startup time that a RESP-only server need not pay.
        from redvector.protocol.http import start_http

        api = vector_api(self.app)
        hosts = bind_addresses(self.app.config["bind"])
        for which, port in ports:
            if port is None:
                continue
            listener = await start_http(api, which, hosts, port)
            if listener is not None:
                self.listeners.append(listener)
                self.app.ports[which] = listener.port

    async def stop(self) -> None:
        for listener in self.listeners:
            await listener.stop()
        self.listeners.clear()


class GrpcComponent:
    """gRPC on ``grpc-port`` (VectorService + Qdrant services) and on ``qdrant-grpc-port``: one server."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.server: GrpcServer | None = None

    async def start(self) -> None:
        ports = {name: self.app.listen_port(d) for name, d in (("grpc", "grpc-port"), ("qdrant-grpc", "qdrant-grpc-port"))}
        wanted = {name: port for name, port in ports.items() if port is not None}
        if not wanted:
            return
        # Imported here: grpcio plus qdrant-client's generated services and models cost ~60 MB of RSS and
        # over a second of startup, which a server with both gRPC ports off need not pay.
        from redvector.protocol.grpc import start_grpc

        hosts = bind_addresses(self.app.config["bind"])
        self.server = await start_grpc(vector_api(self.app), hosts, wanted)
        self.app.ports.update(self.server.ports)

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()
            self.server = None


class KeyspaceServicesComponent:
    """Pub/sub hub, keyspace notifications and memory accounting/eviction, attached before any listener."""

    def __init__(self, app: App) -> None:
        server = app.server
        server.keyspace.add_observer(KeyspaceNotifier(pubsub_hub(server), server.config))
        MemoryManager(server).attach(app.dispatcher)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


# The RESP listener binds last: once it answers a PING, REST and gRPC are listening too (scripts, tests
# and supervisors wait on that PING before they call the other ports).
COMPONENTS: list[Callable[[App], Component]] = [
    KeyspaceServicesComponent, PersistenceComponent, HttpComponent, GrpcComponent, RespComponent,
]


@contextlib.asynccontextmanager
async def serve(config: Config, ephemeral_ports: bool = False) -> AsyncIterator[App]:
    """Start everything, yield the running app (ports bound), stop on exit."""
    app = App(config, ephemeral_ports)
    try:
        await app.start()
        yield app
    finally:
        await app.stop()


def banner(app: App) -> str:
    cfg = app.config
    ports = ", ".join(f"{name}={port}" for name, port in app.ports.items()) or "none"
    persistence = f"append-only file (appendfsync {cfg['appendfsync']})" if cfg["appendonly"] else "no AOF"
    persistence += f", snapshots ({cfg.render('save')})" if cfg["save"] else ", no snapshots"
    if not cfg["appendonly"] and not cfg["save"]:
        persistence = "none (pure in-memory: nothing is written to disk)"
    return (
        f"RedVector {__version__} (pid {os.getpid()}) ready\n"
        f"  listening: {ports} on {cfg['bind']}\n"
        f"  data directory: {os.path.abspath(cfg['dir'])}\n"
        f"  persistence: {persistence}"
    )


async def main_async(config: Config) -> int:
    loop = asyncio.get_running_loop()
    async with serve(config) as app:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, app.stopped.set)
        print(banner(app), flush=True)
        await app.stopped.wait()
        log.info("shutting down")
    return 0


def run(config: Config) -> int:
    pin_mmap_threshold()
    try:
        import uvloop

        runner: Callable[..., int] = uvloop.run
    except ImportError:  # pragma: no cover - uvloop is optional on non-Linux platforms
        runner = asyncio.run
    try:
        return runner(main_async(config))
    except (OSError, StartupError) as exc:
        print(f"redvector: could not start: {exc}", file=sys.stderr)
        return 1
