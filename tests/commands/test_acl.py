"""ACL: users and rules (replies and errors byte for byte against Redis Stack), and the permissions they
give real clients: commands, subcommands, categories, key and channel patterns, AUTH/HELLO, MULTI,
scripts, RESET, requirepass, ACL LOG and DELUSER disconnecting the user's clients."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.persistence.helpers import run_to_exit
from tests.serverutil import (
    ThreadedServer,
    assert_same_raw_replies,
    free_port,
    subprocess_server,
    wait_for_ping,
)

USERS = ["alice", "bob", "carol", "dave", "eve", "x"]


def _c(*args: str) -> list[bytes]:
    return [a.encode() for a in args]


SETUP = [_c("FLUSHALL"), _c("ACL", "DELUSER", *USERS)]

COMMANDS = [
    _c("ACL", "SETUSER", "alice", "on", ">pw", "~app:*", "+@read", "+set", "-get"),
    _c("ACL", "SETUSER", "bob"),
    _c("ACL", "SETUSER", "carol", "on", "nopass", "allkeys", "allchannels", "allcommands", "-flushall", "%R~r:*"),
    _c("ACL", "SETUSER", "carol", "on", "nopass", "allkeys", "allchannels", "allcommands", "-flushall",
       "+client|list", "-client|kill"),
    _c("ACL", "SETUSER", "dave", "on", ">a", ">b", "<a", "~x", "%W~w*", "%RW~rw*", "%R~rw*", "+get", "+get",
       "-@all", "+@hash", "-hdel", "&news*", "&sport"),
    _c("ACL", "SETUSER", "eve", "on", "#" + "a" * 64, "!" + "a" * 64, ">p", "+get", "~k*", "resetchannels"),
    _c("ACL", "LIST"),
    _c("ACL", "USERS"),
    _c("ACL", "GETUSER", "alice"),
    _c("ACL", "GETUSER", "carol"),
    _c("ACL", "GETUSER", "dave"),
    _c("ACL", "GETUSER", "default"),
    _c("ACL", "GETUSER", "nobody"),
    _c("ACL", "DRYRUN", "eve", "get", "kx"),
    _c("ACL", "DRYRUN", "eve", "set", "kx", "1"),
    _c("ACL", "DRYRUN", "eve", "get", "zz"),
    _c("ACL", "DRYRUN", "dave", "hset", "w1", "f", "v"),
    _c("ACL", "DRYRUN", "dave", "hget", "w1", "f"),
    _c("ACL", "DRYRUN", "dave", "hget", "rw1", "f"),
    _c("ACL", "DRYRUN", "carol", "client", "list"),
    _c("ACL", "DRYRUN", "carol", "client", "kill", "id", "1"),
    _c("ACL", "DRYRUN", "carol", "flushall"),
    _c("ACL", "DRYRUN", "nobody", "get", "k"),
    _c("ACL", "DRYRUN", "eve", "nocommand"),
    _c("ACL", "DRYRUN", "eve", "get"),
    _c("ACL", "SETUSER", "x", "foo"),
    _c("ACL", "SETUSER", "x", "+nocmd"),
    _c("ACL", "SETUSER", "x", "+@nocat"),
    _c("ACL", "SETUSER", "x", "#abc"),
    _c("ACL", "SETUSER", "x", "<nope"),
    _c("ACL", "SETUSER", "x", "%X~k"),
    _c("ACL", "SETUSER", "x", "allchannels", "&a"),
    _c("ACL", "SETUSER", "x", "on", "foo"),
    _c("ACL", "USERS"),
    _c("ACL", "SETUSER", "x", "on", ">p", "reset"),
    _c("ACL", "GETUSER", "x"),
    _c("ACL", "DELUSER", "default"),
    _c("ACL", "DELUSER", "bob", "nobody", "x"),
    _c("ACL", "CAT"),
    _c("ACL", "CAT", "nocat"),
    _c("ACL", "GENPASS", "0"),
    _c("ACL", "GENPASS", "5000"),
    _c("ACL", "LOG", "-1"),
    _c("ACL", "LOG", "RESET"),
    _c("ACL", "LOG"),
    _c("ACL", "SAVE"),
    _c("ACL", "LOAD"),
    _c("ACL", "WHOAMI"),
    _c("ACL", "FOO"),
    _c("ACL", "GETUSER"),
    _c("AUTH", "alice", "wrong"),
    _c("AUTH", "nobody", "pw"),
    _c("AUTH", "bob", "pw"),
    _c("AUTH", "pw"),
    _c("ACL", "DELUSER", *USERS),
]


@pytest.mark.parametrize("protocol", [2, 3])
def test_replies_match_redis_stack(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    assert_same_raw_replies(server.port, stack_port, protocol, COMMANDS, SETUP)


def test_genpass_and_categories(r2: redis.Redis) -> None:
    assert len(r2.acl_genpass()) == 64 and len(r2.acl_genpass(5)) == 2
    assert r2.acl_genpass() != r2.acl_genpass()
    cats = r2.acl_cat()
    assert {"read", "write", "keyspace", "dangerous", "fast", "slow"} <= set(cats)
    read = set(r2.acl_cat("read"))
    assert {"get", "hget", "lrange", "zscore"} <= read and "set" not in read
    assert {"flushall", "keys", "config"} <= set(r2.acl_cat("dangerous"))


@pytest.fixture
def users(server: ThreadedServer, r2: redis.Redis) -> object:
    yield
    r2.acl_deluser(*USERS)


def _as(server: ThreadedServer, user: str | None, password: str | None, protocol: int = 2) -> redis.Redis:
    """A client that gives up at once (redis-py retries failed connections with backoff by default)."""
    return redis.Redis(port=server.port, username=user, password=password, protocol=protocol,
                       retry=Retry(NoBackoff(), 0))


def test_permissions_apply_to_real_clients(server: ThreadedServer, r2: redis.Redis, users: object) -> None:
    r2.acl_setuser("alice", enabled=True, passwords=["+pw"], keys=["app:*"], commands=["+@read", "+set", "-get",
                                                                                       "+multi", "+exec"],
                   channels=["news.*"])
    r2.set("app:1", "v")
    r2.set("other", "v")
    alice = _as(server, "alice", "pw")
    assert alice.hget("app:h", "f") is None  # @read on an allowed key
    assert alice.set("app:2", "x")
    with pytest.raises(redis.exceptions.NoPermissionError, match="has no permissions to run the 'get' command"):
        alice.get("app:1")
    with pytest.raises(redis.exceptions.NoPermissionError, match="No permissions to access a key"):
        alice.set("other", "x")
    with pytest.raises(redis.exceptions.NoPermissionError, match="'flushall' command"):
        alice.flushall()
    assert r2.get("other") == b"v"  # nothing ran
    # a refused command inside MULTI aborts the transaction
    pipe = alice.pipeline(transaction=True)
    pipe.set("app:3", "1")
    pipe.get("app:3")
    with pytest.raises(redis.exceptions.ResponseError):
        pipe.execute()
    assert r2.exists("app:3") == 0
    # scripts' commands are checked too
    r2.acl_setuser("alice", commands=["+eval"])
    with pytest.raises(redis.exceptions.ResponseError, match="no permissions"):
        alice.eval("return redis.call('GET', KEYS[1])", 1, "app:1")
    # channels
    r2.acl_setuser("alice", commands=["+publish", "+subscribe"])
    assert alice.publish("news.today", "hi") == 0
    with pytest.raises(redis.exceptions.NoPermissionError, match="channel"):
        alice.publish("sport", "hi")
    # the change of rules applies to connected clients at once
    r2.acl_setuser("alice", commands=["+get"])
    assert alice.get("app:1") == b"v"
    log = r2.acl_log()
    assert {entry["reason"] for entry in log} >= {"command", "key", "channel"}
    assert any(entry["object"] == "flushall" and entry["username"] == "alice" for entry in log)
    clients = {c["user"] for c in r2.client_list()}
    assert "alice" in clients
    # DELUSER disconnects the user's clients
    r2.acl_deluser("alice")
    with pytest.raises(redis.exceptions.ConnectionError):
        alice.ping()
    alice.close()


def test_auth_hello_reset_and_requirepass(server: ThreadedServer, r2: redis.Redis, users: object) -> None:
    r2.acl_setuser("bob", enabled=True, passwords=["+s3cret"], keys=["*"], commands=["+@all"])
    bob = _as(server, "bob", "s3cret", protocol=3)
    assert bob.acl_whoami() in ("bob", b"bob")
    with pytest.raises(redis.exceptions.AuthenticationError):
        _as(server, "bob", "wrong").ping()
    r2.acl_setuser("bob", enabled=False)
    with pytest.raises(redis.exceptions.AuthenticationError):
        _as(server, "bob", "s3cret").ping()
    assert bob.execute_command("RESET") in (b"RESET", "RESET")  # back to the default user
    assert bob.acl_whoami() in ("default", b"default")
    bob.close()
    r2.config_set("requirepass", "topsecret")
    try:
        fresh = _as(server, None, None)
        with pytest.raises(redis.exceptions.AuthenticationError):
            fresh.ping()
        fresh.close()
        assert _as(server, "default", "topsecret").ping()
        assert _as(server, None, "topsecret").ping()
        assert r2.acl_getuser("default")["passwords"]
    finally:
        r2.config_set("requirepass", "")
    assert redis.Redis(port=server.port).ping()


def test_acl_file_load_save_and_user_directives(tmp_path: Path) -> None:
    acl_file = tmp_path / "users.acl"
    acl_file.write_text("user alice on #" + hashlib.sha256(b"pw").hexdigest() + " ~app:* +get\n"
                        "user default on nopass ~* &* +@all\n")
    with subprocess_server(["--aclfile", str(acl_file), "--appendonly", "no", "--save", ""]) as (_, port):
        admin = redis.Redis(port=port)
        assert admin.acl_users() == ["alice", "default"]
        alice = redis.Redis(port=port, username="alice", password="pw", retry=Retry(NoBackoff(), 0))
        with pytest.raises(redis.exceptions.NoPermissionError):
            alice.set("app:1", "x")
        admin.acl_setuser("bob", enabled=True, passwords=["+b"], commands=["+ping"])
        assert admin.acl_save()
        saved = acl_file.read_text().splitlines()
        assert [line.split()[1] for line in saved] == ["alice", "bob", "default"]
        # a bad line: nothing changes
        acl_file.write_text("user carol on +nocommand\n")
        with pytest.raises(redis.ResponseError, match=r"users\.acl:1: Error in applying operation '\+nocommand'"):
            admin.acl_load()
        assert admin.acl_users() == ["alice", "bob", "default"]
        acl_file.write_text("\n".join(saved[1:]) + "\n")  # alice goes: her connection is closed
        assert admin.acl_load()
        assert admin.acl_users() == ["bob", "default"]
        with pytest.raises(redis.exceptions.ConnectionError):
            alice.ping()
        admin.close()
    conf = tmp_path / "redvector.conf"
    conf.write_text("user default on nopass ~* &* +@all\nuser carol on >c ~* +@read\n")
    port = free_port()  # the config file comes first on the command line
    proc = subprocess.Popen([sys.executable, "-m", "redvector", str(conf), "--port", str(port), "--appendonly", "no",
                             "--save", "", "--rest-port", "0", "--grpc-port", "0", "--qdrant-port", "0",
                             "--qdrant-grpc-port", "0"], cwd=Path(__file__).resolve().parents[2],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for_ping(port, 30, proc)
        admin = redis.Redis(port=port)
        assert admin.acl_users() == ["carol", "default"]
        admin.acl_setuser("dan", enabled=True, passwords=["+d"])
        assert admin.config_rewrite()
        assert "user dan on" in conf.read_text() and "user carol on" in conf.read_text()
        admin.close()
    finally:
        proc.terminate()
        proc.wait(15)
    code, output = run_to_exit(tmp_path / "data", "--user", "carol on >c", "--aclfile", str(acl_file))
    assert code == 1 and "users defined in redis.conf" in output
