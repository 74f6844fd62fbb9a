"""Reading AOF files: RESP-framed commands replayed through an ``execute`` callable.

Redis's rules are reproduced: a command cut short at the end of the last file (a crash during a write)
is dropped with a warning and the file truncated there when ``aof-load-truncated`` is yes, and so is a
MULTI block that never reached its EXEC; anything malformed elsewhere stops the start with the file
name and the byte offset. ``#`` lines (Redis's timestamp annotations) are skipped.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from redvector.errors import RedVectorError, UnknownCommand

log = logging.getLogger("redvector.aof")

Execute = Callable[[list[bytes]], Any]


class AofLoadError(Exception):
    """The AOF cannot be loaded; the message names the file and the offset."""


@dataclass(slots=True)
class AofLoadResult:
    commands: int = 0
    errors: int = 0
    truncated_at: int | None = None  # offset where a truncated tail was cut off


class _Truncated(Exception):
    def __init__(self, offset: int) -> None:
        self.offset = offset


class _Corrupt(Exception):
    def __init__(self, offset: int, what: str) -> None:
        self.offset = offset
        self.what = what


def iter_commands(data: bytes, start: int = 0) -> Iterator[tuple[list[bytes], int, int]]:
    """Yield (argv, start_offset, end_offset) for each command; raise _Truncated / _Corrupt."""
    p = start
    n = len(data)
    find = data.find
    while p < n:
        cmd_start = p
        first = data[p]
        if first == 35:  # '#': an annotation line
            eol = find(b"\n", p)
            if eol < 0:
                raise _Truncated(cmd_start)
            p = eol + 1
            continue
        if first != 42:  # '*'
            raise _Corrupt(p, "expected '*'")
        eol = find(b"\r\n", p)
        if eol < 0:
            raise _Truncated(cmd_start)
        try:
            argc = int(data[p + 1:eol])
        except ValueError:
            raise _Corrupt(p, "bad argument count")
        if argc < 1:
            raise _Corrupt(p, "bad argument count")
        p = eol + 2
        argv: list[bytes] = []
        for _ in range(argc):
            if p >= n:
                raise _Truncated(cmd_start)
            if data[p] != 36:  # '$'
                raise _Corrupt(p, "expected '$'")
            eol = find(b"\r\n", p)
            if eol < 0:
                raise _Truncated(cmd_start)
            try:
                length = int(data[p + 1:eol])
            except ValueError:
                raise _Corrupt(p, "bad bulk length")
            if length < 0:
                raise _Corrupt(p, "bad bulk length")
            p = eol + 2
            end = p + length
            if end + 2 > n:
                raise _Truncated(cmd_start)
            if data[end:end + 2] != b"\r\n":
                raise _Corrupt(end, "expected CRLF after a bulk string")
            argv.append(data[p:end])
            p = end + 2
        yield argv, cmd_start, p


def replay_aof_bytes(data: bytes, path: str, execute: Execute, is_last: bool, allow_truncated: bool,
                     start: int = 0) -> AofLoadResult:
    """Replay one AOF file's commands. Truncates the file on disk when its tail was dropped."""
    result = AofLoadResult()
    multi_start: int | None = None
    try:
        for argv, cmd_start, _end in iter_commands(data, start):
            name = argv[0].upper()
            if name == b"MULTI":
                multi_start = cmd_start
            elif name == b"EXEC":
                multi_start = None
            reply = execute(argv)
            result.commands += 1
            if isinstance(reply, UnknownCommand):
                raise AofLoadError(
                    f"Unknown command '{argv[0].decode(errors='replace')}' reading the append only file "
                    f"{path} at offset {cmd_start}")
            if isinstance(reply, RedVectorError):
                result.errors += 1
    except _Corrupt as exc:
        raise AofLoadError(
            f"Bad file format reading the append only file {path}: {exc.what} at offset {exc.offset}. "
            f"Make a backup of your AOF file, then use redis-check-aof --fix <filename.manifest>")
    except _Truncated as exc:
        cut = multi_start if multi_start is not None else exc.offset
        _drop_tail(path, cut, len(data), execute, multi_start is not None, is_last, allow_truncated)
        result.truncated_at = cut
        return result
    if multi_start is not None:  # the file ends inside MULTI: the transaction never completed
        _drop_tail(path, multi_start, len(data), execute, True, is_last, allow_truncated)
        result.truncated_at = multi_start
    return result


def _drop_tail(path: str, cut: int, size: int, execute: Execute, in_multi: bool, is_last: bool,
               allow_truncated: bool) -> None:
    if not is_last or not allow_truncated:
        raise AofLoadError(
            f"Unexpected end of file reading the append only file {path} at offset {cut}"
            + ("" if is_last else " (not the last file of the AOF)")
            + ". You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>."
              " 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart"
              " the server.")
    if in_multi:
        execute([b"DISCARD"])
    log.warning("!!! Warning: short read while loading the AOF file %s!!! AOF loaded anyway because "
                "aof-load-truncated is enabled; %d bytes of an incomplete last command%s dropped at offset %d",
                path, size - cut, " (an unfinished MULTI block)" if in_multi else "", cut)
    try:
        os.truncate(path, cut)
    except OSError as exc:
        raise AofLoadError(f"Error truncating the AOF file {path}: {exc}")
