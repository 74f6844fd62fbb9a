"""The append-only file writer: RESP-framed commands, the three fsync policies and group commit.

Writes are appended to an in-memory buffer by ``feed`` (a propagation sink), then:

- ``no`` / ``everysec``: the buffer goes to the kernel at the end of each event-loop iteration
  (``write``), and with everysec a background thread fsyncs about once a second, so a power loss costs
  at most ~1 s of writes. Replies are not held (holding them costs ~20% of write throughput); a process
  crash can lose only the writes of the loop iteration it interrupts.
- ``always``: the RESP connections route their replies through ``gate``: while written data is not yet
  on disk, replies are held. One background write+fsync covers everything buffered so far (every client
  whose commands ran in this loop iteration: group commit), then the held replies are released in
  order. Commands arriving meanwhile form the next group.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, cast

from hiredis import pack_command

log = logging.getLogger("redvector.aof")

Write = Callable[[bytes], None]

_SELECT_PREFIX = b"*2\r\n$6\r\nSELECT\r\n"


def encode_command(argv: list[bytes]) -> bytes:
    parts = [b"*%d\r\n" % len(argv)]
    for arg in argv:
        parts.append(b"$%d\r\n" % len(arg))
        parts.append(arg)
        parts.append(b"\r\n")
    return b"".join(parts)


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class AofWriter:
    """Appends commands to the current incremental file, fsyncing by ``appendfsync``."""

    def __init__(self, path: str, policy: str, on_fatal: Callable[[str], None] | None = None) -> None:
        self.policy = policy
        self.buf = bytearray()
        self.selected_db = -1
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.size = os.fstat(self.fd).st_size
        self.io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aof-io")
        self.loop: asyncio.AbstractEventLoop | None = None
        self.on_fatal = on_fatal
        self._flush_scheduled = False
        self._fd_lock = threading.Lock()  # the fsync thread and rotation both use ``fd``
        # always: replies waiting for the fsync that covers them
        self._held: list[tuple[Write, bytes]] = []
        self._inflight_held: list[tuple[Write, bytes]] = []
        self._sync_in_flight = False
        # everysec
        self._last_fsync = time.monotonic()
        self._unsynced = False
        self._fsync_future: Future[None] | None = None
        self.last_write_ok = True
        self.fsync_count = 0

    # -- the propagation sink ------------------------------------------------------------------------
    def feed(self, db_index: int, argv: list[bytes]) -> None:
        buf = self.buf
        if db_index != self.selected_db:
            db = b"%d" % db_index
            buf += _SELECT_PREFIX + b"$%d\r\n%s\r\n" % (len(db), db)
            self.selected_db = db_index
        # hiredis's C encoder: a RESP multibulk, as Redis logs it (its stub types the tuple as 1-long).
        buf += pack_command(cast(Any, tuple(argv)))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            loop = self.loop
            if loop is not None:
                loop.call_soon(self._flush_soon)

    def _flush_soon(self) -> None:
        self._flush_scheduled = False
        if self.policy == "always":
            self._start_group()
        else:
            self.write_buffer()
            held, self._held = self._held, []
            self._release(held)

    # -- no / everysec ---------------------------------------------------------------------------------
    def write_buffer(self) -> None:
        """Hand the buffer to the kernel (a process crash after this loses nothing)."""
        if not self.buf or self._sync_in_flight:
            return
        data = bytes(self.buf)
        try:
            with self._fd_lock:
                _write_all(self.fd, data)
        except OSError as exc:
            if self.last_write_ok:
                log.error("Error writing to the AOF file %s: %s (will retry)", self.path, exc)
            self.last_write_ok = False
            return
        self.last_write_ok = True
        self.buf.clear()
        self.size += len(data)
        self._unsynced = True

    def tick(self) -> None:
        """Cron: everysec fsync in the background, at most one in flight."""
        if self.policy == "always":
            return
        self.write_buffer()
        if self.policy != "everysec" or not self._unsynced:
            return
        if time.monotonic() - self._last_fsync < 1.0:
            return
        if self._fsync_future is not None and not self._fsync_future.done():
            return  # the disk is slow; Redis likewise postpones rather than piling up fsyncs
        self._unsynced = False
        self._last_fsync = time.monotonic()
        self._fsync_future = self.io.submit(self._fsync_current)

    def _fsync_current(self) -> None:
        with self._fd_lock:
            try:
                os.fsync(self.fd)
                self.fsync_count += 1
            except OSError as exc:
                log.error("AOF fsync failed: %s", exc)

    # -- always: group commit -------------------------------------------------------------------------
    def gate(self, write: Write, data: bytes) -> bool:
        """appendfsync always: hold a reply while the writes before it are not on disk; False: send now."""
        if not self.buf and not self._sync_in_flight and not self._held:
            return False
        self._held.append((write, data))
        if not self._flush_scheduled and not self._sync_in_flight:
            self._flush_scheduled = True
            assert self.loop is not None
            self.loop.call_soon(self._flush_soon)
        return True

    def _start_group(self) -> None:
        if self._sync_in_flight:
            return  # the group in flight reschedules when done
        held, self._held = self._held, []
        if not self.buf:
            self._release(held)
            return
        data = bytes(self.buf)
        self.buf.clear()
        self._sync_in_flight = True
        self._inflight_held = held
        loop = self.loop
        assert loop is not None
        future = self.io.submit(self._write_and_sync, data)
        future.add_done_callback(lambda f: loop.call_soon_threadsafe(self._group_done, f))

    def _write_and_sync(self, data: bytes) -> None:
        with self._fd_lock:
            _write_all(self.fd, data)
            self.size += len(data)
            os.fsync(self.fd)
            self.fsync_count += 1

    def _group_done(self, future: Future[None]) -> None:
        if not self._sync_in_flight:
            return  # sync_now already finished this group
        self._sync_in_flight = False
        held, self._inflight_held = self._inflight_held, []
        exc = future.exception()
        if exc is not None:
            # Redis exits here too: with appendfsync always an acknowledged write must be on disk.
            message = f"Can't persist AOF for fsync error when the AOF fsync policy is 'always': {exc}. Exiting..."
            log.critical(message)
            if self.on_fatal is not None:
                self.on_fatal(message)
            return
        self._release(held)
        if self.buf or self._held:
            self._start_group()

    @staticmethod
    def _release(held: list[tuple[Write, bytes]]) -> None:
        for write, data in held:
            try:
                write(data)
            except Exception:
                log.exception("error sending a reply held for the AOF fsync")

    async def durable(self) -> None:
        """Wait until everything fed so far is on disk (always), or hand it to the kernel (everysec, no):
        REST/gRPC answer after this."""
        if self.policy != "always":
            self.write_buffer()
            return
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        if not self.gate(lambda _data: done.set_result(None) if not done.done() else None, b""):
            return
        await done

    # -- synchronous paths (rotation, shutdown) ---------------------------------------------------------
    def sync_now(self) -> None:
        """Write and fsync everything buffered, wait for a group in flight, release held replies."""
        # Whatever the io thread has queued (a group commit, an everysec fsync) completes first.
        self.io.submit(lambda: None).result()
        if self._sync_in_flight:
            self._sync_in_flight = False
            earlier, self._inflight_held = self._inflight_held, []
            self._release(earlier)
        data = bytes(self.buf)
        self.buf.clear()
        with self._fd_lock:
            if data:
                _write_all(self.fd, data)
                self.size += len(data)
            os.fsync(self.fd)
        self._unsynced = False
        held, self._held = self._held, []
        self._release(held)

    def switch_file(self, path: str) -> None:
        """Continue in a new incremental file (AOF rewrite start); the old one is synced and closed."""
        self.sync_now()
        new_fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        with self._fd_lock:
            old, self.fd = self.fd, new_fd
            os.close(old)
        self.path = path
        self.size = 0
        self.selected_db = -1  # each file starts with SELECT, as Redis does

    def close(self) -> None:
        try:
            self.sync_now()
        finally:
            os.close(self.fd)
            self.io.shutdown(wait=True)
