"""Differential: stream commands against Redis Stack 7.4.1, replies compared byte for byte in RESP2 and RESP3.

Every scenario uses explicit ids (ids generated from the clock cannot match) and avoids replies that depend
on elapsed time (XPENDING's idle, XINFO CONSUMERS' idle/inactive). COMMAND INFO of the stream commands is
compared too. Skipped when Redis Stack cannot start.
"""

from __future__ import annotations

import random
import shlex
import time

import pytest
import redis

from tests.serverutil import RawClient, ThreadedServer, assert_same_raw_replies

SCENARIOS: dict[str, str] = {
    "ids_and_ranges": """
xadd s 1-1 a 1
xadd s 1-* b 2
xadd s 5-18446744073709551615 c 3
xadd s 18446744073709551615-18446744073709551615 c 3
xadd s 18446744073709551615-* c 3
xadd s3 18446744073709551615-18446744073709551615 c 3
xadd s3 * c 3
xadd s2 0-* a 1
xadd s2 maxlen ~ 10 limit 5 20-1 a 1
xadd s2 maxlen = 10 limit 5 20-2 a 1
xadd s2 minid ~ 10 limit 0 20-3 a 1
xadd s2 minid abc 20-3 a 1
xadd s2 minid -1 20-3 a 1
xadd s2 nomkstream nomkstream 20-4 a 1
xadd s2 1-18446744073709551616 a 1
xadd s2 18446744073709551616 a 1
xadd s2 01-1 a 1
xadd s2 +1-1 a 1
xadd s2 " 21" a 1
xadd s2 30-01 a 1
xadd s2 30-* a 1 b
xadd s2 - a 1
xadd s2 + a 1
xadd s2 $ a 1
xrange s (1-1 +
xrange s (- +
xrange s - (+
xrange s ( +
xrange s - + count 0
xrange s - + count -1
xrange s - + count x
xrange s abc +
xrange s - + foo
xrange s - + count 1 count 2
xrange s (18446744073709551615-18446744073709551615 +
xrange s - (0-0
xrange s 5 5
xrange s 5-* 6
xrange s 1-18446744073709551616 6
xrevrange s + - count 1
xrevrange s + (0-0
xrevrange s - +
xrevrange nope + -
xrevrange s + - count 0
xdel s 1-1 9-9 1-2
xdel s abc
xdel s 1
xdel s 1-*
xdel nope 1-1
xtrim s maxlen 0
xtrim s
xtrim s foo 1
xtrim nope maxlen 0
xtrim s maxlen
xtrim s maxlen 1 extra
xtrim s minid 5-0 limit 10
xtrim s minid ~ 5-0 limit 10
xread count 1 streams s
xread streams s s2 0 0
xread streams s $
xread streams s +
xread streams s2 +
xread streams s3 +
xread streams nope +
xread streams s
xread count -1 streams s2 0
xread count 0 streams s2 0
xread block -1 streams s2 0
xread block abc streams s2 0
xread foo streams s2 0
xread streams nope 0
xread streams s2 nope 0 0
xread streams s2 abc
set str x
xread streams str 0
xadd str * a 1
xlen str
xrange str - +
xsetid s2 1-1
xsetid s2 100-1 entriesadded 1 maxdeletedid 200-0
xsetid s2 100-1 entriesadded 100 maxdeletedid 200-0
xsetid s2 100-1 entriesadded 100 maxdeletedid 50-0
xsetid nope 1-1
xsetid s2 100-1 entriesadded -1
xsetid s2 100-1 entriesadded 100 foo
xsetid s2 100-1 maxdeletedid abc
xsetid s2 $
xsetid s2 100-*
type s2
object encoding s2
xinfo stream s2
xinfo stream s
xinfo stream nope
xinfo stream str
""",
    "add_and_trim_options": """
xadd s limit 5 1-1 a 1
xadd s limit 0 1-1 a 1
xadd s limit 5 maxlen 3 1-1 a 1
xadd s maxlen ~ 3 limit 0 1-1 a 1
xtrim s limit 5
xtrim nope limit 5
xadd s maxlen = 1-1 a 1
xadd s maxlen ~ 1-1 a 1
xadd s maxlen 1-1 a 1
xadd s maxlen
xadd s maxlen 3
xadd s maxlen 3 1-1
xadd s maxlen 3 * a
xadd s maxlen ~ x * a 1
xadd s minid ~ x * a 1
xadd s MAXLEN 3 NOMKSTREAM 2-1 a 1
xadd s2 NOMKSTREAM maxlen 0 2-1 a 1
exists s2
xadd s3 maxlen 0 2-1 a 1
xlen s3
xinfo stream s3
xadd s3 maxlen 0 0-1 a 1
xadd s4 0-0 a
xadd s4 0-0 a 1 b
xtrim s maxlen ~ 0 limit 0
xtrim s maxlen = 0 x
xtrim s minid +
xtrim s minid -
xtrim s minid 5
xtrim s maxlen 18446744073709551615
xtrim s maxlen 9223372036854775807
""",
    "reads": """
xadd s 1-1 a 1
xadd s 2-1 b 2
xdel s 2-1
xread streams s +
xread count 1 streams s 0
xgroup create s g 0
xreadgroup group g c streams s >
xreadgroup group g c streams s 0
xreadgroup group g c2 streams s 0
xreadgroup group g c streams s $
xreadgroup group g c streams s +
xreadgroup group g c streams s
xreadgroup group g c count 1 streams s 0-0 s
xreadgroup streams s 0
xreadgroup group g streams s 0
xread group g c streams s 0
xread noack streams s 0
xread streams s >
xreadgroup group nog c streams s >
xreadgroup group g c streams nokey >
xreadgroup group g c noack streams s >
xreadgroup group g c block 10 streams s >
xdel s 1-1
xreadgroup group g c streams s 0
xinfo groups s
set str x
xreadgroup group g c streams str >
xread block 10 block 20 streams s $
xread count 1 count 2 streams s 0
xread streams s 0 streams s 0
""",
    "group_errors": """
xgroup create s g $
xgroup create s g $ mkstream
xgroup create s g $ mkstream
xgroup create s g2 0 entriesread -2
xgroup create s g2 0 entriesread -1
xgroup create s g3 0 entriesread 5 mkstream
xgroup create s g4 0 foo
xgroup create s g5 abc
xgroup create s g5 +
xgroup create s g5 -
xgroup create s g6
xgroup setid s nog 0
xgroup setid nokey g 0
xgroup setid s g 0 entriesread 3
xgroup setid s g 0 mkstream
xgroup setid s g 5-5 entriesread x
xgroup createconsumer s g c1
xgroup createconsumer s g c1
xgroup createconsumer s nog c1
xgroup createconsumer nokey g c1
xgroup delconsumer s g c1
xgroup delconsumer s g c1
xgroup delconsumer s nog c1
xgroup destroy s g3
xgroup destroy s g3
xgroup destroy nokey g3
xgroup foo s
xgroup
xgroup create
xgroup create s
xgroup createconsumer s g
xgroup destroy s g x
xgroup help
xinfo help
xinfo
xinfo foo
xinfo groups
xinfo groups nokey
xinfo consumers s nog
xinfo stream s full count
xinfo stream s full count x
xinfo stream s foo
xinfo stream s full count 1 x
xinfo stream s full full
xack s g 1-1
xack s g abc
xack nokey g 1-1
xack s nog 1-1
xpending s g
xpending s nog
xpending nokey g
xpending s g - + 10
xpending s g idle 10 - + 10
xpending s g idle x - + 10
xpending s g - + x
xpending s g - + -1
xpending s g - +
xpending s g - + 10 c extra
xpending s g abc + 10
xpending s g (0 + 10
xpending s g idle 10
xclaim s g c 0 1-1
xclaim s g c x 1-1
xclaim s g c -5 1-1
xclaim s g c 0 abc
xclaim s g c 0 1-1 idle x
xclaim s g c 0 1-1 foo
xclaim s nog c 0 1-1
xclaim nokey g c 0 1-1
xclaim s g c 0 1-1 retrycount -1
xclaim s g c 0 1-1 lastid abc
xautoclaim s g c 0 0
xautoclaim s g c 0 0 count 0
xautoclaim s g c 0 0 count -1
xautoclaim s g c 0 0 count 100000000000
xautoclaim s g c 0 abc
xautoclaim s g c x 0
xautoclaim s g c -1 0
xautoclaim s g c 0 0 foo
xautoclaim s nog c 0 0
xautoclaim nokey g c 0 0
xautoclaim s g c 0 0 justid count 5
xinfo groups s
""",
    "generic_keys_and_full_info": """
xadd s 1-1 a 1
xadd s 2-1 b 2 c 3
xadd s 3-1 a 1
xgroup create s g1 0
xgroup create s g0 $
xgroup create s g2 2-1 entriesread 1
xinfo stream s full
xinfo stream s full count 1
xinfo stream s full count 0
xinfo stream s full count -5
xinfo stream s FULL COUNT 2
xinfo groups s
xdel s 3-1
xinfo groups s
xinfo stream s full
xadd e 1-1 a 1
xdel e 1-1
xinfo stream e full
xinfo groups e
scan 0 type stream match e
scan 0 type string
type e
object encoding e
copy s s2
xrange s2 - +
rename s2 s3
xinfo groups s3
expire s3 100
del s3
exists s3
xadd big 1-1 f 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789
xtrim big maxlen 0
xadd h 1-1 a 1
hset h2 a 1
xadd h2 1-1 a 1
xgroup create h2 g 0
xinfo stream h2
xlen h2
""",
    "found_by_random_sequences": """
xdel nope abc
set str x
xdel str abc
xadd s 1-1 a 1
xadd s 5-1 a 1
xadd s 8-1 a 1
xdel s 5-1
xsetid s 2-0
xsetid s 6-0
xsetid s 9-0 maxdeletedid 0-0
xinfo stream s
xgroup create e g 0 mkstream
xgroup setid e g 0 foo 3
xgroup create e g2 0 mkstream entriesread 3 mkstream x
xread streams e +
xread streams nope +
""",
    "groups_and_trimming": "\n".join(f"xadd s {i}-1 f{i % 3} v{i}" for i in range(1, 251)) + """
xinfo stream s
xadd s maxlen ~ 120 251-1 a 1
xlen s
xinfo stream s
xadd s minid ~ 180 252-1 a 1
xlen s
xtrim s maxlen ~ 10
xtrim s maxlen = 140
xinfo stream s
xdel s 120-1 200-1 130-1
xinfo stream s
xtrim s minid 150
xinfo stream s
xrange s - + count 3
xrevrange s + - count 3
xrange s (150-1 (160-1
xgroup create s g 0
xgroup create s g2 $
xgroup create s g3 200-1 entriesread 3
xinfo groups s
xreadgroup group g c1 count 5 streams s >
xreadgroup group g c2 count 3 streams s >
xinfo groups s
xpending s g
xack s g 150-1 151-1 999-1
xpending s g
xclaim s g c3 0 152-1 153-1 justid
xclaim s g c3 0 155-1 force retrycount 7
xclaim s g c3 0 156-1 force justid
xclaim s g c3 0 170-1 force justid lastid 300-1
xpending s g
xdel s 153-1
xautoclaim s g c4 0 0 count 2
xautoclaim s g c4 0 0 count 2 justid
xautoclaim s g c4 0 (155-1
xinfo groups s
xreadgroup group g c4 streams s 0
xreadgroup group g c4 count 1 streams s 0
xgroup delconsumer s g c4
xpending s g
xgroup setid s g 100 entriesread 50
xinfo groups s
xgroup setid s g2 $
xinfo groups s
xadd s 400-1 z 1
xinfo groups s
xreadgroup group g2 c noack streams s >
xinfo groups s
xsetid s 500-0 entriesadded 1000 maxdeletedid 450-0
xinfo groups s
xinfo stream s
xread count 2 streams s s 150 390
xread streams s nokey 398 0
object encoding s
type s
xadd s2 nomkstream 1-1 a 1
xadd s2 1-1 a 1 b 2 c 3
xadd s2 1-2 a 1 b 2 c 3
xadd s2 2-* a 1 b 2 c 4
xrange s2 - +
xrange s2 1 1
xrevrange s2 2 1-2
xinfo stream s2
""",
}


def _commands(script: str) -> list[list[bytes]]:
    return [[a.encode() for a in shlex.split(line)] for line in script.splitlines() if line.strip()]


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_stream_scenarios_match_redis_stack(server: ThreadedServer, stack_port: int, name: str, protocol: int) -> None:
    assert_same_raw_replies(server.port, stack_port, protocol, _commands(SCENARIOS[name]))


STREAM_COMMANDS = ["xadd", "xlen", "xrange", "xrevrange", "xdel", "xtrim", "xsetid", "xack", "xpending", "xclaim",
                   "xautoclaim"]


@pytest.mark.parametrize("name", STREAM_COMMANDS)
def test_command_info_matches(server: ThreadedServer, stack_port: int, name: str) -> None:
    """Name, arity, flags and key positions as Redis's COMMAND INFO gives them (RedVector leaves out ACL
    categories, tips and key specs for every command)."""
    ours = _head(server.port, name)
    assert ours == _head(stack_port, name)


@pytest.mark.parametrize("name", ["xread", "xreadgroup", "xgroup", "xinfo"])
def test_command_info_arity(server: ThreadedServer, stack_port: int, name: str) -> None:
    assert _head(server.port, name)[:5] == _head(stack_port, name)[:5]  # name and arity


def _head(port: int, name: str) -> list[bytes]:
    client = RawClient(port, 2)
    try:
        lines = client.call([b"COMMAND", b"INFO", name.encode()]).split(b"\r\n")
    finally:
        client.close()
    flags = int(lines[5][1:])
    return lines[:6 + flags + 3]


def _events(port: int) -> list[tuple[bytes, bytes]]:
    r = redis.Redis(port=port)
    r.flushall()
    r.config_set("notify-keyspace-events", "KEA")
    sub = r.pubsub()
    sub.psubscribe("__keyevent@0__:*")
    sub.get_message(timeout=1)
    for line in NOTIFIED.splitlines():
        r.execute_command(*shlex.split(line))
    r.execute_command("PING")
    out = []
    deadline = time.time() + 2
    while time.time() < deadline:
        message = sub.get_message(timeout=0.2)
        if message is None:
            break
        if message["type"] == "pmessage":
            out.append((message["channel"].split(b":", 1)[1], message["data"]))
    sub.close()
    r.config_set("notify-keyspace-events", "")
    r.close()
    return out


NOTIFIED = """XADD s 1-1 a 1
XADD s MAXLEN 1 2-1 a 1
XADD s MAXLEN 5 3-1 a 1
XDEL s 3-1
XDEL s 9-9
XTRIM s MAXLEN 0
XTRIM s MAXLEN 0
XSETID s 10-0
XGROUP CREATE s g 0
XGROUP CREATE m g $ MKSTREAM
XGROUP SETID s g 0
XGROUP CREATECONSUMER s g c
XGROUP CREATECONSUMER s g c
XADD s 11-0 a 1
XREADGROUP GROUP g c2 STREAMS s >
XACK s g 11-0
XCLAIM s g c3 0 11-0
XAUTOCLAIM s g c4 0 0
XGROUP DELCONSUMER s g c
XGROUP DESTROY s g
XADD n NOMKSTREAM 1-1 a 1
DEL s"""


def test_keyspace_events_match_redis_stack(server: ThreadedServer, stack_port: int) -> None:
    ours = _events(server.port)
    assert (b"xgroup-createconsumer", b"s") in ours and (b"xtrim", b"s") in ours
    assert ours == _events(stack_port)


def _random_command(rnd: random.Random) -> list[str]:
    """One stream command with explicit ids (the clock's are never compared), valid or not."""
    def some_id() -> str:
        c = rnd.random()
        if c < 0.1:
            return rnd.choice(["-", "+", "$", ">", "0", "abc", "(3-1", "(-", "18446744073709551615-18446744073709551615"])
        return str(rnd.randint(0, 40)) if c < 0.3 else f"{rnd.randint(0, 40)}-{rnd.randint(0, 3)}"

    k, g, c = rnd.choice(["s", "t", "str"]), rnd.choice(["g", "h"]), rnd.choice(["a", "b", "c"])
    count = ["COUNT", str(rnd.randint(-1, 4))] if rnd.random() < 0.5 else []
    return rnd.choice([
        lambda: ["XADD", k, *rnd.choice([[], ["NOMKSTREAM"], ["MAXLEN", rnd.choice("=~"), str(rnd.randint(0, 5))],
                                          ["MINID", rnd.choice("=~"), some_id()], ["MAXLEN", "~", "2", "LIMIT", "1"]]),
                 rnd.choice([some_id(), f"{rnd.randint(0, 40)}-*"]), "f", f"v{rnd.randint(0, 9)}"],
        lambda: ["XDEL", k, *[some_id() for _ in range(rnd.randint(1, 3))]],
        lambda: ["XTRIM", k, rnd.choice(["MAXLEN", "MINID"]), rnd.choice("=~"), some_id()],
        lambda: ["XRANGE", k, some_id(), some_id(), *count],
        lambda: ["XREVRANGE", k, some_id(), some_id(), *count],
        lambda: ["XREAD", *count, "STREAMS", k, some_id()],
        lambda: ["XGROUP", "CREATE", k, g, some_id(), *rnd.choice([[], ["MKSTREAM"], ["ENTRIESREAD", "3"]])],
        lambda: ["XGROUP", "SETID", k, g, some_id(), *rnd.choice([[], ["ENTRIESREAD", str(rnd.randint(-1, 9))]])],
        lambda: ["XGROUP", rnd.choice(["DESTROY", "CREATECONSUMER", "DELCONSUMER"]), k, g, c][:4 + (rnd.random() < .7)],
        lambda: ["XREADGROUP", "GROUP", g, c, *count, *(["NOACK"] if rnd.random() < 0.2 else []), "STREAMS", k,
                 rnd.choice([">", ">", some_id()])],
        lambda: ["XACK", k, g, *[some_id() for _ in range(rnd.randint(1, 3))]],
        lambda: ["XPENDING", k, g],
        lambda: ["XCLAIM", k, g, c, "0", *[some_id() for _ in range(rnd.randint(1, 3))],
                 *rnd.choice([[], ["JUSTID"], ["FORCE"], ["FORCE", "JUSTID"], ["RETRYCOUNT", "4"], ["LASTID", some_id()]])],
        lambda: ["XAUTOCLAIM", k, g, c, "0", some_id(), *rnd.choice([[], ["COUNT", "2"], ["JUSTID"]])],
        lambda: ["XINFO", rnd.choice(["GROUPS", "STREAM"]), k],
        lambda: ["XSETID", k, some_id(), *rnd.choice([[], ["ENTRIESADDED", str(rnd.randint(0, 20))],
                                                      ["MAXDELETEDID", some_id()]])],
        lambda: ["XLEN", k],
        lambda: ["SET", "str", "x"],
    ])()


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("seed", range(4))
def test_random_sequences_match_redis_stack(server: ThreadedServer, stack_port: int, seed: int, protocol: int) -> None:
    """Seeded random command sequences (groups, claims, trims, bad ids and options) answer as Redis Stack."""
    rnd = random.Random(seed)
    script = [[a.encode() for a in _random_command(rnd)] for _ in range(300)]
    assert_same_raw_replies(server.port, stack_port, protocol, script)
