"""Consumer groups against Redis Stack 7.4.1 where the replies carry clock readings: the same commands on both
servers, then the pending entries, groups and consumers compared with the idle / seen / active times taken out
(delivery times set with XCLAIM TIME are absolute, so they are compared). Skipped when Redis Stack cannot start.
"""

from __future__ import annotations

import shlex
from typing import Any

import pytest
import redis

from tests.serverutil import ThreadedServer

WORKFLOW = """
XADD s 1-1 a 1
XADD s 2-1 b 2
XADD s 3-1 a 3
XADD s 4-1 c 4
XADD s 5-1 a 5
XADD s 6-1 a 6
XADD s 7-1 a 7
XGROUP CREATE s g 0
XGROUP CREATE s h 3-1
XGROUP CREATE s k $ ENTRIESREAD 7
XREADGROUP GROUP g alice COUNT 2 STREAMS s >
XREADGROUP GROUP g bob COUNT 3 STREAMS s >
XREADGROUP GROUP h carol STREAMS s >
XREADGROUP GROUP g alice STREAMS s 0
XREADGROUP GROUP g bob COUNT 1 STREAMS s 2-1
XCLAIM s g dave 0 1-1 4-1 TIME 1000000 RETRYCOUNT 5
XCLAIM s g dave 0 2-1 IDLE 3600000000000 JUSTID
XCLAIM s g erin 0 6-1 7-1 FORCE TIME 2000000
XCLAIM s g erin 0 99-1 FORCE JUSTID
XCLAIM s g erin 0 3-1 LASTID 6-1 TIME 3000000
XDEL s 3-1 5-1
XREADGROUP GROUP g erin STREAMS s 0
XAUTOCLAIM s g frank 0 0 COUNT 1 JUSTID
XAUTOCLAIM s g frank 0 0 COUNT 2
XAUTOCLAIM s g frank 0 (4-1 COUNT 10 JUSTID
XAUTOCLAIM s g frank 3600000 0
XACK s g 1-1 6-1 6-1 42-1
XGROUP DELCONSUMER s h carol
XREADGROUP GROUP k kim NOACK STREAMS s >
XADD s 8-1 z 8
XREADGROUP GROUP k kim NOACK STREAMS s >
XGROUP SETID s h 0 ENTRIESREAD 2
XTRIM s MINID 4-1
XREADGROUP GROUP h hank COUNT 2 STREAMS s >
XGROUP CREATECONSUMER s h ivy
XSETID s 20-0 ENTRIESADDED 30 MAXDELETEDID 10-0
XREADGROUP GROUP h ivy STREAMS s >
"""


def _run(port: int) -> dict[str, Any]:
    client = redis.Redis(port=port, protocol=3)
    client.response_callbacks.clear()  # the replies as parsed from RESP3, no redis-py reshaping
    try:
        client.flushall()
        replies = []
        for line in WORKFLOW.strip().splitlines():
            replies.append(client.execute_command(*shlex.split(line)))
        state = {
            "replies": replies,
            "full": _untimed(client.execute_command("XINFO", "STREAM", "s", "FULL", "COUNT", "0")),
            "groups": client.execute_command("XINFO", "GROUPS", "s"),
            "consumers": {g: [_drop(c, b"idle", b"inactive") for c in client.execute_command("XINFO", "CONSUMERS",
                                                                                              "s", g)]
                          for g in ("g", "h", "k")},
            "pending": {g: client.execute_command("XPENDING", "s", g) for g in ("g", "h", "k")},
            "rows": [row[:2] + row[3:] for row in client.execute_command("XPENDING", "s", "g", "-", "+", "100")],
            "by_consumer": [row[0] for row in client.execute_command("XPENDING", "s", "g", "-", "+", "100", "frank")],
        }
        return state
    finally:
        client.close()


def _drop(mapping: dict[bytes, Any], *names: bytes) -> dict[bytes, Any]:
    return {k: v for k, v in mapping.items() if k not in names}


def _untimed(full: dict[bytes, Any]) -> dict[bytes, Any]:
    """XINFO STREAM FULL without the consumers' seen/active times (clock readings; delivery times are
    normalised by _normalise_times, which keeps the ones XCLAIM TIME set)."""
    out = dict(full)
    groups = []
    for group in full[b"groups"]:
        group = dict(group)
        group[b"consumers"] = [_drop(c, b"seen-time", b"active-time") for c in group[b"consumers"]]
        groups.append(group)
    out[b"groups"] = groups
    return out


def _normalise_times(state: dict[str, Any], now_floor: int) -> dict[str, Any]:
    """Delivery times from the clock (after now_floor) become "now"; the TIME-set ones stay."""
    def fix(value: Any) -> Any:
        if isinstance(value, int) and value >= now_floor:
            return "now"
        if isinstance(value, list):
            return [fix(v) for v in value]
        if isinstance(value, dict):
            return {k: fix(v) for k, v in value.items()}
        return value

    return {k: fix(v) for k, v in state.items()}


def test_group_workflow_matches_redis_stack(server: ThreadedServer, stack_port: int) -> None:
    import time

    floor = int(time.time() * 1000) - 60_000
    ours = _normalise_times(_run(server.port), floor)
    theirs = _normalise_times(_run(stack_port), floor)
    for name in theirs:
        if name == "replies":
            for n, (mine, ref) in enumerate(zip(ours[name], theirs[name], strict=True)):
                assert mine == ref, (WORKFLOW.strip().splitlines()[n], mine, ref)
        assert ours[name] == theirs[name], name


@pytest.mark.parametrize("protocol", [2, 3])
def test_xpending_summary_counts_are_bulk_strings(server: ThreadedServer, protocol: int) -> None:
    client = redis.Redis(port=server.port, protocol=protocol)
    client.response_callbacks.clear()
    try:
        client.flushall()
        client.execute_command("XADD", "s", "1-1", "a", "1")
        client.execute_command("XGROUP", "CREATE", "s", "g", "0")
        client.execute_command("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
        assert client.execute_command("XPENDING", "s", "g")[3] == [[b"c", b"1"]]
    finally:
        client.close()
