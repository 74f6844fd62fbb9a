"""ACL selectors (Redis 7's ``(...)`` rules) against Redis Stack 7.4, byte for byte: SETUSER with one or
several selectors (commands, key patterns with %R~/%W~, channels), clearselectors and reset, their
syntax errors, ACL LIST / GETUSER, DRYRUN allowed and denied for keys and channels (Redis's pick of the
error among the selectors), real commands run as a restricted user (AUTH) and the ACL LOG entries the
refusals leave (their stable fields)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.serverutil import RawClient, ThreadedServer, assert_same_raw_replies

USERS = ["sel", "sel2", "bad", "multi"]


def _c(*args: str) -> list[bytes]:
    return [a.encode() for a in args]


SETUP = [_c("FLUSHALL"), _c("ACL", "DELUSER", *USERS), _c("ACL", "LOG", "RESET")]

SETUSER = [
    _c("ACL", "SETUSER", "sel", "on", ">pw", "+get", "~read:*", "(+set ~write:*)", "(+@read ~other:* &chan)"),
    _c("ACL", "SETUSER", "sel2", "(+get", "~x)", "(", "+set", ")", "()", "(+get '~q)"),
    _c("ACL", "SETUSER", "sel2", "(allkeys allchannels allcommands)",
       "(%R~r* %W~w* %RW~rw* ~x %R~x -@all +@hash -hdel +client|list)", "(%wr~k %R %R~)"),
    _c("ACL", "LIST"),
    _c("ACL", "GETUSER", "sel"),
    _c("ACL", "GETUSER", "sel2"),
    _c("ACL", "GETUSER", "default"),
    _c("ACL", "SETUSER", "sel2", "clearselectors"),
    _c("ACL", "GETUSER", "sel2"),
    _c("ACL", "SETUSER", "sel2", "(+get)", "reset"),
    _c("ACL", "GETUSER", "sel2"),
    _c("ACL", "SETUSER", "sel2", "(+get)", "CLEARSELECTORS", "(+set)"),
    _c("ACL", "LIST"),
]

ERRORS = [
    _c("ACL", "SETUSER", "bad", "(+get", "~x"),
    _c("ACL", "SETUSER", "bad", "on", "(+get", "(~x"),
    _c("ACL", "SETUSER", "bad", "(+get ~x foo)"),
    _c("ACL", "SETUSER", "bad", "(on)"),
    _c("ACL", "SETUSER", "bad", "(>pw)"),
    _c("ACL", "SETUSER", "bad", "(resetpass)"),
    _c("ACL", "SETUSER", "bad", "(clearselectors)"),
    _c("ACL", "SETUSER", "bad", "(reset)"),
    _c("ACL", "SETUSER", "bad", "((+get))"),
    _c("ACL", "SETUSER", "bad", "(+get) (+set)"),
    _c("ACL", "SETUSER", "bad", "(+get)", "(allkeys ~x)"),
    _c("ACL", "SETUSER", "bad", "(allchannels &x)"),
    _c("ACL", "SETUSER", "bad", "(+nocmd)"),
    _c("ACL", "SETUSER", "bad", "(+@nocat)"),
    _c("ACL", "SETUSER", "bad", "(%X~k)"),
    _c("ACL", "SETUSER", "bad", "(%~k)"),
    _c("ACL", "SETUSER", "bad", "(%RR~k)"),
    _c("ACL", "SETUSER", "bad", '(+get "~a b")'),
    _c("ACL", "SETUSER", "bad", "~a b"),
    _c("ACL", "SETUSER", "bad", "&a b"),
    _c("ACL", "SETUSER", "bad", "allkeys", "%X~k"),
    _c("ACL", "SETUSER", "bad", ")"),
    _c("ACL", "SETUSER", "b d", "on"),
    _c("ACL", "SETUSER", "b\td", "on"),
    _c("ACL", "USERS"),  # nothing was created by the refused rules
]

# DRYRUN: the root allows GET on k*; the selectors SET on w* (write only) with channels c*, MGET/COPY on
# m* and r* (read only), PUBLISH/SUBSCRIBE/PSUBSCRIBE on news*, PUBLISH on sp* with MSET on ms*.
DRYRUN_USER = _c("ACL", "SETUSER", "multi", "reset", "on", "nopass", "~k*", "+get", "(+set %W~w* &c*)",
                 "(+mget +copy ~m* %R~r*)", "(+publish +subscribe +psubscribe &news*)", "(+publish &sp* +mset ~ms*)")
DRYRUNS = [
    "get k1", "get w1", "set w1 v", "set k1 v", "mget k1 m1", "mget m1 k1", "mget k1 k2", "mget m1 r1 x",
    "mget x m1 y", "copy m1 r1", "publish news.1 x", "publish chan x", "publish sp1 x", "subscribe news.1 sp1",
    "subscribe x news.1", "psubscribe news*", "psubscribe news.*", "mset ms1 a", "mset x a", "mset ms1 a x b",
    "mset x a ms1 b", "hget k f", "set", "nocmd", "get k1 extra", "client list", "client kill id 1",
    "ssubscribe news.1", "ping", "auth a b",
]
DRYRUN = [DRYRUN_USER, _c("ACL", "LIST")] + [_c("ACL", "DRYRUN", "multi", *c.split()) for c in DRYRUNS] + [
    _c("ACL", "DRYRUN", "nobody", "get", "k")]

# Real commands as the restricted user: allowed by the root or one selector, refused with NOPERM.
AS_USER = [
    _c("ACL", "SETUSER", "sel", "reset", "on", ">pw", "+get", "+auth", "~read:*", "(+set +get ~write:*)",
       "(+@read ~other:* &chan +publish)"),
    _c("SET", "read:1", "r"),
    _c("SET", "other:1", "o"),
    _c("AUTH", "sel", "pw"),
    _c("ACL", "WHOAMI"),
    _c("GET", "read:1"),
    _c("SET", "write:1", "w"),
    _c("GET", "write:1"),
    _c("GET", "other:1"),
    _c("STRLEN", "other:1"),
    _c("STRLEN", "read:1"),
    _c("SET", "read:1", "x"),
    _c("SET", "other:1", "x"),
    _c("DEL", "write:1"),
    _c("PUBLISH", "chan", "hi"),
    _c("PUBLISH", "other", "hi"),
    _c("MGET", "other:1", "other:2"),
    _c("MGET", "other:1", "read:1"),
    _c("MULTI"),
    _c("AUTH", "default", "x"),
    _c("GET", "read:1"),
    _c("GET", "write:1"),
    _c("GET", "other:1"),
    _c("ACL", "DRYRUN", "sel", "mget", "other:1", "read:1"),
    _c("ACL", "SETUSER", "sel", "clearselectors"),
    _c("ACL", "DRYRUN", "sel", "set", "write:1", "v"),
]


# Key permissions as Redis's key specs give them: read where the command reads the value, write where it
# changes the key, neither for metadata (HLEN, EXISTS: a pattern must still match); SET ... GET, BITFIELD,
# SORT ... STORE and MIGRATE as Redis's own key finders say.
KEY_TEMPLATES = [
    "get K", "set K v", "set K v get", "set K v ex 10 get", "getdel K", "incr K", "append K v", "strlen K",
    "mget K K", "mset K v K v", "del K", "exists K K", "type K", "ttl K", "expire K 10", "copy K K", "rename K K",
    "lpush K v", "lpop K", "llen K", "lmove K K left right", "smove K K m", "sinterstore K K K", "hset K f v",
    "hget K f", "hlen K", "hincrby K f 1", "zadd K 1 m", "zcard K", "zunionstore K 2 K K", "zrangestore K K 0 1",
    "pfadd K a", "pfmerge K K", "setbit K 0 1", "bitop and K K K", "bitfield K get u8 0",
    "bitfield K overflow wrap get u8 0", "bitfield K set u8 0 1", "bitfield_ro K get u8 0",
    "geosearchstore K K fromlonlat 0 0 byradius 1 km", "georadius K 0 0 1 km store K", "xadd K * f v", "xlen K",
    "xread streams K K 0 0", "sort K", "sort K store K", "sort K by x get y store K limit 0 1", "sort_ro K",
    "lmpop 1 K left", "eval x 2 K K", "migrate h 1 K 0 10", "migrate h 1 '' 0 10 keys K K", "object freq K",
    "watch K", "json.get K", "json.set K $ 1", "json.mget K K $", "ft.search K x",
]


def _key_dryruns() -> list[list[bytes]]:
    out = [_c("ACL", "SETUSER", "multi", "reset", "on", "nopass", "+@all", "%R~r*", "%W~w*", "~rw*")]
    for template in KEY_TEMPLATES:
        words = ["" if w == "''" else w for w in template.split()]
        count = words.count("K")
        for first in ("r1", "w1", "rw1"):
            for second in ("r1", "w1", "rw1") if count > 1 else (first,):
                names = iter([first] + [second] * (count - 1))
                out.append(_c("ACL", "DRYRUN", "multi", *(next(names) if w == "K" else w for w in words)))
    # the same through selectors: reads from one, writes from another
    out.append(_c("ACL", "SETUSER", "multi", "reset", "on", "nopass", "(+@all %R~r*)", "(+@all %W~w*)"))
    out.extend(_c("ACL", "DRYRUN", "multi", *c.split()) for c in ("copy r1 w1", "copy w1 r1", "get w1", "set w1 v",
                                                                  "set w1 v get", "lmove r1 w1 left right"))
    return out


@pytest.fixture
def clean(server: ThreadedServer, stack_port: int) -> Iterator[None]:
    """Both servers without the test's users and ACL LOG afterwards (the reference lives for the module)."""
    yield
    for port in (server.port, stack_port):
        client = redis.Redis(port=port)
        client.acl_deluser(*USERS)
        client.acl_setuser("default", reset=True, enabled=True, nopass=True, keys=["*"], channels=["*"],
                           commands=["+@all"])
        client.acl_log_reset()
        client.close()


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("commands", [SETUSER, ERRORS, DRYRUN, AS_USER, _key_dryruns()],
                         ids=["setuser", "errors", "dryrun", "as-user", "key-access"])
def test_selectors_match_redis_stack(server: ThreadedServer, stack_port: int, clean: None, protocol: int,
                                     commands: list[list[bytes]]) -> None:
    assert_same_raw_replies(server.port, stack_port, protocol, commands, SETUP)


def _stable_log(port: int) -> list[tuple[object, ...]]:
    client = redis.Redis(port=port, protocol=3)
    try:
        return [(e["count"], e["reason"], e["context"], e["object"], e["username"]) for e in client.acl_log()]
    finally:
        client.close()


def test_acl_log_entries_match_redis_stack(server: ThreadedServer, stack_port: int, clean: None) -> None:
    """The refusals selector users meet (command, key, channel; at top level and while queueing in MULTI)
    leave the same ACL LOG entries (count, reason, context, object, username) on both servers."""
    for port in (server.port, stack_port):
        client = RawClient(port, 2)
        for cmd in [*SETUP, *AS_USER[:4], _c("SET", "read:1", "x"), _c("SET", "read:1", "x"),
                    _c("GET", "nokey"), _c("HGET", "read:1", "f"), _c("PUBLISH", "other", "m"),
                    _c("MGET", "other:1", "read:1"), _c("MULTI"), _c("SET", "read:2", "x"), _c("DISCARD"),
                    _c("AUTH", "default", "x"),
                    # refusals while queueing in MULTI are logged in the "multi" context
                    _c("ACL", "SETUSER", "multi", "reset", "on", ">pw", "~k*", "+get",
                       "(+multi +exec +discard +set ~w*)"),
                    _c("AUTH", "multi", "pw"), _c("MULTI"), _c("SET", "w1", "v"), _c("SET", "k1", "v"),
                    _c("GET", "w1"), _c("EXEC"), _c("EVAL", "return 1", "0"), _c("AUTH", "default", "x")]:
            client.call(cmd)
        client.close()
    ours, theirs = _stable_log(server.port), _stable_log(stack_port)
    assert len(ours) >= 4
    assert ours == theirs, f"{ours}\n{theirs}"


def _subscriber(port: int, *subscribe: list[bytes]) -> RawClient:
    client = RawClient(port, 2)
    assert client.call(_c("AUTH", "sel", "pw")) == b"+OK\r\n"
    for cmd in subscribe:
        client.call(cmd)
    return client


def _closed(client: RawClient) -> bool:
    """Whether the server closed the connection (a PING left unanswered)."""
    try:
        client.call(_c("PING"))
    except (ConnectionError, OSError):
        return True
    return False


def test_subscribers_leave_when_their_channels_go(server: ThreadedServer, stack_port: int, clean: None) -> None:
    """A client subscribed to a channel (or pattern) its user may no longer subscribe to, in any selector,
    is disconnected by ACL SETUSER; one whose subscriptions all still fit stays (as in Redis)."""
    outcome = {}
    for port in (server.port, stack_port):
        admin = RawClient(port, 2)
        admin.call(_c("ACL", "SETUSER", "sel", "reset", "on", ">pw", "+@all", "~*", "&x",
                      "(&news* &y +subscribe +psubscribe +ping)"))
        keeps = _subscriber(port, _c("SUBSCRIBE", "x"), _c("SUBSCRIBE", "news.1"))
        loses_pattern = _subscriber(port, _c("PSUBSCRIBE", "news*"))
        loses_channel = _subscriber(port, _c("SUBSCRIBE", "y"))
        admin.call(_c("ACL", "SETUSER", "sel", "clearselectors", "(&news.* +subscribe +psubscribe +ping)"))
        outcome[port] = [_closed(c) for c in (keeps, loses_pattern, loses_channel)]
        for client in (admin, keeps, loses_pattern, loses_channel):
            client.close()
    assert outcome[server.port] == outcome[stack_port] == [False, True, True]


# (rules given while the transaction waits, what it queued); the root allows GET and SET on k*, a
# selector MULTI/EXEC/DISCARD and SET on w*.
EXEC_CASES = [
    (["-get"], []),  # the selector still allows what was queued
    (["clearselectors", "+multi", "+exec"], []),  # SET w1 refused at EXEC, the rest runs
    (["resetkeys", "~w*", "+exec"], []),  # GET k1 and SET k1 refused at EXEC
    (["clearselectors"], []),  # EXEC itself refused: the transaction is discarded
    (["clearselectors", "+exec", "+publish", "&c*"], [["PUBLISH", "d", "m"]]),  # a channel refused at EXEC
]


@pytest.mark.parametrize(("rules", "extra"), EXEC_CASES)
def test_exec_rechecks_queued_commands(server: ThreadedServer, stack_port: int, clean: None, rules: list[str],
                                       extra: list[list[str]]) -> None:
    """Rules changed between MULTI and EXEC: EXEC checks each queued command again (Redis's NOPERM
    'ACLs rules changed ...', logged in the "multi" context), or is refused itself (EXECABORT)."""
    seen = []
    for port in (server.port, stack_port):
        admin, user = RawClient(port, 2), RawClient(port, 2)
        admin.call(_c("ACL", "LOG", "RESET"))
        admin.call(_c("ACL", "SETUSER", "multi", "reset", "on", ">pw", "~k*", "&d", "+get", "+set", "+publish",
                      "(+multi +exec +discard +set ~w*)"))
        replies = [user.call(cmd) for cmd in [_c("AUTH", "multi", "pw"), _c("MULTI"), _c("SET", "w1", "v"),
                                              _c("GET", "k1"), _c("SET", "k1", "v"), *(_c(*e) for e in extra)]]
        admin.call(_c("ACL", "SETUSER", "multi", *rules))
        replies += [user.call(_c("EXEC")), user.call(_c("GET", "w1")), user.call(_c("GET", "k1"))]
        admin.close()
        user.close()
        seen.append((replies, _stable_log(port)))
    assert seen[0] == seen[1]
