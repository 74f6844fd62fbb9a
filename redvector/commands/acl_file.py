"""The ACL file (``aclfile``): ACL LOAD and the start read it as Redis's ACLLoadFromFile does, ACL SAVE
writes it as ACLSaveToFile does (one ``user <name> <rules>`` line per user, as ACL LIST shows them).

Loading is all or nothing: every error of every line is collected (Redis's texts, each ending ". ") and
the whole set refused with Redis's closing warning; a file without a ``default`` line gets Redis's default
user (on, nopass, everything).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from redvector.errors import RedVectorError
from redvector.server.acl import AccessControl, AclError, User
from redvector.server.acl_selector import UNKNOWN_NAME, has_spaces, merge_selector_rules

_REFUSED = "WARNING: ACL errors detected, no change to the previously active ACL rules was performed"


def read_acl_file(path: str, command_exists: Callable[[str], bool]) -> dict[bytes, User]:
    """The users of the ACL file at ``path``; RedVectorError with Redis's errors when it cannot be read or
    one of its lines is wrong."""
    try:
        with open(path, "rb") as f:
            text = f.read()
    except OSError as exc:
        raise RedVectorError(f"Error loading ACLs, opening file '{path}': {exc.strerror}") from None
    users: dict[bytes, User] = {}
    errors: list[str] = []
    for number, raw in enumerate(text.split(b"\n"), 1):
        line = raw.strip(b" \t\r\n")
        if line:
            errors.extend(_load_line(path, number, line, users, command_exists))
    if errors:
        raise RedVectorError("".join(errors) + _REFUSED)
    if b"default" not in users:
        users[b"default"] = AccessControl().default
    return users


def _load_line(path: str, number: int, line: bytes, users: dict[bytes, User],
               command_exists: Callable[[str], bool]) -> list[str]:
    """One line's user into ``users``; its errors (none when it loaded)."""
    argv = line.split(b" ")  # single spaces, as Redis splits the line (no quoting)
    if argv[0] != b"user" or len(argv) < 2:
        return [f"{path}:{number} should start with user keyword followed by the username. "]
    name = argv[1]
    shown = name.decode("utf-8", "replace")
    if has_spaces(name):
        return [f"'{path}:{number}: username '{shown}' contains invalid characters. "]
    if name in users:
        return [f"WARNING: Duplicate user '{shown}' found on line {number}. "]
    user = users[name] = User(name)
    try:
        rules = merge_selector_rules(argv[2:])
    except AclError:
        return [f"{path}:{number}: Unmatched parenthesis in selector definition."]
    errors: list[str] = []
    syntax_error = False
    for rule in rules:
        rule = rule.strip(b"\t\r\n")
        try:
            user.apply(rule, command_exists)
        except AclError as exc:
            if str(exc) == UNKNOWN_NAME:  # every unknown command is named (it reveals nothing secret)
                errors.append(f"{path}:{number}: Error in applying operation '{rule.decode('utf-8', 'replace')}': "
                              f"{exc}. ")
            elif not syntax_error:  # of the other errors only the first (it may explain the rest)
                errors.append(f"{path}:{number}: {exc}. ")
                syntax_error = True
    return errors


def save_acl_file(server: Any, path: str) -> None:
    """ACL SAVE: every user as a ``user`` line, written atomically."""
    users = server.acl.users
    text = "".join(users[name].describe() + "\n" for name in sorted(users))
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise RedVectorError(f"There was an error trying to save the ACLs. Please check the server logs for more "
                             f"information ({exc.strerror})") from None
