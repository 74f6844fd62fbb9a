"""Sans-IO request parser: bytes in, argv lists out. hiredis parses RESP; inline commands
(``redis-cli``/telnet style) are split here with Redis's quoting rules (sdssplitargs).

Errors are ``ProtocolError`` with Redis's exact text; after one the connection must be closed.
"""

from __future__ import annotations

import re

import hiredis

from redvector.errors import ProtocolError
from redvector.splitargs import split_args

INLINE_MAX = 64 * 1024  # PROTO_INLINE_MAX_SIZE
# hiredis moves the unparsed rest of its buffer to the front after each request that took 1 KB or more,
# so a chunk of N big requests fed at once costs O(N^2) bytes moved (500 pipelined 1.5 KB HSETs: ~12 us of
# memmove per request). Chunks larger than two slices are fed a slice at a time as the requests are taken.
FEED_SLICE = 16 * 1024
_BIG_BULK = re.compile(rb"(?:^|\n)\$(-?\d+)\r")
_MULTIBULK = re.compile(rb"(?:^|\n)\*(-?\d+)\r")
_NOTHING = object()  # no request taken from hiredis yet
# The most elements a request may have. hiredis (through hiredis-py) allocates the list of a multibulk
# header's count at once, and freeing it walks every slot with the GIL held: "*3000000000" alone kept the
# server busy for minutes. Redis allocates as the arguments come and refuses counts over INT_MAX; a
# request of more than 16M arguments (a 16M-key MSET) is refused here as "invalid multibulk length".
MULTIBULK_MAX = 1 << 24
_HUGE_MULTIBULK = re.compile(rb"\*\d{8}")  # (a cheap first look: a count of eight digits or more)


def _oversized_header(data: bytes, before: bytes, at_boundary: bool) -> int:
    """Where in ``data`` a multibulk header with more than MULTIBULK_MAX elements starts, -1 if none.

    At a request boundary the requests are walked exactly (a bulk payload such as "*20240101" is not a
    header). Inside a request that began in an earlier chunk the boundaries are unknown: then a count of
    eight digits or more at a line start counts as a header (``before``, the end of the earlier chunk,
    catches a count split between two reads)."""
    if not at_boundary:
        probe = before + data
        for m in _MULTIBULK.finditer(probe):
            if int(m.group(1)) > MULTIBULK_MAX:
                return max(m.start(1) - 1 - len(before), 0)
        return -1
    i, n = 0, len(data)
    while i < n:
        if data[i] != 0x2A:  # not '*': hiredis reports what this is
            return -1
        end = data.find(b"\r\n", i)
        if end < 0:
            return -1  # the header is not complete yet (_check_partial looks at it later)
        try:
            count = int(data[i + 1:end])
        except ValueError:
            return -1
        if count > MULTIBULK_MAX:
            return i
        j = end + 2
        for _ in range(count):
            if j >= n:
                return -1
            line = data.find(b"\r\n", j)
            if data[j] != 0x24 or line < 0:  # not '$': hiredis reports it
                return -1
            try:
                j = line + 2 + int(data[j + 1:line]) + 2
            except ValueError:
                return -1
        i = j
    return -1


class RequestParser:
    """Feed bytes, then call ``next()`` until it returns None.

    A request is a list of bytes. Inline requests are recognised when a new request does not start
    with ``*`` (as in Redis's processInlineBuffer).
    """

    __slots__ = ("_backlog", "_backlog_at", "_big_bulk", "pending_error", "_inline", "_last",
                 "_max_bulk", "_partial", "_reader", "_refused", "_tail")

    def __init__(self, max_bulk_len: int = 512 * 1024 * 1024) -> None:
        self._reader = hiredis.Reader()
        self._max_bulk = max_bulk_len
        self._inline = bytearray()  # bytes waiting to be examined for inline requests
        self._last = b""  # the last chunk fed to hiredis, checked for oversized headers
        self._tail = b""  # the end of the chunk before it, for a header split between two reads
        # Bulk headers that could exceed the limit: a negative length, or as many digits as the limit (a
        # pattern that starts with a literal lets the regex engine skip ahead quickly; the precise check,
        # check_header, runs only on a hit). Multibulk counts are checked before hiredis reads them
        # (_feed_reader), as hiredis allocates at the header.
        digits = len(str(max_bulk_len))
        self._big_bulk = re.compile(rb"\$(?:-|\d{%d})" % digits)
        # hiredis holds a request in progress: has_data() cannot tell, because hiredis moves the parsed
        # parts of an incomplete request out of its buffer (a chunk starting "$2" is then not inline).
        self._partial = False
        # A protocol error met by drain() after complete requests: raised by the next call, once the
        # requests before it have run (Redis replies to those first).
        self.pending_error: ProtocolError | None = None
        # A large chunk goes to hiredis a slice at a time (see FEED_SLICE): the rest waits here.
        self._backlog = b""
        self._backlog_at = 0
        # A header over MULTIBULK_MAX found in a chunk: the bytes before it went to hiredis, the refusal
        # is raised once the requests before it are taken (_check_partial).
        self._refused: ProtocolError | None = None

    def feed(self, data: bytes) -> None:
        if self._inline or (not self._partial and not self._reader.has_data() and data[:1] != b"*"):
            self._inline += data
            return
        self._feed_reader(data)

    def _feed_reader(self, data: bytes) -> None:
        if self._refused is not None:
            return  # the connection is being refused: nothing after the bad header is read
        before = self._tail[-12:] if self._partial else b""
        if _HUGE_MULTIBULK.search(data) is not None or (before and _HUGE_MULTIBULK.search(before + data[:12])):
            at = _oversized_header(data, before, at_boundary=not self._partial)
            if at >= 0:
                self._refused = ProtocolError("invalid multibulk length")
                data = data[:at]  # hiredis never sees the count
                if not data:
                    return
        if len(data) > 2 * FEED_SLICE:
            self._reader.feed(data, 0, FEED_SLICE)
            self._backlog, self._backlog_at = data, FEED_SLICE
        else:
            self._reader.feed(data)
        self._last = data
        self._partial = True

    def _feed_backlog(self) -> bool:
        """The next slice of a large chunk to hiredis; False when none is left."""
        at = self._backlog_at
        left = len(self._backlog) - at
        if left <= 0:
            return False
        take = left if left <= 2 * FEED_SLICE else FEED_SLICE
        self._reader.feed(self._backlog, at, take)
        if take == left:
            self._backlog, self._backlog_at = b"", 0
        else:
            self._backlog_at = at + take
        self._partial = True
        return True

    def next(self) -> list[bytes] | None:
        """The next complete request, or None when more bytes are needed (drain() takes them all)."""
        return self._next_slow(_NOTHING)

    def drain(self) -> list[list[bytes]]:
        """Every complete request now in the buffer (a pipeline in one call; empty when more bytes are
        needed). A malformed request ends the list; the next call raises its ProtocolError."""
        error = self.pending_error
        if error is not None:
            self.pending_error = None
            raise error
        requests: list[list[bytes]] = []
        append = requests.append
        try:
            if not self._inline:
                gets = self._reader.gets
                has_data = self._reader.has_data
                while True:
                    try:
                        request = gets()
                    except hiredis.ProtocolError as exc:
                        raise ProtocolError(_redis_message(str(exc)))
                    if type(request) is list and request:  # the hot path: one complete multibulk request
                        self._partial = has_data()
                        for arg in request:
                            if type(arg) is not bytes:
                                raise _bad_argument(arg)
                        append(request)
                        continue
                    if request is False:
                        if self._backlog and self._feed_backlog():
                            continue
                        self._check_partial()
                        return requests
                    argv = self._next_slow(request)
                    if argv is None:
                        return requests
                    append(argv)
                    if self._inline:
                        break
            # Inline requests (redis-cli, telnet) and whatever follows them: one at a time.
            while (argv := self.next()) is not None:
                append(argv)
            return requests
        except ProtocolError as exc:
            if not requests:
                raise
            self.pending_error = exc
            return requests

    def _check_partial(self) -> None:
        """After the last complete request: refuse an oversized header of the one still arriving.

        Only a request left incomplete can still be refused before its payload is buffered, so the
        chunks that end on a request boundary (pipelined small commands) are not searched at all.
        """
        refused = self._refused
        if refused is not None:
            raise refused
        last = self._last
        if not last:
            return
        self._last = b""
        if self._partial:
            probe = self._tail + last
            if self._big_bulk.search(probe) is not None:
                self.check_header(probe)
            self._tail = last[-24:]
        else:
            self._tail = b""

    def _next_slow(self, request: object) -> list[bytes] | None:
        """Inline requests, empty multibulks and malformed requests (the rare paths)."""
        if request is not _NOTHING:
            self._partial = self._reader.has_data()
            if request is not None and type(request) is not list:
                raise ProtocolError(f"expected '*', got '{_first_char(request)}'")
            # "*0" (an empty list) and "*-1" (None) are ignored by Redis: look at what follows.
        while True:
            if self._inline:
                if self._partial or self._reader.has_data():
                    # finish the RESP request in progress before looking at inline bytes
                    self._feed_reader(bytes(self._inline))
                    self._inline.clear()
                elif self._inline[:1] == b"*":
                    self._feed_reader(bytes(self._inline))
                    self._inline.clear()
                else:
                    argv = self._next_inline()
                    if argv is None:
                        return None
                    if not argv:
                        continue  # empty line: ignored, as Redis does
                    return argv
            try:
                request = self._reader.gets()
            except hiredis.ProtocolError as exc:
                raise ProtocolError(_redis_message(str(exc)))
            if request is not False:
                # A whole request came out: anything left is unparsed bytes, which has_data() sees.
                self._partial = self._reader.has_data()
            if request is False:
                if self._backlog and self._feed_backlog():
                    continue
                self._check_partial()
                return None
            if request is None:
                continue  # "*-1"
            if type(request) is not list:
                raise ProtocolError(f"expected '*', got '{_first_char(request)}'")
            if not request:
                continue
            for arg in request:
                if type(arg) is not bytes:
                    raise _bad_argument(arg)
            return request

    def _next_inline(self) -> list[bytes] | None:
        buf = self._inline
        end = buf.find(b"\n")
        if end < 0:
            if len(buf) > INLINE_MAX:
                raise ProtocolError("too big inline request")
            return None
        line = bytes(buf[:end])
        del buf[: end + 1]
        if line.endswith(b"\r"):
            line = line[:-1]
        return split_inline(line)

    def check_header(self, data: bytes) -> None:
        """Refuse a bulk length Redis would refuse, before buffering its payload."""
        for m in _BIG_BULK.finditer(data[:65536]):
            n = int(m.group(1))
            if n > self._max_bulk or n < -1:
                raise ProtocolError("invalid bulk length")


def _redis_message(hiredis_message: str) -> str:
    """hiredis's error text -> Redis's ``Protocol error: ...`` detail."""
    if "multi-bulk" in hiredis_message.lower():
        return "invalid multibulk length"
    if "bulk" in hiredis_message.lower():
        return "invalid bulk length"
    m = re.search(r'got "(.)"', hiredis_message)
    return f"expected '$', got '{m.group(1) if m else '?'}'"


def _bad_argument(arg: object) -> ProtocolError:
    """The error for a request element that is not a bulk string ("$-1", a null, has no length)."""
    if arg is None:
        return ProtocolError("invalid bulk length")
    return ProtocolError(f"expected '$', got '{_first_char(arg)}'")


def _first_char(value: object) -> str:
    if isinstance(value, int):
        return ":"
    if isinstance(value, list):
        return "*"
    if isinstance(value, hiredis.ReplyError):
        return "-"
    return "+"


def split_inline(line: bytes) -> list[bytes]:
    """Redis's sdssplitargs: whitespace-separated, "double" (with escapes) and 'single' quotes."""
    args = split_args(line)
    if args is None:
        raise ProtocolError("unbalanced quotes in request")
    return args
