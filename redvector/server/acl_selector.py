"""ACL selectors (Redis 7): one set of command rules, key patterns and channel patterns.

Every user has a root selector (the rules given outside parentheses) and any number of further ones,
each from one ``(...)`` rule of ACL SETUSER; a command is allowed when one selector allows the command
with all its keys and channels (``commands/acl.denial`` picks the error as Redis does).

A selector's rules are kept as Redis keeps them: the command rules as given (``+@all`` / ``-@all``
restart them; a rule on one command replaces an earlier rule on that command), applied in order. The
verdict for each command name is remembered (``_verdicts``), so a restricted client's check of a
command it ran before is one dict lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from redvector.keyspace.glob import glob_match
from redvector.splitargs import split_args

# Redis's categories, in ACL CAT's order.
CATEGORIES = ("keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog",
              "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection",
              "transaction", "scripting")

_ALLKEYS_TAKEN = ("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any "
                  "effect. Try 'resetkeys' to start with an empty list of patterns")
_ALLCHANNELS_TAKEN = ("Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not "
                      "have any effect. Try 'resetchannels' to start with an empty list of channels")


UNKNOWN_NAME = "Unknown command or category name in ACL"


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
class Selector:
    keys: list[KeyPattern] = field(default_factory=list)
    allkeys: bool = False
    channels: list[bytes] = field(default_factory=list)
    allchannels: bool = False
    command_rules: list[str] = field(default_factory=list)  # after the implicit -@all (or "+@all" first)
    _verdicts: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def everything(cls) -> Selector:
        """The default user's: every command, key and channel."""
        return cls([KeyPattern(b"*", True, True)], True, [b"*"], True, ["+@all"])

    @property
    def unrestricted(self) -> bool:
        return self.allkeys and self.allchannels and self.command_rules == ["+@all"]

    def copy(self) -> Selector:
        return Selector([KeyPattern(p.pattern, p.read, p.write) for p in self.keys], self.allkeys,
                        list(self.channels), self.allchannels, list(self.command_rules))

    # -- what the selector allows --------------------------------------------------------------------------
    def allows_command(self, name: str, categories: Callable[[], Iterable[str]]) -> bool:
        """``name``: the lower-case command, or ``container|sub``; ``categories``: the command's."""
        verdict = self._verdicts.get(name)
        if verdict is None:
            verdict = self._verdicts[name] = self._judge(name, set(categories()))
        return verdict

    def _judge(self, name: str, cats: set[str]) -> bool:
        allowed = False
        parent = name.split("|", 1)[0]
        for rule in self.command_rules:
            target = rule[1:]
            if target == "@all" or (target[0] == "@" and target[1:] in cats) or target in (name, parent):
                allowed = rule[0] == "+"
        return allowed

    def allows_key(self, key: bytes, access: int) -> bool:
        """``access``: 1 read, 2 write, 3 both, 0 neither (a pattern must still match, as in Redis)."""
        if self.allkeys:
            return True
        read, write = access & 1, access & 2
        return any((p.read or not read) and (p.write or not write) and glob_match(p.pattern, key) for p in self.keys)

    def allows_channel(self, channel: bytes, is_pattern: bool) -> bool:
        if self.allchannels:
            return True
        if is_pattern:  # PSUBSCRIBE: the pattern itself must be one of the selector's
            return channel in self.channels
        return any(glob_match(p, channel) for p in self.channels)

    # -- rules (Redis's ACLSetSelector) --------------------------------------------------------------------
    def apply(self, rule: bytes, command_exists: Callable[[str], bool]) -> None:
        """One command, key or channel rule; AclError when refused (``Syntax error`` for any other rule)."""
        self._verdicts.clear()
        text = rule.decode("utf-8", "replace")
        low = text.lower()
        if low == "allkeys" or text == "~*":
            self.allkeys = True
            self.keys = [KeyPattern(b"*", True, True)]
        elif low == "resetkeys":
            self.allkeys = False
            self.keys = []
        elif text.startswith(("~", "%")):
            self._add_key_pattern(rule)
        elif low == "allchannels" or text == "&*":
            self.allchannels = True
            self.channels = [b"*"]
        elif low == "resetchannels":
            self.allchannels = False
            self.channels = []
        elif text.startswith("&"):
            if self.allchannels:
                raise AclError(_ALLCHANNELS_TAKEN)
            if has_spaces(rule[1:]):
                raise AclError("Syntax error")
            if rule[1:] not in self.channels:
                self.channels.append(rule[1:])
        elif low in ("allcommands", "+@all"):
            self.command_rules = ["+@all"]
        elif low in ("nocommands", "-@all"):
            self.command_rules = []
        elif text[:1] in "+-" and len(text) > 1:
            self._add_command_rule(low, command_exists)
        else:
            raise AclError("Syntax error")

    def _add_key_pattern(self, rule: bytes) -> None:
        if self.allkeys:
            raise AclError(_ALLKEYS_TAKEN)
        if rule.startswith(b"~"):
            read = write = True
            pattern = rule[1:]
        else:  # %R~ %W~ %RW~: each flag once, then ~ (or the end: an empty pattern)
            read = write = False
            i = 1
            while i < len(rule):
                flag = rule[i:i + 1].upper()
                i += 1
                if flag == b"R" and not read:
                    read = True
                elif flag == b"W" and not write:
                    write = True
                elif flag == b"~":
                    break
                else:
                    raise AclError("Syntax error")
            if not (read or write):
                raise AclError("Syntax error")
            pattern = rule[i:]
        if has_spaces(pattern):
            raise AclError("Syntax error")
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
                raise AclError(UNKNOWN_NAME)
            self.command_rules.append(rule)
            return
        if not command_exists(target):
            raise AclError(UNKNOWN_NAME)
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

    def describe(self) -> str:
        """As ACL LIST shows it (Redis's ACLDescribeSelector): keys, channels, commands."""
        parts = self.describe_keys()
        if not self.allchannels:
            parts.append("resetchannels")
        parts.extend(self.describe_channels())
        parts.append(self.describe_commands())
        return " ".join(parts)


def has_spaces(pattern: bytes) -> bool:
    """Redis refuses patterns with white space or NUL (ACLStringHasSpaces: they would not round-trip)."""
    return any(c in b" \t\n\v\f\r\0" for c in pattern)


def selector_from_rule(rule: bytes, command_exists: Callable[[str], bool]) -> Selector:
    """A ``(...)`` rule as a new selector (Redis's aclCreateSelectorFromOpSet): the text inside split as
    sdssplitargs splits it (unbalanced quotes: no rule at all), each rule applied in turn."""
    selector = Selector()
    for op in split_args(rule[1:-1]) or []:
        selector.apply(op, command_exists)
    return selector


def merge_selector_rules(rules: list[bytes]) -> list[bytes]:
    """ACL SETUSER's arguments with each selector spread over several (``(+get`` ``~k)``) joined into one
    rule, as Redis's ACLMergeSelectorArguments joins them; AclError when a ``(`` is never closed."""
    merged: list[bytes] = []
    opened: list[bytes] | None = None
    for rule in rules:
        if opened is None:
            if rule.startswith(b"(") and not rule.endswith(b")"):
                opened = [rule]
            else:
                merged.append(rule)
            continue
        opened.append(rule)
        if rule.endswith(b")"):
            merged.append(b" ".join(opened))
            opened = None
    if opened is not None:
        raise AclError(f"Unmatched parenthesis in acl selector starting at '{opened[0].decode('utf-8', 'replace')}'.")
    return merged
