"""One asyncio.Protocol per RESP client: parse -> dispatch -> encode, pipelining, backpressure, push."""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any, cast

from redvector.commands.dispatcher import Dispatcher
from redvector.commands.spec import Flag
from redvector.config import ObufLimits
from redvector.errors import CodedError, ProtocolError, RedVectorError
from redvector.protocol.resp.encoder import encode
from redvector.protocol.resp.parser import RequestParser
from redvector.replies import NO_REPLY, OK, Blocked, Deferred, Push
from redvector.server.blocking import Waiter
from redvector.server.client import ClientState
from redvector.server.server import Server

log = logging.getLogger("redvector.resp")

# Stop reading a client's requests while this many reply bytes wait to be sent (backpressure), so a
# slow reader cannot make the server buffer without bound; reading resumes once the buffer drains.
WRITE_HIGH_WATER = 4 * 1024 * 1024
WRITE_LOW_WATER = 1 * 1024 * 1024
_NO_REQUESTS: Iterator[list[bytes]] = iter(())  # exhausted, so it can be shared


class RespConnection(asyncio.Protocol):
    def __init__(self, server: Server, dispatcher: Dispatcher) -> None:
        self.server = server
        self.dispatcher = dispatcher
        self.parser = RequestParser(int(server.config["proto-max-bulk-len"]))
        self.client = ClientState(authenticated=not server.requires_auth())
        self.transport: asyncio.Transport | None = None
        # flow control
        self._reading_paused_by_writes = False
        self._waiter: Waiter | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._deferred = False
        self._closed = False
        # While requests are being processed, replies collect here; pushes (pub/sub messages, subscribe
        # confirmations) go into the same buffer so they keep their place among the replies.
        self._out: bytearray | None = None
        # When the pubsub soft output limit was first exceeded (monotonic seconds), or None.
        self._soft_limit_since: float | None = None
        self._blocked_timeout_reply: Any = None
        # Requests parsed but not run yet (the rest of a pipeline behind a blocked or held command).
        self._pending: Iterator[list[bytes]] = _NO_REQUESTS
        # CLIENT PAUSE: the next request is held back until the pause ends; the timer retries it.
        self._held = False
        self._pause_timer: asyncio.TimerHandle | None = None

    # -- asyncio.Protocol --------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)  # uvloop's transports are not subclasses
        self.transport = transport
        maxclients = int(self.server.config["maxclients"])
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        peer = transport.get_extra_info("peername")
        local = transport.get_extra_info("sockname")
        self.client.addr = _fmt_addr(peer)
        self.client.laddr = _fmt_addr(local)
        self.client.deliver = self.deliver
        self.client.kill = self.kill
        self.client.output_buffer_size = transport.get_write_buffer_size
        self.client.unblock = self._client_unblock
        self.client.write_raw = self._write  # a replica's sync payload and stream, in order with replies
        transport.set_write_buffer_limits(high=WRITE_HIGH_WATER, low=WRITE_LOW_WATER)
        if len(self.server.clients) >= maxclients:
            self.server.stats.rejected_connections += 1
            transport.write(b"-ERR max number of clients reached\r\n")
            transport.close()
            self._closed = True
            return
        self.server.register_client(self.client)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self.client.closing = True
        self._unblock()
        self._end_pause_wait()
        self.server.unregister_client(self.client)

    def pause_writing(self) -> None:
        if self.transport is not None and not self._reading_paused_by_writes:
            self._reading_paused_by_writes = True
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.transport is not None and self._reading_paused_by_writes:
            self._reading_paused_by_writes = False
            self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        self.server.stats.net_input_bytes += len(data)
        self.client.last_interaction = time.time()
        self.parser.feed(data)
        if self._waiter is None and not self._deferred and not self._held:
            self._process()

    # -- request processing ----------------------------------------------------------------------------
    def _process(self) -> None:
        """Run every complete request in the buffer; stop early when a command blocks or is held."""
        out = self._out = bytearray()
        client = self.client
        execute = self.dispatcher.execute
        server = self.server
        pending = self._pending  # the parsed requests not run yet (a pipeline is parsed in one call)
        self._held = False
        drained = False
        try:
            while not client.closing:
                for argv in pending:
                    if server.paused_until_ms and self._held_by_pause(argv):
                        pending = itertools.chain((argv,), pending)
                        self._wait_for_unpause()
                        return
                    reply = execute(client, argv)
                    kind = type(reply)
                    if client.reply_mode == "on":
                        # The commonest replies inline (GET's bulk string, SET's +OK, INCR's integer).
                        if kind is bytes:
                            out += b"$%d\r\n%b\r\n" % (len(reply), reply)
                        elif reply is OK:
                            out += b"+OK\r\n"
                        elif kind is int:
                            out += b":%d\r\n" % reply
                        elif kind is Blocked or kind is Deferred:
                            out = self._suspend(argv, reply, out)
                            return
                        elif reply is not NO_REPLY:
                            encode(reply, client.protocol, out)
                    elif kind is Blocked or kind is Deferred:
                        out = self._suspend(argv, reply, out)
                        return
                    else:
                        self._emit(reply, out)
                    if client.closing:
                        self._write(out)
                        self.kill()
                        return
                # drain() returns every complete request: after one call only an error can be left.
                if drained and self.parser.pending_error is None:
                    break
                drained = True
                try:
                    pending = iter(self.parser.drain())
                except ProtocolError as exc:
                    pending = _NO_REQUESTS
                    encode(exc, client.protocol, out)
                    self._write(out)
                    self.kill()
                    return
            else:
                self._write(out)
                self.kill()
        finally:
            self._pending = pending
            self._out = None
            if out:
                self._write(out)

    def _suspend(self, argv: list[bytes], reply: Blocked | Deferred, out: bytearray) -> bytearray:
        """Send the replies so far, then park the client (Blocked) or run the reply's work off the loop
        (Deferred); the requests behind it wait in ``_pending``. Returns the new output buffer."""
        self._write(out)
        out = self._out = bytearray()
        if type(reply) is Blocked:
            self._block(argv, reply)
        else:
            self._defer(cast(Deferred, reply))
        return out

    def _emit(self, reply: Any, out: bytearray) -> None:
        client = self.client
        if reply is NO_REPLY:
            return
        mode = client.reply_mode
        if mode != "on":
            if mode == "skip":
                client.reply_mode = "on"
            return
        encode(reply, client.protocol, out)

    def _write(self, out: bytes | bytearray) -> None:
        if out and self.transport is not None and not self._closed:
            self.server.stats.net_output_bytes += len(out)
            gate = self.server.reply_gate
            if gate is not None and gate(self._write_now, bytes(out)):
                return  # sent once the AOF fsync covering these commands is done
            self.transport.write(out)

    # -- CLIENT PAUSE ----------------------------------------------------------------------------------
    def _held_by_pause(self, argv: list[bytes]) -> bool:
        """Redis's pause check: ALL holds every command, WRITE the ones that may write (EXEC included)."""
        server = self.server
        remaining_ms = server.paused_until_ms - int(time.time() * 1000)
        if remaining_ms <= 0:
            server.paused_until_ms = 0
            server.paused_writes_only = False
            return False
        if not server.paused_writes_only:
            return True
        spec = self.dispatcher.table.lookup(argv[0])
        if spec is None:
            return False
        multi = self.client.multi
        if multi is not None:
            if spec.name != "EXEC":
                return False  # queued, not executed
            return any(queued.flags & (Flag.WRITE | Flag.MAY_REPLICATE) for queued, _ in multi.queue)
        return bool(spec.flags & (Flag.WRITE | Flag.MAY_REPLICATE))

    def _wait_for_unpause(self) -> None:
        self._held = True
        waiters: set[Any] = self.server.extensions.setdefault("pause_waiters", set())
        waiters.add(self._resume_after_pause)
        delay_s = max(self.server.paused_until_ms - int(time.time() * 1000), 0) / 1000
        self._pause_timer = asyncio.get_running_loop().call_later(delay_s + 0.001, self._resume_after_pause)

    def _end_pause_wait(self) -> None:
        self.server.extensions.get("pause_waiters", set()).discard(self._resume_after_pause)
        if self._pause_timer is not None:
            self._pause_timer.cancel()
            self._pause_timer = None

    def _resume_after_pause(self) -> None:
        self._end_pause_wait()
        if not self._closed and self._held:
            asyncio.get_running_loop().call_soon(self._process)

    def _write_now(self, data: bytes) -> None:
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.write(data)

    # -- blocking commands -----------------------------------------------------------------------------
    def _block(self, argv: list[bytes], blocked: Blocked) -> None:
        blocking = self.server.blocking
        loop = asyncio.get_running_loop()
        if blocked.rerun_argv is not None:
            argv = blocked.rerun_argv

        def try_serve() -> bool:
            if self._closed:
                return True
            reply = self.dispatcher.rerun(self.client, argv)
            if type(reply) is Blocked:
                return False
            self._finish_block(reply)
            return True

        self._blocked_timeout_reply = blocked.timeout_reply
        self._waiter = Waiter(self.client, self.client.db_index, tuple(blocked.keys), try_serve,
                              blocked.independent)
        blocking.park(self._waiter)
        if blocked.timeout_ms > 0:
            self._timer = loop.call_later(blocked.timeout_ms / 1000, self._on_timeout, blocked.timeout_reply)

    def _on_timeout(self, reply: Any) -> None:
        self._timer = None
        if self._waiter is not None:
            self.server.blocking.unpark(self._waiter)
            self._finish_block(reply)

    def _finish_block(self, reply: Any) -> None:
        self._waiter = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        out = bytearray()
        self._emit(reply, out)
        self._write(out)
        # Requests pipelined behind the blocking command run now, after this call returns.
        asyncio.get_running_loop().call_soon(self._process)

    # -- deferred reads ---------------------------------------------------------------------------------
    def _defer(self, deferred: Deferred) -> None:
        """Run the heavy part in a worker thread; pause this client's queue until it is done."""
        loop = asyncio.get_running_loop()
        self._deferred = True
        future = deferred.submit() if deferred.submit is not None else loop.run_in_executor(None, deferred.work)

        def done(fut: asyncio.Future[Any]) -> None:
            self._deferred = False
            try:
                reply = deferred.finish(fut.result())
            except RedVectorError as exc:
                reply = exc
            except Exception:
                log.exception("internal error in deferred reply")
                reply = RedVectorError("internal error")
            out = bytearray()
            self._emit(reply, out)
            self._write(out)
            self._process()

        future.add_done_callback(done)

    def _unblock(self) -> None:
        if self._waiter is not None:
            self.server.blocking.unpark(self._waiter)
            self._waiter = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def unblock_with(self, reply: Any) -> None:
        """CLIENT UNBLOCK: end the wait now with ``reply``."""
        if self._waiter is not None:
            self.server.blocking.unpark(self._waiter)
            self._finish_block(reply)

    def _client_unblock(self, error: bool) -> bool:
        """ClientState.unblock: the command's timeout reply, or Redis's UNBLOCKED error."""
        if self._waiter is None:
            return False
        if error:
            self.unblock_with(CodedError("UNBLOCKED", "client unblocked via CLIENT UNBLOCK"))
        else:
            self.unblock_with(self._blocked_timeout_reply)
        return True

    # -- out-of-band -------------------------------------------------------------------------------------
    def deliver(self, message: Any) -> None:
        """Push data (pub/sub) to this client. A subscriber over its output limit is disconnected."""
        if self._closed or self.transport is None:
            return
        pending = self._out
        if pending is not None:
            encode(message, self.client.protocol, pending)
        else:
            out = bytearray()
            encode(message, self.client.protocol, out)
            self._write(out)
        if type(message) is Push:
            hard, soft, soft_seconds = _pubsub_limits(self.server)
            queued = self.transport.get_write_buffer_size() + (len(pending) if pending is not None else 0)
            if hard and queued > hard:
                self._over_limit()
            elif soft and queued > soft:
                now = time.monotonic()
                if self._soft_limit_since is None:
                    self._soft_limit_since = now
                elif now - self._soft_limit_since >= soft_seconds:
                    self._over_limit()
            else:
                self._soft_limit_since = None

    def _over_limit(self) -> None:
        # Redis: "closed for overcoming of output buffer limits"; nothing queued is kept for it.
        log.warning("client %d closed for overcoming of output buffer limits (pubsub)", self.client.id)
        if self.transport is not None and not self._closed:
            self._closed = True
            self.client.closing = True
            self.transport.abort()

    def kill(self) -> None:
        if self.transport is not None and not self._closed:
            self._closed = True
            self.client.closing = True  # ends the request loop if this client is running commands
            gate = self.server.reply_gate
            transport = self.transport
            if gate is not None and gate(lambda _data: transport.close(), b""):
                return  # closed after the held replies (e.g. QUIT's +OK) went out
            transport.close()


def _pubsub_limits(server: Server) -> tuple[int, int, float]:
    """``client-output-buffer-limit``'s pubsub class: (hard bytes, soft bytes, soft seconds); 0 = none."""
    limits: ObufLimits = server.config["client-output-buffer-limit"]
    return limits.get("pubsub", (0, 0, 0))


def _fmt_addr(addr: Any) -> str:
    if isinstance(addr, tuple) and len(addr) >= 2:
        host = addr[0]
        return f"[{host}]:{addr[1]}" if ":" in str(host) else f"{host}:{addr[1]}"
    return str(addr or "")


async def start_resp(server: Server, dispatcher: Dispatcher, host: str | list[str], port: int) -> asyncio.Server:
    """Listen for RESP clients; returns the asyncio server (its sockets tell the bound port)."""
    loop = asyncio.get_running_loop()
    backlog = int(server.config["tcp-backlog"])
    return await loop.create_server(
        lambda: RespConnection(server, dispatcher), host=host, port=port, backlog=backlog, reuse_address=True
    )
