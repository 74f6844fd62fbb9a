"""Background snapshot children: fork, let the child write from its copy-on-write view, reap it.

The forked child sees the keyspace exactly as it was at the fork, so a dump written there is consistent
while the parent keeps serving clients (Redis's BGSAVE and BGREWRITEAOF). Without fork the work runs
inline, which blocks but stays correct.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("redvector.persistence")


@dataclass(slots=True)
class ChildJob:
    kind: str  # "rdb" or "aof"
    pid: int
    started_at: float
    on_exit: Callable[[bool], None]


def fork_available() -> bool:
    return hasattr(os, "fork")


def start_child(kind: str, work: Callable[[], None], on_exit: Callable[[bool], None]) -> ChildJob | None:
    """Fork and run ``work`` in the child; None when fork failed (the caller may run it inline)."""
    if not fork_available():
        return None
    try:
        pid = os.fork()
    except OSError as exc:
        log.error("Can't fork a background %s child: %s", kind, exc)
        return None
    if pid == 0:  # the child: no GC (it would touch every page), no atexit handlers, no event loop
        gc.disable()
        code = 0
        try:
            work()
        except BaseException:
            traceback.print_exc(file=sys.stderr)
            code = 1
        finally:
            try:
                sys.stderr.flush()
            finally:
                os._exit(code)
    return ChildJob(kind, pid, time.time(), on_exit)


def poll_child(job: ChildJob) -> bool:
    """Reap the child if it has exited (calling ``on_exit(success)``); True when it is done."""
    try:
        pid, status = os.waitpid(job.pid, os.WNOHANG)
    except ChildProcessError:
        job.on_exit(False)
        return True
    if pid == 0:
        return False
    ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    if not ok:
        log.error("Background %s child %d terminated with status %d", job.kind, job.pid, status)
    job.on_exit(ok)
    return True


def kill_child(job: ChildJob) -> None:
    try:
        os.kill(job.pid, 9)
        os.waitpid(job.pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
