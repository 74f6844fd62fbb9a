"""REPLICAOF SLAVEOF PSYNC SYNC REPLCONF ROLE WAIT FAILOVER: the replication commands (state in
server/replication.py, FAILOVER's in server/failover.py)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from redvector.commands.args import parse_int
from redvector.commands.context import CommandContext
from redvector.commands.persistence import wait_timeout
from redvector.commands.spec import CommandGroup, Flag
from redvector.errors import CodedError, RedVectorError, SyntaxErr
from redvector.replies import NO_REPLY, OK, Deferred, SimpleString, SyncPayload
from redvector.server.replication import ReplicaPeer

group = CommandGroup("server")
log = logging.getLogger("redvector.replication")

_SYNC_FLAGS = Flag.ADMIN | Flag.NOSCRIPT | Flag.NO_MULTI
WAIT_ON_REPLICA = ("WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a "
                   "replica is configured to be writable (which is not the default) writes to replicas are just "
                   "local and are not propagated.")


def _replicaof(ctx: CommandContext, argv: list[bytes]) -> Any:
    if ctx.client.flags == "S":
        raise RedVectorError("Command is not valid when client is a replica.")
    repl = ctx.server.replication
    if argv[1].lower() == b"no" and argv[2].lower() == b"one":
        repl.promote()
        return OK
    port = parse_int(argv[2])
    if not 0 <= port <= 65535:
        raise RedVectorError("Invalid master port")
    if not repl.replicate_from(argv[1].decode("latin-1"), port):
        return SimpleString(b"OK Already connected to specified master")
    return OK


group.command("REPLICAOF", 3, Flag.ADMIN | Flag.NOSCRIPT | Flag.STALE, since="5.0.0",
              summary="Configures a server as replica of another, or promotes it to a master.")(_replicaof)
group.command("SLAVEOF", 3, Flag.ADMIN | Flag.NOSCRIPT | Flag.STALE, since="1.0.0",
              summary="Sets a Redis server as a replica of another, or promotes it to being a master.")(_replicaof)


def _start_sync(ctx: CommandContext) -> ReplicaPeer:
    client = ctx.client
    repl = ctx.server.replication
    if repl.is_replica and repl.link_state != "connected":
        raise CodedError("NOMASTERLINK", "Can't SYNC while not connected with my master")
    peer = repl.register_peer(client)
    client.flags = "S"
    return peer


@group.command("PSYNC", -3, _SYNC_FLAGS, since="2.8.0",
               summary="An internal command used in replication.")
def psync(ctx: CommandContext, argv: list[bytes]) -> Any:
    if ctx.client.flags == "S":
        return NO_REPLY  # already a replica: ignored, as Redis does
    repl = ctx.server.replication
    if len(argv) > 3 and argv[3].lower() == b"failover":  # our master hands over (its FAILOVER)
        if argv[1].decode("latin-1").lower() != repl.replid:
            raise RedVectorError("PSYNC FAILOVER replid must match my replid.")
        repl.promote(keep=ctx.client)
        log.info("MASTER MODE enabled (failover request from %s)", ctx.client.addr)
    if repl.failover.state != "no-failover":
        raise CodedError("NOMASTERLINK", "Can't SYNC while failing over")
    offset = parse_int(argv[2])
    peer = _start_sync(ctx)
    return SyncPayload(repl.psync(peer, argv[1].decode("latin-1"), offset))


@group.command("SYNC", 1, _SYNC_FLAGS, since="1.0.0", summary="An internal command used in replication.")
def sync(ctx: CommandContext, argv: list[bytes]) -> Any:
    if ctx.client.flags == "S":
        return NO_REPLY
    peer = _start_sync(ctx)
    return SyncPayload(ctx.server.replication.full_sync(peer, fullresync_line=False))


@group.command("REPLCONF", -1, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE | Flag.ALLOW_BUSY,
               since="3.0.0", summary="An internal command for configuring the replication stream.")
def replconf(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) % 2 == 0:
        raise SyntaxErr()
    repl = ctx.server.replication
    client = ctx.client
    for i in range(1, len(argv), 2):
        option, value = argv[i].lower(), argv[i + 1]
        if option == b"listening-port":
            port = parse_int(value)
            repl.register_peer(client).listening_port = port
        elif option == b"ip-address":
            repl.register_peer(client).ip = value.decode("latin-1")
        elif option == b"capa":
            repl.register_peer(client).capa.add(value.lower())
        elif option == b"ack":
            peer = repl.peer_of(client)
            if peer is not None and peer.online:
                repl.ack(peer, parse_int(value))
            return NO_REPLY  # never answered
        elif option == b"getack":
            return NO_REPLY  # only a master asks (the master link answers it)
        elif option in (b"rdb-only", b"rdb-filter-only"):
            continue
        else:
            raise RedVectorError(f"Unrecognized REPLCONF option: {argv[i].decode('latin-1')}")
    return OK


@group.command("ROLE", 1, Flag.NOSCRIPT | Flag.LOADING | Flag.STALE | Flag.FAST, since="2.8.12",
               summary="Returns the replication role.")
def role(ctx: CommandContext, argv: list[bytes]) -> Any:
    return ctx.server.replication.role()


@group.command("WAIT", 3, Flag.NOSCRIPT, since="3.0.0",
               summary="Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.")
def wait(ctx: CommandContext, argv: list[bytes]) -> Any:
    """The number of replicas that acknowledged every write so far, once ``numreplicas`` have or the
    timeout (ms, 0: none) passes. Inside MULTI the count is answered at once, as Redis does."""
    repl = ctx.server.replication
    if repl.is_replica:
        raise RedVectorError(WAIT_ON_REPLICA)
    needed = parse_int(argv[1])
    timeout_ms = wait_timeout(argv[2])
    offset = repl.offset
    count = repl.acked(offset)
    if count >= needed:
        return count

    def submit() -> asyncio.Future[int]:
        future = repl.wait(needed, offset)
        if timeout_ms > 0:
            def expire() -> None:
                if not future.done():
                    future.set_result(repl.acked(offset))
            handle = asyncio.get_running_loop().call_later(timeout_ms / 1000, expire)
            future.add_done_callback(lambda _: handle.cancel())
        return future

    return Deferred(work=lambda: repl.acked(offset), finish=int, submit=submit)


@group.command("FAILOVER", -1, Flag.ADMIN | Flag.NOSCRIPT | Flag.STALE, since="6.2.0",
               summary="Starts a coordinated failover from a server to one of its replicas.")
def failover(ctx: CommandContext, argv: list[bytes]) -> Any:
    """FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]: Redis's failoverCommand, checks in its order."""
    repl = ctx.server.replication
    if len(argv) == 2 and argv[1].lower() == b"abort":
        if repl.failover.state == "no-failover":
            raise RedVectorError("No failover in progress.")
        repl.failover.abort("Failover manually aborted")
        return OK
    timeout_ms, force, target = 0, False, None
    i = 1
    while i < len(argv):
        option = argv[i].lower()
        if option == b"timeout" and i + 1 < len(argv) and timeout_ms == 0:
            timeout_ms = parse_int(argv[i + 1])
            if timeout_ms <= 0:
                raise RedVectorError("FAILOVER timeout must be greater than 0")
            i += 2
        elif option == b"to" and i + 2 < len(argv) and target is None:
            target = (argv[i + 1].decode("latin-1"), parse_int(argv[i + 2]))
            i += 3
        elif option == b"force" and not force:
            force = True
            i += 1
        else:
            raise SyntaxErr()
    if repl.failover.state != "no-failover":
        raise RedVectorError("FAILOVER already in progress.")
    if repl.is_replica:
        raise RedVectorError("FAILOVER is not valid when server is a replica.")
    if not repl.replicas:
        raise RedVectorError("FAILOVER requires connected replicas.")
    if force and (not timeout_ms or target is None):
        raise RedVectorError("FAILOVER with force option requires both a timeout and target HOST and IP.")
    if target is not None:
        peer = next((p for p in repl.replicas if (p.ip, p.listening_port) == target), None)
        if peer is None:
            raise RedVectorError("FAILOVER target HOST and PORT is not a replica.")
        if not peer.online:
            raise RedVectorError("FAILOVER target replica is not online.")
    repl.failover.start(target, timeout_ms, force)
    return OK
