"""Key events and the observer protocol: WATCH, keyspace notifications, search indexes and memory
accounting all plug into ``Database.touched`` through ``KeyspaceObserver``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

# Event name -> notify-keyspace-events class letter (Redis's NOTIFY_* flags), Redis 7's names: INCR, DECR
# and DECRBY all emit "incrby"; BITOP emits "set"; LMOVE/RPOPLPUSH emit "lpop"/"rpop" then "lpush"/"rpush";
# SMOVE "srem" then "sadd"; HSETNX/HMSET "hset".
EVENT_CLASS: dict[str, str] = {
    # generic
    "del": "g", "rename_from": "g", "rename_to": "g", "expire": "g", "persist": "g", "copy_to": "g",
    "move_from": "g", "move_to": "g", "restore": "g", "sortstore": "g", "new": "n",
    # strings
    "set": "$", "setrange": "$", "incrby": "$", "incrbyfloat": "$", "append": "$", "setbit": "$",
    # lists
    "lpush": "l", "rpush": "l", "lpop": "l", "rpop": "l", "linsert": "l", "lset": "l", "lrem": "l",
    "ltrim": "l",
    # hashes
    "hset": "h", "hdel": "h", "hincrby": "h", "hincrbyfloat": "h", "hexpire": "h", "hexpired": "h",
    "hpersist": "h",
    # sets
    "sadd": "s", "srem": "s", "spop": "s", "sinterstore": "s", "sunionstore": "s", "sdiffstore": "s",
    # sorted sets
    "zadd": "z", "zincr": "z", "zrem": "z", "zremrangebyscore": "z", "zremrangebyrank": "z",
    "zremrangebylex": "z", "zpopmin": "z", "zpopmax": "z", "zinterstore": "z", "zunionstore": "z",
    "zdiffstore": "z", "zrangestore": "z",
    # streams
    "xadd": "t", "xtrim": "t", "xdel": "t", "xsetid": "t", "xgroup-create": "t", "xgroup-createconsumer": "t",
    "xgroup-delconsumer": "t", "xgroup-destroy": "t", "xgroup-setid": "t",
    # expiry and eviction
    "expired": "x", "evicted": "e",
    # hyperloglog (strings in Redis)
    "pfadd": "$", "pfmerge": "$",
    # RedisJSON (module key events, class 'd')
    "json.set": "d", "json.mset": "d", "json.merge": "d", "json.del": "d", "json.numincrby": "d",
    "json.nummultby": "d", "json.numpowby": "d", "json.strappend": "d", "json.arrappend": "d", "json.arrinsert": "d",
    "json.arrpop": "d", "json.arrtrim": "d", "json.toggle": "d", "json.clear": "d",
    # RediSearch's suggestion dictionaries: WATCH and the AOF see the change, no notification is sent
    # (no class letter enables "silent"), as in Redis Stack.
    "ft.sugadd": "silent", "ft.sugdel": "silent",
    # PFCOUNT caching the cardinality in the value: WATCH sees it, no notification (as in Redis).
    "pfcount": "silent",
}


def event_class(event: str) -> str:
    return EVENT_CLASS.get(event, "g")


class KeyspaceObserver(Protocol):
    """Something that must see every key change (WatchRegistry, KeyspaceNotifier, search Indexer)."""

    def key_changed(self, db_index: int, key: bytes, event: str) -> None: ...

    def db_flushed(self, db_index: int | None) -> None:
        """FLUSHDB (db_index) or FLUSHALL (None): every key of the database(s) is gone."""
        ...

    def dbs_swapped(self, a: int, b: int) -> None: ...


class ActivityAware(Protocol):
    """An observer that is idle most of the time (no WATCHed key, no blocked client, no index...).

    ``Database.touched`` runs on every write, so only observers that want changes are called:
    ``wants_changes()`` says whether this one does now, and the observer calls ``on_activity_change()``
    whenever that answer may have changed (the keyspace installs it in ``add_observer``).
    """

    on_activity_change: Callable[[], None]

    def wants_changes(self) -> bool: ...


def _always() -> bool:
    return True


def wants_changes(observer: object) -> bool:
    """Whether ``observer`` must see key changes now (observers without ``wants_changes`` always do)."""
    return bool(getattr(observer, "wants_changes", _always)())


def ignore_activity() -> None:
    """The ``on_activity_change`` of an observer not (yet) added to a keyspace."""
    return None
