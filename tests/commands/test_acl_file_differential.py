"""The ACL file against Redis Stack 7.4 (each server with its own ``aclfile``): ACL SAVE writes the same
lines (selectors included), ACL LOAD takes the same files and refuses the same bad ones with the same
errors (every line's, Redis's texts) while keeping the users it had; the start refuses a missing file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.redis_stack import redis_stack
from tests.serverutil import RawClient, ThreadedServer

DEFAULT = "user default on nopass ~* &* +@all\n"

GOOD = [
    "user alice on >pw ~a* (+get ~x &c) (+set %W~w*)\n" + DEFAULT,
    "user alice on (~x resetchannels -@all +get) (%W~w* resetchannels &c -@all +set)\n",  # no default line
    "\n\nuser alice on ~x\r\nuser bob on  nopass\t\r\n" + DEFAULT,  # blank lines, CRLF, double spaces
    "user alice on >secret #" + "0" * 64 + " <secret\n" + DEFAULT,
    "user alice reset on ~'a ~\"b\"\n" + DEFAULT,  # no quoting: the quotes are part of the patterns
    "",
]

BAD = [
    "user alice on foo\n" + DEFAULT,
    "user alice on foo\nuser bob +nocmd\n",
    "usr alice on\n",
    "user\n",
    "USER alice on\n",
    "user\talice on\n",
    "user al\tice on\n",
    "user alice on\nuser alice off\n",
    "user alice (+get foo) (+nocmd)\n",
    "user alice +nocmd foo +nocmd2 bar +@nocat\nuser bob bad\nuser alice on\n",
    "\n# a comment\nuser alice on\n",
    "user alice #abc\n",
    "user alice allkeys ~x\n",
    "user alice <nope\n",
    "user alice +@nocat\n",
]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    directory = tmp_path_factory.mktemp("stack-aclfile")
    path = directory / "users.acl"
    path.write_text(DEFAULT)
    with redis_stack(directory, json=True, extra_args=("--aclfile", str(path))) as port:
        yield port, path


@pytest.fixture
def ours(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    path = tmp_path / "users.acl"
    path.write_text(DEFAULT)
    server = ThreadedServer({"aclfile": str(path)}).start()
    yield server.port, path
    server.stop()


def _load(port: int, path: Path, text: str) -> tuple[bytes, bytes]:
    """``text`` as the ACL file, ACL LOAD's reply (the path made neutral) and ACL LIST; then the file of
    the default user alone, loaded again."""
    client = RawClient(port, 2)
    try:
        path.write_text(text)
        loaded = client.call([b"ACL", b"LOAD"]).replace(str(path).encode(), b"FILE")
        listing = client.call([b"ACL", b"LIST"])
        path.write_text(DEFAULT)
        assert client.call([b"ACL", b"LOAD"]) == b"+OK\r\n"
        return loaded, listing
    finally:
        client.close()


def test_acl_load_matches_redis_stack(ours: tuple[int, Path], reference: tuple[int, Path]) -> None:
    for text in GOOD + BAD:
        mine, theirs = _load(*ours, text), _load(*reference, text)
        assert mine == theirs, f"{text!r}: ours {mine!r} != reference {theirs!r}"
        assert mine[0].startswith(b"+OK" if text in GOOD else b"-ERR ")


def test_acl_save_matches_redis_stack(ours: tuple[int, Path], reference: tuple[int, Path]) -> None:
    saved = []
    for port, path in (ours, reference):
        client = redis.Redis(port=port)
        client.execute_command("ACL", "SETUSER", "alice", "on", ">pw", "~a*", "(+get ~x &c)", "(+set", "%W~w*)")
        client.execute_command("ACL", "SETUSER", "bob", "on", "nopass", "%R~r*", "+@read", "-hget")
        assert client.acl_save()
        saved.append(path.read_text())
        client.acl_deluser("alice", "bob")
        assert client.acl_load()  # the saved file loads back: alice and bob again
        assert client.acl_users() == ["alice", "bob", "default"]
        client.acl_deluser("alice", "bob")
        client.close()
    assert saved[0] == saved[1]
    assert "(~x resetchannels &c -@all +get)" in saved[0]


def test_missing_acl_file(tmp_path: Path) -> None:
    """ACL LOAD of a file that went refuses (keeping the users); a server cannot start without its file."""
    path = tmp_path / "users.acl"
    path.write_text("user alice on\n" + DEFAULT)
    server = ThreadedServer({"aclfile": str(path)}).start()
    try:
        client = redis.Redis(port=server.port)
        path.unlink()
        with pytest.raises(redis.ResponseError, match=r"Error loading ACLs, opening file '.*users\.acl': No such file"):
            client.acl_load()
        assert client.acl_users() == ["alice", "default"]
        client.close()
    finally:
        server.stop()
    with pytest.raises(RuntimeError, match="failed to start"):
        ThreadedServer({"aclfile": str(path)}).start()
