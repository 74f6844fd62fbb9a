"""CLUSTER, READONLY, READWRITE, ASKING: RedVector is never a cluster node, so they answer what Redis
answers with cluster-enabled no (after the usual subcommand and arity checks)."""

from __future__ import annotations

from typing import Any

from redvector.commands.args import subcommand
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag, Sub, sub_arities
from redvector.errors import RedVectorError

group = CommandGroup("cluster")
# READONLY, READWRITE and ASKING are in the @connection ACL category (Redis documents them in "cluster").
connection_group = CommandGroup("connection")

DISABLED = "This instance has cluster support disabled"

# CLUSTER's subcommands as Redis 7.4 declares them (COMMAND INFO cluster|<sub>).
_CLUSTER_SUBS = (
    Sub("ADDSLOTS", -3, Flag.ADMIN | Flag.STALE | Flag.NO_ASYNC_LOADING, since="3.0.0",
        summary="Assigns new hash slots to a node."),
    Sub("ADDSLOTSRANGE", -4, Flag.ADMIN | Flag.STALE | Flag.NO_ASYNC_LOADING, since="7.0.0",
        summary="Assigns new hash slot ranges to a node."),
    Sub("BUMPEPOCH", 2, Flag.ADMIN | Flag.STALE | Flag.NO_ASYNC_LOADING, since="3.0.0",
        summary="Advances the cluster config epoch."),
    Sub("COUNT-FAILURE-REPORTS", 3, Flag.ADMIN | Flag.STALE, since="3.0.0",
        summary="Returns the number of active failure reports active for a node."),
    Sub("COUNTKEYSINSLOT", 3, Flag.STALE, since="3.0.0",
        summary="Returns the number of keys in a hash slot."),
    Sub("DELSLOTS", -3, Flag.ADMIN | Flag.STALE | Flag.NO_ASYNC_LOADING, since="3.0.0",
        summary="Sets hash slots as unbound for a node."),
    Sub("DELSLOTSRANGE", -4, Flag.ADMIN | Flag.STALE | Flag.NO_ASYNC_LOADING, since="7.0.0",
        summary="Sets hash slot ranges as unbound for a node."),
    Sub("FAILOVER", -2, Flag.ADMIN | Flag.STALE | Flag.NO_ASYNC_LOADING, since="3.0.0",
        summary="Forces a replica to perform a manual failover of its master."),
    Sub("FLUSHSLOTS", 2, Flag.ADMIN | Flag.STALE | Flag.NO_ASYNC_LOADING, since="3.0.0",
        summary="Deletes all slots information from a node."),
    Sub("FORGET", 3, Flag.ADMIN | Flag.STALE | Flag.NO_ASYNC_LOADING, since="3.0.0",
        summary="Removes a node from the nodes table."),
    Sub("GETKEYSINSLOT", 4, Flag.STALE, since="3.0.0", summary="Returns the key names in a hash slot."),
    Sub("HELP", 2, Flag.LOADING | Flag.STALE, since="5.0.0",
        summary="Returns helpful text about the different subcommands."),
    Sub("INFO", 2, Flag.STALE, since="3.0.0", summary="Returns information about the state of a node."),
    Sub("KEYSLOT", 3, Flag.STALE, since="3.0.0", summary="Returns the hash slot for a key."),
    Sub("LINKS", 2, Flag.STALE, since="7.0.0",
        summary="Returns a list of all TCP links to and from peer nodes."),
    Sub("MEET", -4, Flag.ADMIN | Flag.STALE | Flag.NO_ASYNC_LOADING, since="3.0.0",
        summary="Forces a node to handshake with another node."),
    Sub("MYID", 2, Flag.STALE, since="3.0.0", summary="Returns the ID of a node."),
    Sub("MYSHARDID", 2, Flag.STALE, since="7.2.0", summary="Returns the shard ID of a node."),
    Sub("NODES", 2, Flag.STALE, since="3.0.0", summary="Returns the cluster configuration for a node."),
    Sub("REPLICAS", 3, Flag.ADMIN | Flag.STALE, since="5.0.0",
        summary="Lists the replica nodes of a master node."),
    Sub("REPLICATE", 3, Flag.ADMIN | Flag.STALE | Flag.NO_ASYNC_LOADING, since="3.0.0",
        summary="Configure a node as replica of a master node."),
    Sub("RESET", -2, Flag.ADMIN | Flag.NOSCRIPT | Flag.STALE, since="3.0.0", summary="Resets a node."),
    Sub("SAVECONFIG", 2, Flag.ADMIN | Flag.STALE | Flag.NO_ASYNC_LOADING, since="3.0.0",
        summary="Forces a node to save the cluster configuration to disk."),
    Sub("SET-CONFIG-EPOCH", 3, Flag.ADMIN | Flag.STALE | Flag.NO_ASYNC_LOADING, since="3.0.0",
        summary="Sets the configuration epoch for a new node."),
    Sub("SETSLOT", -4, Flag.ADMIN | Flag.STALE | Flag.NO_ASYNC_LOADING, since="3.0.0",
        summary="Binds a hash slot to a node."),
    Sub("SHARDS", 2, Flag.LOADING | Flag.STALE, since="7.0.0",
        summary="Returns the mapping of cluster slots to shards."),
    Sub("SLAVES", 3, Flag.ADMIN | Flag.STALE, since="3.0.0",
        summary="Lists the replica nodes of a master node."),
    Sub("SLOTS", 2, Flag.LOADING | Flag.STALE, since="3.0.0",
        summary="Returns the mapping of cluster slots to nodes."),
)
_ARITIES = sub_arities(_CLUSTER_SUBS)


@group.command("CLUSTER", -2, subcommands=_CLUSTER_SUBS, since="3.0.0",
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
