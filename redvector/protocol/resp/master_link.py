"""The replica's link to its master (Redis's syncWithMaster / readSyncBulkPayload / the master client).

One asyncio task per REPLICAOF: connect, handshake (AUTH with ``masterauth``, PING, REPLCONF
listening-port and capa, PSYNC with this server's replication id and offset), then either load the
master's RDB (``+FULLRESYNC``: the keyspace is replaced) or keep the data (``+CONTINUE``), and apply the
stream: every command runs through the dispatcher as the master client (its writes are obeyed on a
read-only replica, its replies dropped) and its bytes go to ``Replication.feed_from_master``.
``REPLCONF ACK <offset>`` goes back every second and on ``REPLCONF GETACK``. A lost link is retried
every second; the master is declared gone after ``repl-timeout`` seconds of silence.
"""

from __future__ import annotations

import asyncio
import logging
import time

from redvector.commands.dispatcher import Dispatcher
from redvector.errors import ProtocolError
from redvector.persistence.aof import encode_command
from redvector.persistence.snapshot import SnapshotLoadError, load_snapshot
from redvector.protocol.resp.parser import RequestParser
from redvector.replies import Deferred
from redvector.server.client import ClientState
from redvector.server.server import Server

log = logging.getLogger("redvector.replication")

RETRY_S = 1.0
ACK_PERIOD_S = 1.0
EOF_MARK_LEN = 40


class SyncError(Exception):
    """The master refused or broke the handshake; the link retries."""


class MasterLink:
    def __init__(self, server: Server, dispatcher: Dispatcher, host: str, port: int) -> None:
        self.server = server
        self.dispatcher = dispatcher
        self.host, self.port = host, port
        self.replication = server.replication
        self.client = ClientState(addr=f"{host}:{port}")
        self.client.flags = "M"
        self.client.replicated = True
        self.writer: asyncio.StreamWriter | None = None
        self.task = asyncio.get_running_loop().create_task(self._run())

    def close(self) -> None:
        self.task.cancel()
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    async def _run(self) -> None:
        while True:
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except (TimeoutError, OSError, EOFError, asyncio.IncompleteReadError, ProtocolError, SyncError, SnapshotLoadError) as exc:
                log.warning("Connection with master %s:%d lost: %s", self.host, self.port, exc or type(exc).__name__)
            except Exception:
                log.exception("replication link to %s:%d failed", self.host, self.port)
            finally:
                if self.replication.failover.in_progress:
                    self.replication.failover.abort("the failover target could not be reached")
                if self.writer is not None:
                    self.writer.close()
                    self.writer = None
                if self.client.id in self.server.clients:
                    self.server.unregister_client(self.client)
                self.replication.link_lost()
            await asyncio.sleep(RETRY_S)

    # -- handshake ------------------------------------------------------------------------------------
    async def _session(self) -> None:
        repl, config = self.replication, self.server.config
        repl.link_state = "connecting"
        timeout = max(1, int(config["repl-timeout"]))
        reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), timeout)
        self.writer = writer

        async def ask(*argv: bytes) -> bytes:
            writer.write(encode_command(list(argv)))
            line = await asyncio.wait_for(reader.readline(), timeout)
            if not line:
                raise EOFError("the master closed the connection")
            return line.rstrip(b"\r\n")

        password = str(config["masterauth"] or "")
        if password:
            user = str(config["masteruser"] or "")
            reply = await ask(b"AUTH", *([user.encode()] if user else []), password.encode())
            if not reply.startswith(b"+"):
                raise SyncError(f"unable to AUTH to MASTER: {reply.decode(errors='replace')}")
        reply = await ask(b"PING")
        if reply.startswith(b"-"):  # NOAUTH / NOPERM without masterauth, or a master that cannot serve
            raise SyncError(f"error reply to PING from master: {reply.decode(errors='replace')}")
        own_port = self.server.ports.get("resp", int(config["port"]))
        await ask(b"REPLCONF", b"listening-port", b"%d" % own_port)
        await ask(b"REPLCONF", b"capa", b"eof", b"capa", b"psync2")
        repl.link_state = "sync"
        failing_over = repl.failover.in_progress
        psync = [b"PSYNC", repl.replid.encode(), b"%d" % (repl.offset + 1)]
        reply = await ask(*psync, *([b"FAILOVER"] if failing_over else []))
        while not reply:  # newlines: the master is still preparing the payload
            reply = (await asyncio.wait_for(reader.readline(), timeout)).rstrip(b"\r\n")
        if failing_over:  # our FAILOVER: the target took over, or refused (we are a master again)
            if reply.startswith((b"+FULLRESYNC", b"+CONTINUE")):
                repl.failover.accepted()
            else:
                repl.failover.abort("Failover target rejected psync request")
                raise SyncError(f"the failover target refused: {reply.decode(errors='replace')}")
        if reply.startswith(b"+FULLRESYNC"):
            parts = reply.split()
            if len(parts) != 3:
                raise SyncError(f"bad FULLRESYNC reply: {reply!r}")
            await self._full_sync(reader, parts[1].decode(), int(parts[2]), timeout)
        elif reply.startswith(b"+CONTINUE"):
            parts = reply.split()
            repl.continued(parts[1].decode() if len(parts) > 1 else None)
            log.info("Successful partial resynchronization with master %s:%d", self.host, self.port)
        else:
            raise SyncError(f"unexpected reply to PSYNC from master: {reply.decode(errors='replace')}")
        # Listed in CLIENT LIST (flags=M) while the link is up; CLIENT KILL TYPE master drops the link,
        # which reconnects and resynchronises (partially when it can).
        self.client.addr = "%s:%d" % writer.get_extra_info("peername")[:2]
        self.client.laddr = "%s:%d" % writer.get_extra_info("sockname")[:2]
        self.client.kill = writer.close
        self.server.register_client(self.client)
        await self._stream(reader, writer, timeout)

    async def _full_sync(self, reader: asyncio.StreamReader, replid: str, offset: int, timeout: int) -> None:
        header = b""
        while not header:
            header = (await asyncio.wait_for(reader.readline(), timeout)).rstrip(b"\r\n")
        if header.startswith(b"$EOF:"):  # diskless: the payload ends with the 40-byte mark
            mark = header[5:]
            if len(mark) != EOF_MARK_LEN:
                raise SyncError("bad EOF mark in the master's payload")
            data = await reader.readuntil(mark)
            payload = data[:-EOF_MARK_LEN]
        elif header.startswith(b"$"):
            payload = await reader.readexactly(int(header[1:]))
        elif header.startswith(b"-"):
            raise SyncError(f"the master could not send its data: {header.decode(errors='replace')}")
        else:
            raise SyncError(f"bad bulk header from master: {header!r}")
        log.info("MASTER <-> REPLICA sync: received %d bytes of RDB; loading", len(payload))
        self._load(payload)
        self.replication.synced_fully(replid, offset)
        log.info("MASTER <-> REPLICA sync: finished with success")

    def _load(self, payload: bytes) -> None:
        """Replace the keyspace (and index definitions, function libraries) with the master's RDB."""
        server = self.server
        persistence = server.extensions.get("persistence")
        participants = list(persistence.participants) if persistence is not None else []
        functions = server.extensions.get("functions")
        if functions is not None:
            functions.flush()
        server.keyspace.flush_all()
        load_snapshot(server.keyspace, "<master>", participants, server.now_ms(), data=payload)
        memory = server.extensions.get("memory")
        if memory is not None and getattr(memory, "tracking", False):
            memory.recount()
        if persistence is not None and persistence.aof_enabled:
            persistence.bgrewriteaof()  # the AOF must start from the loaded data (restartAOFAfterSYNC)

    # -- the stream -----------------------------------------------------------------------------------
    async def _stream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout: int) -> None:
        repl = self.replication
        parser = RequestParser(int(self.server.config["proto-max-bulk-len"]))
        acker = asyncio.get_running_loop().create_task(self._ack_every_second(writer))
        try:
            self._ack(writer)
            while True:
                data = await asyncio.wait_for(reader.read(1 << 16), timeout)
                if not data:
                    raise EOFError("the master closed the connection")
                repl.last_io = time.monotonic()
                self.client.last_interaction = time.time()
                parser.feed(data)
                for argv in parser.drain():
                    self._apply(argv, writer)
        finally:
            acker.cancel()

    def _apply(self, argv: list[bytes], writer: asyncio.StreamWriter) -> None:
        frame = encode_command(argv)
        if len(argv) >= 2 and argv[0].upper() == b"REPLCONF" and argv[1].upper() == b"GETACK":
            self._ack(writer)  # the offset before this GETACK, as Redis reports it
            self.replication.feed_from_master(frame)
            return
        try:
            reply = self.dispatcher.execute(self.client, argv)
            if type(reply) is Deferred:
                self.dispatcher.resolve(reply)
        except Exception:
            log.exception("error applying a command from the master: %r", argv[:1])
        self.replication.feed_from_master(frame)

    def _ack(self, writer: asyncio.StreamWriter) -> None:
        if not writer.is_closing():
            writer.write(encode_command([b"REPLCONF", b"ACK", b"%d" % self.replication.offset]))

    async def _ack_every_second(self, writer: asyncio.StreamWriter) -> None:
        while True:
            await asyncio.sleep(ACK_PERIOD_S)
            self._ack(writer)


def install_master_link(server: Server, dispatcher: Dispatcher) -> None:
    """Let REPLICAOF start links (``Replication.start_link``); called by the composition root."""

    def start(host: str, port: int) -> MasterLink:
        return MasterLink(server, dispatcher, host, port)

    server.replication.start_link = start
