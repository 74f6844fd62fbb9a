"""Reply value -> RESP bytes. The only place that knows RESP2 from RESP3 (every downgrade lives here)."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

from redvector.errors import RedVectorError
from redvector.replies import (
    NO_FIELDS,
    NULL_ARRAY,
    BigNumber,
    ByProtocol,
    DoubleText,
    Frames,
    Map,
    Pairs,
    Push,
    SearchRows,
    SetReply,
    SimpleString,
    SyncPayload,
    Verbatim,
    _NoFields,
    _NullArray,
    format_double,
)

log = logging.getLogger("redvector.resp")

_CRLF = b"\r\n"


def encode(reply: Any, proto: int, out: bytearray) -> None:
    """Append the RESP encoding of ``reply`` for protocol ``proto`` (2 or 3) to ``out``."""
    t = type(reply)
    if t is bytes:
        out += b"$%d\r\n%b\r\n" % (len(reply), reply)
    elif t is SimpleString:
        out += b"+%b\r\n" % reply
    elif t is int:
        out += b":%d\r\n" % reply
    elif reply is None:
        out += b"_\r\n" if proto == 3 else b"$-1\r\n"
    elif t is list or t is tuple:
        out += b"*%d\r\n" % len(reply)
        for item in reply:
            # Bulk strings and integers inline: arrays of them (MGET, LRANGE, HGETALL, search rows)
            # are the commonest large replies, and a call per element would cost more than its bytes.
            kind = type(item)
            if kind is bytes:
                out += b"$%d\r\n%b\r\n" % (len(item), item)
            elif kind is int:
                out += b":%d\r\n" % item
            else:
                encode(item, proto, out)
    elif t is str:
        data = reply.encode()
        out += b"$%d\r\n%b\r\n" % (len(data), data)
    elif t is bool:
        if proto == 3:
            out += b"#t\r\n" if reply else b"#f\r\n"
        else:
            out += b":1\r\n" if reply else b":0\r\n"
    elif t is float:
        _encode_double(reply, proto, out)
    elif isinstance(reply, RedVectorError):
        out += b"-%b\r\n" % _error_line(reply)
    elif t is Map:
        items = reply.items
        out += (b"%%%d\r\n" % len(items)) if proto == 3 else (b"*%d\r\n" % (2 * len(items)))
        for k, v in items:
            encode(k, proto, out)
            encode(v, proto, out)
    elif t is Pairs:
        items = reply.items
        if proto == 3:
            out += b"*%d\r\n" % len(items)
            for a, b in items:
                out += b"*2\r\n"
                encode(a, proto, out)
                encode(b, proto, out)
        else:
            out += b"*%d\r\n" % (2 * len(items))
            for a, b in items:
                encode(a, proto, out)
                encode(b, proto, out)
    elif t is SetReply:
        items = list(reply.items)
        out += (b"~%d\r\n" if proto == 3 else b"*%d\r\n") % len(items)
        for item in items:
            encode(item, proto, out)
    elif t is Push:
        out += (b">%d\r\n" if proto == 3 else b"*%d\r\n") % len(reply.items)
        for item in reply.items:
            encode(item, proto, out)
    elif t is Frames:
        for item in reply.items:
            encode(item, proto, out)
    elif t is SyncPayload:
        out += reply.data
    elif t is Verbatim:
        if proto == 3:
            body = reply.fmt + b":" + reply.text
            out += b"=%d\r\n%b\r\n" % (len(body), body)
        else:
            out += b"$%d\r\n%b\r\n" % (len(reply.text), reply.text)
    elif t is _NullArray:
        out += b"_\r\n" if proto == 3 else b"*-1\r\n"
    elif t is BigNumber:
        if proto == 3:
            out += b"(%b\r\n" % reply.digits
        else:
            out += b"$%d\r\n%b\r\n" % (len(reply.digits), reply.digits)
    elif t is DoubleText:
        if proto == 3:
            out += b",%b\r\n" % reply.text
        else:
            out += b"$%d\r\n%b\r\n" % (len(reply.text), reply.text)
    elif t is SearchRows:
        _encode_search_rows(reply, proto, out)
    elif t is ByProtocol:
        encode(reply.resp3 if proto == 3 else reply.resp2, proto, out)
    elif isinstance(reply, bytes):  # other bytes subclasses
        out += b"$%d\r\n%b\r\n" % (len(reply), bytes(reply))
    elif isinstance(reply, dict):
        encode(Map(list(reply.items())), proto, out)
    elif isinstance(reply, (set, frozenset)):
        encode(SetReply(reply), proto, out)
    elif isinstance(reply, int):
        out += b":%d\r\n" % reply
    else:
        log.error("unencodable reply %r", reply)
        out += b"-ERR internal error\r\n"


def _encode_search_rows(reply: SearchRows, proto: int, out: bytearray) -> None:
    rows = reply.rows
    if proto == 3:
        out += b"%%5\r\n+attributes\r\n*0\r\n+total_results\r\n:%d\r\n+format\r\n+STRING\r\n+results\r\n*%d\r\n" % (
            reply.total, len(rows))
        for doc_id, extras, fields in rows:
            entries = 1 + (doc_id is not None) + len(extras) + (fields is not NO_FIELDS)
            out += b"%%%d\r\n" % entries
            if doc_id is not None:
                out += b"+id\r\n$%d\r\n%b\r\n" % (len(doc_id), doc_id)
            for label, value in extras:
                out += b"+%b\r\n" % label
                encode(value, 3, out)
            if fields is None:
                out += b"+extra_attributes\r\n_\r\n"
            elif not isinstance(fields, _NoFields):
                out += b"+extra_attributes\r\n%%%d\r\n" % len(fields)
                _encode_fields(fields, 3, out)
            out += b"+values\r\n*0\r\n"
        out += b"+warning\r\n*0\r\n"
        return
    size = 1
    for doc_id, extras, fields in rows:
        size += (doc_id is not None) + len(extras) + (fields is not NO_FIELDS)
    out += b"*%d\r\n:%d\r\n" % (size, reply.total)
    for doc_id, extras, fields in rows:
        if not extras and type(fields) is list and len(fields) == 1 and doc_id is not None:
            # The commonest row (a KNN's key and its distance, RETURN 1 <score>) in one step.
            name, value = fields[0]
            if type(name) is bytes and type(value) is bytes:
                out += b"$%d\r\n%b\r\n*2\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (
                    len(doc_id), doc_id, len(name), name, len(value), value)
                continue
        if doc_id is not None:
            out += b"$%d\r\n%b\r\n" % (len(doc_id), doc_id)
        for _, value in extras:
            encode(value, 2, out)
        if fields is None:
            out += b"$-1\r\n"
        elif not isinstance(fields, _NoFields):
            out += b"*%d\r\n" % (2 * len(fields))
            _encode_fields(fields, 2, out)


def _encode_fields(fields: Sequence[tuple[bytes, Any]], proto: int, out: bytearray) -> None:
    for name, value in fields:
        if type(name) is bytes and type(value) is bytes:
            out += b"$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(name), name, len(value), value)
        else:
            encode(name, proto, out)
            encode(value, proto, out)


def _error_line(error: RedVectorError) -> bytes:
    line = error.resp_line().encode("utf-8", "replace")
    # An error line cannot contain CR or LF (Redis replaces them with spaces).
    return line.replace(b"\r", b" ").replace(b"\n", b" ")


def _encode_double(value: float, proto: int, out: bytearray) -> None:
    if proto == 3:
        if math.isinf(value):
            out += b",inf\r\n" if value > 0 else b",-inf\r\n"
        elif math.isnan(value):
            out += b",nan\r\n"
        else:
            out += b",%b\r\n" % format_double(value)
    else:
        text = format_double(value)
        out += b"$%d\r\n%b\r\n" % (len(text), text)


def encode_reply(reply: Any, proto: int) -> bytes:
    out = bytearray()
    encode(reply, proto, out)
    return bytes(out)


__all__ = ["NULL_ARRAY", "encode", "encode_reply"]
