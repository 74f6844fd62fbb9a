"""Typed reply values: what handlers return. Only the RESP encoder knows RESP2 from RESP3.

Plain Python values map directly: ``None`` (null), ``int``, ``float`` (a double), ``bytes`` (bulk
string), ``str`` (bulk string, UTF-8), ``list``/``tuple`` (array), ``bool`` (RESP3 boolean, RESP2
integer), a ``RedVectorError`` instance (an error reply, inside arrays too).
The classes below carry a shape whose encoding differs between RESP2 and RESP3.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any


class SimpleString(bytes):
    """A ``+OK``-style status reply."""


OK = SimpleString(b"OK")
QUEUED = SimpleString(b"QUEUED")
PONG = SimpleString(b"PONG")


class _NullArray:
    """RESP2 ``*-1`` (null array, e.g. EXEC aborted by WATCH, BLPOP timeout); RESP3 ``_``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NULL_ARRAY"


NULL_ARRAY = _NullArray()


class _NoReply:
    """The command sends nothing (CLIENT REPLY OFF/SKIP, SUBSCRIBE sends its own pushes)."""

    __slots__ = ()


NO_REPLY = _NoReply()


@dataclass(frozen=True, slots=True)
class Map:
    """A map: RESP3 ``%``, RESP2 a flat array of 2N items."""

    items: Sequence[tuple[Any, Any]]

    @classmethod
    def of(cls, d: dict[Any, Any]) -> Map:
        return cls(list(d.items()))


@dataclass(frozen=True, slots=True)
class Pairs:
    """Pairs like ZRANGE WITHSCORES: RESP3 an array of 2-arrays, RESP2 one flat array."""

    items: Sequence[tuple[Any, Any]]


@dataclass(frozen=True, slots=True)
class SetReply:
    """A set: RESP3 ``~``, RESP2 an array."""

    items: Iterable[Any]


@dataclass(frozen=True, slots=True)
class Push:
    """Out-of-band data (pub/sub messages): RESP3 ``>``, RESP2 an array."""

    items: Sequence[Any]


@dataclass(frozen=True, slots=True)
class Frames:
    """Several top-level replies for one command (SUBSCRIBE a b answers one frame per channel).

    Inside an EXEC array it still writes all its frames in the one slot, as Redis does.
    """

    items: Sequence[Any]


@dataclass(frozen=True, slots=True)
class SyncPayload:
    """A replica's answer to PSYNC/SYNC: ``+FULLRESYNC`` and an RDB image sent as a bulk with no final
    CRLF, or ``+CONTINUE`` and backlog bytes. RESP has no type for it; both protocols send it as is."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Verbatim:
    """A verbatim string (INFO, CLIENT INFO in RESP3 ``=``); RESP2 a bulk string."""

    text: bytes
    fmt: bytes = b"txt"


@dataclass(frozen=True, slots=True)
class BigNumber:
    """RESP3 ``(`` big number; RESP2 a bulk string."""

    digits: bytes


@dataclass(frozen=True, slots=True)
class DoubleText:
    """A double already written as Redis writes it in this reply (GEOPOS's ``%.17Lf`` coordinates): RESP3
    ``,`` with that text, RESP2 a bulk string."""

    text: bytes


@dataclass(frozen=True, slots=True)
class ByProtocol:
    """A reply whose RESP2 and RESP3 forms differ in structure, not only in encoding (RediSearch's
    FT.SEARCH / FT.AGGREGATE / FT.INFO: arrays in RESP2, maps with other keys in RESP3)."""

    resp2: Any
    resp3: Any


class _NoFields:
    """A search row without its fields (NOCONTENT): no attributes at all, not a null."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_FIELDS"


NO_FIELDS = _NoFields()

# One search result row: (document id or None when rows carry no id (FT.AGGREGATE), extra (label,
# value) entries such as score / payload / sortkey, the row's fields as (name, value) pairs; None for a
# document gone mid-query, NO_FIELDS for none at all).
SearchRow = tuple[bytes | None, Sequence[tuple[SimpleString, Any]], Sequence[tuple[bytes, Any]] | _NoFields | None]


@dataclass(frozen=True, slots=True)
class SearchRows:
    """RediSearch's FT.SEARCH / FT.AGGREGATE result page, encoded in one pass.

    RESP2: ``[total, id, extra values..., [name, value, ...], ...]``; RESP3: ``{attributes: [],
    total_results: total, format: STRING, results: [{id, extra labels..., extra_attributes: {name:
    value}, values: []}, ...], warning: []}``."""

    total: int
    rows: Sequence[SearchRow]


@dataclass(frozen=True, slots=True)
class Blocked:
    """Returned by a blocking command that found nothing to serve now (BLPOP on empty lists).

    The connection parks the client until one of ``keys`` (in the client's database) is signalled ready,
    then runs the same command again through the dispatcher (so propagation is that of the pop it became);
    after ``timeout_ms`` (0 = forever) it sends ``timeout_reply``. ``rerun_argv`` replaces the command for
    the re-runs (XREAD's ``$`` resolved to the id it meant when the client blocked); ``independent``
    waiters do not hold back the ones parked after them when they cannot be served (stream readers, each
    waiting for its own ids), where a list pop that finds the list empty does.
    """

    keys: Sequence[bytes]
    timeout_ms: int
    timeout_reply: Any = NULL_ARRAY
    rerun_argv: list[bytes] | None = None
    independent: bool = False


@dataclass(frozen=True, slots=True)
class Deferred:
    """A read whose heavy part may run off the event loop (a long FLAT scan, a large aggregation).

    A socket connection runs ``work`` in a worker thread (native code such as numpy and hnswlib releases
    the GIL), then ``finish(result)`` back on the loop to build the reply, so other clients are served
    meanwhile; requests pipelined behind it wait, keeping reply order. Inside MULTI/EXEC and for internal
    callers, ``resolve_sync`` runs both at once. ``work`` must be safe to run beside writes on the loop.

    ``submit``, when given, replaces the thread for a connection on an event loop: called on the loop, it
    returns an awaitable (an asyncio future) of what ``work`` would return, computed together with other
    clients' requests (KNN searches batched per index: one thread hand-off for many queries).
    """

    work: Callable[[], Any]
    finish: Callable[[Any], Any]
    submit: Callable[[], Any] | None = None


def resolve_sync(reply: Any) -> Any:
    """Run a Deferred reply now; other replies pass through."""
    if type(reply) is Deferred:
        return reply.finish(reply.work())
    return reply


def format_double(value: float) -> bytes:
    """A double as Redis 7.2+ replies it (d2string): an integer that fits half a long long as one, else
    fpconv_dtoa's shortest round-trip digits laid out as it lays them out: plain up to 7 zeros past the
    digits (``123456789012345690000000``), a fraction down to 6 zeros after the point (``0.00001``), an
    exponent with no padding otherwise (``2.5e-8``, ``1e+30``); ``-0``, ``inf``, ``-inf``, ``nan``."""
    if value == 0.0:
        return b"-0" if math.copysign(1.0, value) < 0 else b"0"
    if not math.isfinite(value):
        return b"nan" if value != value else b"inf" if value > 0 else b"-inf"
    if -_HALF_LLONG <= value <= _HALF_LLONG and value.is_integer():
        return b"%d" % int(value)
    neg = value < 0
    text = repr(-value if neg else value)
    mantissa, _, exponent = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    k = (int(exponent) if exponent else 0) - len(fraction)  # value = digits * 10**k
    kept = digits.rstrip("0")
    k += len(digits) - len(kept)
    digits = kept
    n = len(digits)
    exp = abs(k + n - 1)
    if k >= 0 and exp < n + 7:
        out = digits + "0" * k
    elif k < 0 and (k > -7 or exp < 4):
        point = n + k
        out = "0." + "0" * -point + digits if point <= 0 else digits[:point] + "." + digits[point:]
    else:
        out = digits[0] + ("." + digits[1:] if n > 1 else "") + ("e-" if k + n - 1 < 0 else "e+") + str(exp)
    return ("-" + out if neg else out).encode()


_HALF_LLONG = float((2**63 - 1) // 2)  # double2ll's range (LLONG_MAX/2)
