"""CLIENT subcommands through redis-py (RESP2 and RESP3) and raw sockets."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import redis

from tests.serverutil import ThreadedServer


def test_id_name_info_list(server: ThreadedServer, r: redis.Redis) -> None:
    my_id = r.client_id()
    assert isinstance(my_id, int) and my_id > 0
    assert r.client_getname() is None
    assert r.client_setname("worker-1") is True
    assert r.client_getname() in (b"worker-1", "worker-1")
    info = r.client_info()
    assert int(info["id"]) == my_id and info["name"] == "worker-1" and int(info["db"]) == 0
    assert int(info["resp"]) == int(r.connection_pool.connection_kwargs.get("protocol") or 2)
    assert info["lib-name"] == "redis-py"
    other = redis.Redis(port=server.port)
    other.client_setname("other")
    entries = r.client_list()
    names = {e["name"] for e in entries}
    assert {"worker-1", "other"} <= names
    line = next(e for e in entries if e["name"] == "worker-1")
    for field in ("addr", "laddr", "age", "idle", "flags", "sub", "psub", "multi", "omem", "cmd", "user"):
        assert field in line
    only = r.client_list(client_id=[my_id])
    assert [int(e["id"]) for e in only] == [my_id]
    assert all(e["name"] != "worker-1" for e in r.client_list(_type="pubsub"))
    other.close()


@pytest.mark.parametrize(("args", "message"), [
    (("CLIENT", "ID", "x"), "wrong number of arguments for 'client|id' command"),
    (("CLIENT", "KILL"), "wrong number of arguments for 'client|kill' command"),
    (("CLIENT", "KILL", "1.2.3.4:5"), "No such client"),
    (("CLIENT", "KILL", "ID", "x"), "client-id should be greater than 0"),
    (("CLIENT", "KILL", "SKIPME", "foo"), "syntax error"),
    (("CLIENT", "KILL", "FOO", "bar"), "syntax error"),
    (("CLIENT", "KILL", "TYPE", "foo"), "Unknown client type 'foo'"),
    (("CLIENT", "KILL", "USER", "nobody"), "No such user 'nobody'"),
    (("CLIENT", "SETNAME", "a b"), "Client names cannot contain spaces, newlines or special characters."),
    (("CLIENT", "PAUSE", "x"), "timeout is not an integer or out of range"),
    (("CLIENT", "PAUSE", "-1"), "timeout is negative"),
    (("CLIENT", "PAUSE", "10", "foo"), "CLIENT PAUSE mode must be WRITE or ALL"),
    (("CLIENT", "REPLY", "foo"), "syntax error"),
    (("CLIENT", "NO-EVICT", "maybe"), "syntax error"),
    (("CLIENT", "UNBLOCK", "x"), "value is not an integer or out of range"),
    (("CLIENT", "UNBLOCK", "1", "foo"), "CLIENT UNBLOCK reason should be TIMEOUT or ERROR"),
    (("CLIENT", "LIST", "TYPE", "foo"), "Unknown client type 'foo'"),
    (("CLIENT", "LIST", "ID", "x"), "Invalid client ID"),
    (("CLIENT", "SETINFO", "LIB-NAME", "a b"), "lib-name cannot contain spaces, newlines or special characters."),
    (("CLIENT", "SETINFO", "foo", "bar"), "Unrecognized option 'foo'"),
    (("CLIENT", "FOO"), "unknown subcommand 'FOO'. Try CLIENT HELP."),
])
def test_client_errors(r: redis.Redis, args: tuple[object, ...], message: str) -> None:
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    assert str(e.value) == message
    assert r.ping()  # the connection survives


def test_tracking_turns_on_and_off(r: redis.Redis) -> None:
    assert r.execute_command("CLIENT", "TRACKING", "ON") in (b"OK", "OK", True)
    assert r.execute_command("CLIENT", "GETREDIR") == 0
    assert r.execute_command("CLIENT", "TRACKING", "OFF") in (b"OK", "OK", True)
    assert r.execute_command("CLIENT", "GETREDIR") == -1
    assert r.ping()


def test_setinfo_no_evict_no_touch(r: redis.Redis) -> None:
    assert r.execute_command("CLIENT", "SETINFO", "LIB-NAME", "mylib") in (b"OK", "OK", True)
    assert r.execute_command("CLIENT", "SETINFO", "LIB-VER", "1.2") in (b"OK", "OK", True)
    assert r.client_no_evict("on") in (b"OK", "OK", True)
    assert r.client_no_touch("on") in (b"OK", "OK", True)
    info = r.client_info()
    assert info["lib-name"] == "mylib" and info["lib-ver"] == "1.2"
    assert "e" in info["flags"] and "T" in info["flags"]


def closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(2)
    try:
        return sock.recv(64) == b""
    except ConnectionResetError:
        return True


def test_kill_by_id_addr_and_skipme(server: ThreadedServer, r: redis.Redis) -> None:
    victim = socket.create_connection(("127.0.0.1", server.port), timeout=2)
    victim.sendall(b"CLIENT ID\r\n")
    victim_id = int(victim.recv(64)[1:].strip())
    assert r.client_kill_filter(_id=victim_id) == 1
    assert closed_by_server(victim)
    victim2 = socket.create_connection(("127.0.0.1", server.port), timeout=2)
    victim2.sendall(b"PING\r\n")
    victim2.recv(64)
    addr = "%s:%d" % victim2.getsockname()
    assert r.execute_command("CLIENT", "KILL", addr) in (b"OK", "OK", True)
    assert closed_by_server(victim2)
    victim.close()
    victim2.close()
    # SKIPME yes (the default) spares the caller.
    assert r.client_kill_filter(_id=r.client_id()) == 0
    assert r.ping()


def raw_exchange(port: int, payload: bytes, wait: float = 0.3) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(payload)
        time.sleep(wait)
        s.settimeout(0.3)
        data = b""
        try:
            while chunk := s.recv(65536):
                data += chunk
        except TimeoutError:
            pass
        return data


def test_client_reply_off_skip(server: ThreadedServer) -> None:
    out = raw_exchange(server.port, b"CLIENT REPLY OFF\r\nSET a 1\r\nCLIENT REPLY ON\r\nGET a\r\n")
    assert out == b"+OK\r\n$1\r\n1\r\n"
    out = raw_exchange(server.port, b"CLIENT REPLY SKIP\r\nECHO skipped\r\nECHO shown\r\n")
    assert out == b"$5\r\nshown\r\n"


def test_client_pause_write_holds_writes_not_reads(server: ThreadedServer, r: redis.Redis) -> None:
    other = redis.Redis(port=server.port)
    r.set("k", "before")
    assert r.client_pause(400, all=False) is True
    start = time.monotonic()
    assert other.get("k") == b"before"  # reads go on
    assert time.monotonic() - start < 0.3
    done: list[float] = []
    t = threading.Thread(target=lambda: (other.set("k", "after"), done.append(time.monotonic())))
    t.start()
    time.sleep(0.15)
    assert not done  # the write is held
    t.join(5)
    assert done and done[0] - start >= 0.35
    assert r.get("k") == b"after"
    other.close()


def test_client_unpause_releases_early(server: ThreadedServer, r: redis.Redis) -> None:
    other = redis.Redis(port=server.port)
    assert r.client_pause(5000, all=False) is True
    done: list[float] = []
    start = time.monotonic()
    t = threading.Thread(target=lambda: (other.set("k", "v"), done.append(time.monotonic())))
    t.start()
    time.sleep(0.1)
    assert not done
    assert r.client_unpause() in (True, b"OK", "OK")
    t.join(5)
    assert done and done[0] - start < 2
    other.close()


def test_client_pause_all_holds_everything(server: ThreadedServer, r: redis.Redis) -> None:
    other = redis.Redis(port=server.port)
    r.set("k", "v")
    assert r.client_pause(300) is True
    start = time.monotonic()
    assert other.get("k") == b"v"
    assert time.monotonic() - start >= 0.25
    other.close()


def test_client_unblock(server: ThreadedServer, r: redis.Redis) -> None:
    if "blpop" not in {c.decode() if isinstance(c, bytes) else c for c in r.command_list()}:
        pytest.skip("no blocking command on this branch")
    blocked = redis.Redis(port=server.port)
    blocked_id = blocked.client_id()
    results: list[object] = []
    t = threading.Thread(target=lambda: results.append(blocked.blpop(["nothing"], timeout=0)))
    t.start()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(
            "b" in e["flags"] for e in r.client_list() if int(e["id"]) == blocked_id):
        time.sleep(0.02)
    assert r.client_unblock(blocked_id) is True
    t.join(5)
    assert results == [None]
    assert r.client_unblock(blocked_id) is False
    blocked.close()


def test_idle_timeout_closes_clients(server: ThreadedServer, r: redis.Redis) -> None:
    idle = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    r.config_set("timeout", 1)
    try:
        idle.sendall(b"PING\r\n")
        assert idle.recv(64) == b"+PONG\r\n"
        assert idle.recv(64) == b""  # closed by the server after ~1-2 s of idleness
    finally:
        r.config_set("timeout", 0)
        idle.close()
