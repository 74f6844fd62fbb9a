"""Access control lists (Redis 7's ACL, without selectors or an ACL file): users, their passwords and the
commands, keys and channels they may use.

A user's command rules are kept as Redis keeps them: the rule text as given (``+@all`` / ``-@all``
restart it; a rule on one command replaces any earlier rule on that command), applied in order to
decide whether a command is allowed. Passwords are stored as SHA-256 hex digests. The ``default``
user starts on, ``nopass``, with every command, key and channel, and follows ``requirepass``
(setting it is ``resetpass >password``, clearing it ``nopass``).

A client authenticated as a user that may not run everything carries that user (``ClientState.acl``);
the dispatcher checks its commands (``check``) only then, so unrestricted clients pay nothing.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from redvector.keyspace.glob import glob_match

# Redis's categories, in ACL CAT's order.
CATEGORIES = ("keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog",
              "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection",
              "transaction", "scripting")


class AclError(Exception):
    """A rule ACL SETUSER refuses (its message follows Redis's 'Error in ACL SETUSER modifier')."""


@dataclass(slots=True)
class KeyPattern:
    pattern: bytes
    read: bool
    write: bool

    def describe(self) -> str:
        prefix = "~" if self.read and self.write else "%R~" if self.read else "%W~"
        return prefix + self.pattern.decode("utf-8", "replace")


@dataclass(slots=True)
class User:
    name: bytes
    enabled: bool = False
    nopass: bool = False
    passwords: list[str] = field(default_factory=list)  # SHA-256 hex digests, in the order added
    keys: list[KeyPattern] = field(default_factory=list)
    allkeys: bool = False
    channels: list[bytes] = field(default_factory=list)
    allchannels: bool = False
    command_rules: list[str] = field(default_factory=list)  # after the implicit -@all (or "+@all" first)

    # -- what the user may do ----------------------------------------------------------------------------
    @property
    def unrestricted(self) -> bool:
        return self.allkeys and self.allchannels and self.command_rules == ["+@all"]

    def check_password(self, password: bytes) -> bool:
        if not self.enabled:
            return False
        return self.nopass or hashlib.sha256(password).hexdigest() in self.passwords

    def allows_command(self, name: str, categories: Iterable[str]) -> bool:
        """``name``: the lower-case command, or ``container|sub``."""
        allowed = False
        cats = set(categories)
        parent = name.split("|", 1)[0]
        for rule in self.command_rules:
            grant = rule[0] == "+"
            target = rule[1:]
            if target == "@all" or (target[0] == "@" and target[1:] in cats) or target in (name, parent):
                allowed = grant
        return allowed

    def allows_key(self, key: bytes, write: bool) -> bool:
        if self.allkeys:
            return True
        return any((p.write if write else p.read) and glob_match(p.pattern, key) for p in self.keys)

    def allows_channel(self, channel: bytes, is_pattern: bool) -> bool:
        if self.allchannels:
            return True
        if is_pattern:  # PSUBSCRIBE: the pattern itself must be one of the user's
            return channel in self.channels
        return any(glob_match(p, channel) for p in self.channels)

    # -- rules ---------------------------------------------------------------------------------------------
    def apply(self, rule: bytes, command_exists: Callable[[str], bool]) -> None:
        """One ACL SETUSER rule (Redis's ACLSetUser), AclError when refused."""
        text = rule.decode("utf-8", "replace")
        low = text.lower()
        if low == "on":
            self.enabled = True
        elif low == "off":
            self.enabled = False
        elif low == "nopass":
            self.nopass = True
            self.passwords = []
        elif low == "resetpass":
            self.nopass = False
            self.passwords = []
        elif text.startswith(">"):
            self._add_password(hashlib.sha256(rule[1:]).hexdigest())
        elif text.startswith("#"):
            digest = text[1:].lower()
            if len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
                raise AclError("The password hash must be exactly 64 characters and contain only lowercase "
                               "hexadecimal characters")
            self._add_password(digest)
        elif text.startswith("<"):
            self._remove_password(hashlib.sha256(rule[1:]).hexdigest())
        elif text.startswith("!"):
            self._remove_password(text[1:].lower())
        elif low == "allkeys" or text == "~*":
            self.allkeys = True
            self.keys = [KeyPattern(b"*", True, True)]
        elif low == "resetkeys":
            self.allkeys = False
            self.keys = []
        elif text.startswith("~") or text.startswith("%"):
            self._add_key_pattern(rule)
        elif low == "allchannels" or text == "&*":
            self.allchannels = True
            self.channels = [b"*"]
        elif low == "resetchannels":
            self.allchannels = False
            self.channels = []
        elif text.startswith("&"):
            if self.allchannels:
                raise AclError("Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and "
                               "does not have any effect. Try 'resetchannels' to start with an empty list of "
                               "channels")
            if rule[1:] not in self.channels:
                self.channels.append(rule[1:])
        elif low in ("allcommands", "+@all"):
            self.command_rules = ["+@all"]
        elif low in ("nocommands", "-@all"):
            self.command_rules = []
        elif text[:1] in "+-" and len(text) > 1:
            self._add_command_rule(low, command_exists)
        elif low == "reset":
            self.__init__(self.name)  # type: ignore[misc]
            self.apply(b"resetpass", command_exists)
            self.apply(b"resetkeys", command_exists)
            self.apply(b"resetchannels", command_exists)
            self.apply(b"off", command_exists)
            self.apply(b"-@all", command_exists)
        elif low in ("sanitize-payload", "skip-sanitize-payload"):
            pass
        else:
            raise AclError("Syntax error")

    def _add_password(self, digest: str) -> None:
        self.nopass = False
        if digest not in self.passwords:
            self.passwords.append(digest)

    def _remove_password(self, digest: str) -> None:
        if digest not in self.passwords:
            raise AclError("The password you are trying to remove from the user does not exist")
        self.passwords.remove(digest)

    def _add_key_pattern(self, rule: bytes) -> None:
        if rule.startswith(b"~"):
            read = write = True
            pattern = rule[1:]
        else:
            flags, sep, pattern = rule[1:].partition(b"~")
            if not sep or not flags or any(f not in b"RWrw" for f in flags):
                raise AclError("Syntax error")
            read, write = b"R" in flags.upper(), b"W" in flags.upper()
        if self.allkeys:
            raise AclError("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not "
                           "have any effect. Try 'resetkeys' to start with an empty list of patterns")
        if pattern == b"*" and read and write:
            self.allkeys = True
            self.keys = [KeyPattern(b"*", True, True)]
            return
        for existing in self.keys:
            if existing.pattern == pattern:
                existing.read |= read
                existing.write |= write
                return
        self.keys.append(KeyPattern(pattern, read, write))

    def _add_command_rule(self, rule: str, command_exists: Callable[[str], bool]) -> None:
        target = rule[1:]
        if target.startswith("@"):
            if target[1:] not in CATEGORIES:
                raise AclError("Unknown command or category name in ACL")
            self.command_rules.append(rule)
            return
        if not command_exists(target):
            raise AclError("Unknown command or category name in ACL")
        self.command_rules = [r for r in self.command_rules if r[1:] != target]
        self.command_rules.append(rule)

    # -- descriptions ----------------------------------------------------------------------------------------
    def describe_commands(self) -> str:
        if self.command_rules[:1] == ["+@all"]:
            return " ".join(self.command_rules)
        return " ".join(["-@all", *self.command_rules])

    def describe_keys(self) -> list[str]:
        return [p.describe() for p in self.keys]

    def describe_channels(self) -> list[str]:
        return ["&" + c.decode("utf-8", "replace") for c in self.channels]

    def flags(self) -> list[str]:
        out = ["on" if self.enabled else "off"]
        if self.nopass:
            out.append("nopass")
        out.append("sanitize-payload")
        return out

    def describe(self) -> str:
        """One line of ACL LIST."""
        parts = ["user", self.name.decode("utf-8", "replace"), *self.flags()]
        parts.extend("#" + p for p in self.passwords)
        parts.extend(self.describe_keys() or [])
        if not self.allchannels:
            parts.append("resetchannels")
        parts.extend(self.describe_channels())
        parts.append(self.describe_commands())
        return " ".join(parts)


@dataclass(slots=True)
class LogEntry:
    reason: str
    context: str
    object: str
    username: str
    client_info: str
    entry_id: int
    created_ms: int
    updated_ms: int
    count: int = 1


class AccessControl:
    """The server's users and ACL LOG."""

    LOG_GROUP_MS = 60_000  # denials alike within this window count as one entry (Redis's ACL_LOG_GROUPING)

    def __init__(self) -> None:
        default = User(b"default", enabled=True, nopass=True, allkeys=True, allchannels=True,
                       keys=[KeyPattern(b"*", True, True)], channels=[b"*"], command_rules=["+@all"])
        self.users: dict[bytes, User] = {b"default": default}
        self.log: list[LogEntry] = []  # newest first
        self._next_entry = 0

    @property
    def default(self) -> User:
        return self.users[b"default"]

    def set_requirepass(self, password: str) -> None:
        """``requirepass``: the default user's password (empty: nopass)."""
        user = self.default
        user.passwords = []
        user.nopass = not password
        if password:
            user.passwords.append(hashlib.sha256(password.encode()).hexdigest())

    def record(self, reason: str, context: str, obj: str, username: str, client_info: str, max_len: int) -> None:
        now = int(time.time() * 1000)
        for entry in self.log:
            if (entry.reason, entry.context, entry.object, entry.username) == (reason, context, obj, username) \
                    and now - entry.updated_ms < self.LOG_GROUP_MS:
                entry.count += 1
                entry.updated_ms = now
                entry.client_info = client_info
                return
        self.log.insert(0, LogEntry(reason, context, obj, username, client_info, self._next_entry, now, now))
        self._next_entry += 1
        del self.log[max(max_len, 0):]

    @staticmethod
    def genpass(bits: int = 256) -> str:
        return secrets.token_hex((bits + 7) // 8)[: (bits + 3) // 4]


def log_entry_reply(entry: LogEntry) -> list[tuple[Any, Any]]:
    now = int(time.time() * 1000)
    return [("count", entry.count), ("reason", entry.reason), ("context", entry.context),
            ("object", entry.object), ("username", entry.username),
            ("age-seconds", round((now - entry.created_ms) / 1000, 3)), ("client-info", entry.client_info),
            ("entry-id", entry.entry_id), ("timestamp-created", entry.created_ms),
            ("timestamp-last-updated", entry.updated_ms)]
