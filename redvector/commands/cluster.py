"""CLUSTER, READONLY, READWRITE, ASKING: RedVector is never a cluster node, so they answer what Redis
answers with cluster-enabled no (after the usual subcommand and arity checks)."""

from __future__ import annotations

from typing import Any

from redvector.commands.args import subcommand
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag
from redvector.errors import RedVectorError

group = CommandGroup("cluster")
# READONLY, READWRITE and ASKING are in the @connection ACL category (Redis documents them in "cluster").
connection_group = CommandGroup("connection")

DISABLED = "This instance has cluster support disabled"

# Redis 7.4's CLUSTER subcommands and their arities.
_ARITIES = {
    b"ADDSLOTS": -3, b"ADDSLOTSRANGE": -4, b"BUMPEPOCH": 2, b"COUNT-FAILURE-REPORTS": 3, b"COUNTKEYSINSLOT": 3,
    b"DELSLOTS": -3, b"DELSLOTSRANGE": -4, b"FAILOVER": -2, b"FLUSHSLOTS": 2, b"FORGET": 3, b"GETKEYSINSLOT": 4,
    b"HELP": 2, b"INFO": 2, b"KEYSLOT": 3, b"LINKS": 2, b"MEET": -4, b"MYID": 2, b"MYSHARDID": 2, b"NODES": 2,
    b"REPLICAS": 3, b"REPLICATE": 3, b"RESET": -2, b"SAVECONFIG": 2, b"SET-CONFIG-EPOCH": 3, b"SETSLOT": -4,
    b"SHARDS": 2, b"SLAVES": 3, b"SLOTS": 2,
}


@group.command("CLUSTER", -2, subcommands=tuple(sub.decode() for sub in _ARITIES), since="3.0.0",
               summary="A container for Redis Cluster commands.")
def cluster(ctx: CommandContext, argv: list[bytes]) -> Any:
    subcommand(argv, _ARITIES, "cluster")
    raise RedVectorError(DISABLED)


@connection_group.command("READONLY", 1, Flag.LOADING | Flag.STALE | Flag.FAST, since="3.0.0",
               summary="Enables read-only queries for a connection to a Redis Cluster replica node.")
def readonly(ctx: CommandContext, argv: list[bytes]) -> Any:
    raise RedVectorError(DISABLED)


@connection_group.command("READWRITE", 1, Flag.LOADING | Flag.STALE | Flag.FAST, since="3.0.0",
               summary="Enables read-write queries for a connection to a Reids Cluster replica node.")
def readwrite(ctx: CommandContext, argv: list[bytes]) -> Any:
    raise RedVectorError(DISABLED)


@connection_group.command("ASKING", 1, Flag.FAST, since="3.0.0",
               summary="Signals that a cluster client is following an -ASK redirect.")
def asking(ctx: CommandContext, argv: list[bytes]) -> Any:
    raise RedVectorError(DISABLED)
