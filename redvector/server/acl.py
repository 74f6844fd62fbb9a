"""Access control lists (Redis 7's ACL): users, their passwords and the commands, keys and channels they
may use, as a root selector and the further ``(...)`` selectors (server/acl_selector.py). Passwords are
stored as SHA-256 hex digests. The ``default`` user starts on, ``nopass``, with every command, key and
channel, and follows ``requirepass`` (setting it is ``resetpass >password``, clearing it ``nopass``).

A client authenticated as a user that may not run everything carries that user (``ClientState.acl``);
the dispatcher checks its commands (``check``) only then, so unrestricted clients pay nothing.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from redvector.keyspace.glob import glob_match
from redvector.server.acl_selector import CATEGORIES, AclError, KeyPattern, Selector, selector_from_rule

__all__ = ["CATEGORIES", "AccessControl", "AclError", "KeyPattern", "LogEntry", "Selector", "User",
           "log_entry_reply"]

@dataclass(slots=True)
class User:
    name: bytes
    enabled: bool = False
    nopass: bool = False
    passwords: list[str] = field(default_factory=list)  # SHA-256 hex digests, in the order added
    root: Selector = field(default_factory=Selector)  # the rules given outside parentheses
    selectors: list[Selector] = field(default_factory=list)  # one per ``(...)`` rule, in the order given

    # -- what the user may do ----------------------------------------------------------------------------
    @property
    def unrestricted(self) -> bool:
        return self.root.unrestricted or any(s.unrestricted for s in self.selectors)

    def may_keep(self, channels: set[bytes], patterns: set[bytes]) -> bool:
        """Whether a client of this user may stay subscribed to ``channels`` and ``patterns``: each allowed
        by the channel patterns of all the selectors together (Redis's getUpcomingChannelList)."""
        selectors = [self.root, *self.selectors]
        if any(s.allchannels for s in selectors):
            return True
        allowed = [pattern for s in selectors for pattern in s.channels]
        return patterns <= set(allowed) and all(any(glob_match(p, c) for p in allowed) for c in channels)

    def check_password(self, password: bytes) -> bool:
        if not self.enabled:
            return False
        return self.nopass or hashlib.sha256(password).hexdigest() in self.passwords

    def copy(self) -> User:
        return User(self.name, self.enabled, self.nopass, list(self.passwords), self.root.copy(),
                    [s.copy() for s in self.selectors])

    # -- rules ---------------------------------------------------------------------------------------------
    def apply(self, rule: bytes, command_exists: Callable[[str], bool]) -> None:
        """One ACL SETUSER rule (Redis's ACLSetUser; selectors already merged into one rule), AclError when
        refused."""
        text = rule.decode("utf-8", "replace")
        low = text.lower()
        if not rule:  # an empty rule does nothing
            return
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
        elif rule.startswith(b"(") and rule.endswith(b")"):
            self.selectors.append(selector_from_rule(rule, command_exists))
        elif low == "clearselectors":
            self.selectors = []
        elif low == "reset":
            self.enabled = self.nopass = False
            self.passwords = []
            self.root = Selector()
            self.selectors = []
        elif low in ("sanitize-payload", "skip-sanitize-payload"):
            pass
        else:
            self.root.apply(rule, command_exists)

    def _add_password(self, digest: str) -> None:
        self.nopass = False
        if digest not in self.passwords:
            self.passwords.append(digest)

    def _remove_password(self, digest: str) -> None:
        if digest not in self.passwords:
            raise AclError("The password you are trying to remove from the user does not exist")
        self.passwords.remove(digest)

    # -- descriptions ----------------------------------------------------------------------------------------
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
        parts.append(self.root.describe())
        parts.extend(f"({s.describe()})" for s in self.selectors)
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
        default = User(b"default", enabled=True, nopass=True, root=Selector.everything())
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
        for i, entry in enumerate(self.log):
            if (entry.reason, entry.context, entry.object, entry.username) == (reason, context, obj, username) \
                    and now - entry.updated_ms < self.LOG_GROUP_MS:
                entry.count += 1
                entry.updated_ms = now
                entry.client_info = client_info
                self.log.insert(0, self.log.pop(i))  # the entry updated last comes first, as in Redis
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
