"""What the server tells about the commands it runs: MONITOR's feed and the SLOWLOG.

MONITOR: every command a client runs is written to the monitoring clients as Redis writes it,
``+<unix time with microseconds> [<db> <client address>] "arg" "arg" ...`` (arguments quoted and escaped
as sdscatrepr does; ``lua`` as the address of a script's commands; AUTH's and HELLO's arguments redacted).
Administrative commands are not shown (the dispatcher leaves them out, as Redis does).

SLOWLOG: a command that ran for ``slowlog-log-slower-than`` microseconds or more (0: every command;
negative: none) is kept, newest first, up to ``slowlog-max-len`` entries: its id, unix time, duration in
microseconds, arguments (at most 32, each cut at 128 bytes, as Redis cuts them), client address and name.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from redvector.replies import SimpleString
from redvector.server.client import ClientState

_MAX_ARGS = 32
_MAX_ARG_LEN = 128
_REDACTED = frozenset({"AUTH", "HELLO", "MIGRATE"})


class SlowlogEntry:
    __slots__ = ("args", "client_addr", "client_name", "duration_us", "id", "time")

    def __init__(self, entry_id: int, at: int, duration_us: int, args: list[bytes], addr: bytes, name: bytes) -> None:
        self.id = entry_id
        self.time = at
        self.duration_us = duration_us
        self.args = args
        self.client_addr = addr
        self.client_name = name

    def reply(self) -> list[Any]:
        return [self.id, self.time, self.duration_us, self.args, self.client_addr, self.client_name]


class CommandLog:
    def __init__(self) -> None:
        self.monitors: list[ClientState] = []
        self.slowlog: deque[SlowlogEntry] = deque()
        self.next_id = 0

    # -- MONITOR ---------------------------------------------------------------------------------------
    def add_monitor(self, client: ClientState) -> None:
        if client not in self.monitors:
            self.monitors.append(client)

    def drop_monitor(self, client: ClientState) -> None:
        if client in self.monitors:
            self.monitors.remove(client)

    def feed(self, name: str, client: ClientState | None, db_index: int, argv: list[bytes]) -> None:
        """Write one command to every monitor (``client`` None: a script's command)."""
        now = time.time()
        where = b"lua" if client is None else client.addr.encode()
        args = [argv[0], *(b"(redacted)" for _ in argv[1:])] if name in _REDACTED else argv
        line = b"%d.%06d [%d %b] %b" % (int(now), int(now * 1_000_000) % 1_000_000, db_index, where,
                                       b" ".join(_repr(a) for a in args))
        message = SimpleString(line)
        for monitor in list(self.monitors):
            monitor.deliver(message)

    # -- SLOWLOG ---------------------------------------------------------------------------------------
    def record(self, argv: list[bytes], duration_us: int, client: ClientState, max_len: int) -> None:
        if max_len <= 0:
            return
        args = [a if len(a) <= _MAX_ARG_LEN else a[:_MAX_ARG_LEN] + b"... (%d more bytes)" % (len(a) - _MAX_ARG_LEN)
                for a in argv[:_MAX_ARGS if len(argv) <= _MAX_ARGS else _MAX_ARGS - 1]]
        if len(argv) > _MAX_ARGS:
            args.append(b"... (%d more arguments)" % (len(argv) - _MAX_ARGS + 1))
        self.slowlog.appendleft(SlowlogEntry(self.next_id, int(time.time()), duration_us, args, client.addr.encode(),
                                             client.name))
        self.next_id += 1
        while len(self.slowlog) > max_len:
            self.slowlog.pop()


_ESCAPES = {0x5C: b"\\\\", 0x22: b'\\"', 0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t", 0x07: b"\\a", 0x08: b"\\b"}


def _repr(arg: bytes) -> bytes:
    """sdscatrepr: the argument in double quotes, ``\\\\ \\" \\n \\r \\t \\a \\b`` escaped, other bytes
    outside printable ASCII as ``\\xHH``."""
    out = bytearray(b'"')
    for byte in arg:
        escaped = _ESCAPES.get(byte)
        if escaped is not None:
            out += escaped
        elif 0x20 <= byte < 0x7F:
            out.append(byte)
        else:
            out += b"\\x%02x" % byte
    out += b'"'
    return bytes(out)
