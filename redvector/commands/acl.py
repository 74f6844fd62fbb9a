"""ACL (SETUSER GETUSER DELUSER LIST USERS WHOAMI CAT GENPASS DRYRUN LOG SAVE LOAD HELP), AUTH's user
checks and the per-command permission check of restricted clients (server/acl.py holds the users and
server/acl_selector.py their selectors; the keys a check tests come from acl_keys.py, the ACL file is
read and written by acl_file.py).

Categories are derived from the command table (family, flags) as Redis assigns them: a read-only
command is @read, a write @write, an O(1)/O(log n) one @fast (else @slow), an admin one @admin and
@dangerous, and so on; the family gives @string, @hash, @keyspace ... Module commands (FT.*, JSON.*)
have no category, as in Redis Stack: a user needs +@all or the command by name.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

from redvector.commands.acl_file import read_acl_file, save_acl_file
from redvector.commands.acl_keys import keys_with_access
from redvector.commands.args import parse_int, subcommand
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, CommandSpec, CommandTable, Flag, Sub, sub_arities
from redvector.errors import CodedError, RedVectorError, WrongArity
from redvector.replies import OK, Map, SetReply, SimpleString
from redvector.server.acl import CATEGORIES, AccessControl, AclError, User, log_entry_reply
from redvector.server.acl_selector import Selector, has_spaces, merge_selector_rules
from redvector.server.client import ClientState

group = CommandGroup("server")

_FAMILY_CATEGORY = {"string": "string", "bitmap": "bitmap", "hash": "hash", "list": "list", "set": "set",
                    "sorted-set": "sortedset", "hyperloglog": "hyperloglog", "geo": "geo", "generic": "keyspace",
                    "pubsub": "pubsub", "scripting": "scripting", "connection": "connection",
                    "transactions": "transaction", "stream": "stream"}
_DANGEROUS = frozenset({"FLUSHALL", "FLUSHDB", "KEYS", "SORT", "SORT_RO", "SWAPDB", "RESTORE", "RESTORE-ASKING", "MIGRATE",
                        "INFO", "ROLE", "LASTSAVE", "SAVE", "BGSAVE", "BGREWRITEAOF", "SHUTDOWN", "MONITOR",
                        "DEBUG", "CONFIG", "ACL", "SLOWLOG", "CLIENT", "MODULE", "FUNCTION"})


def categories(spec: CommandSpec) -> frozenset[str]:
    """The ACL categories of a command (see the module doc)."""
    if spec.flags & Flag.MODULE or spec.name.startswith(("FT.", "JSON.")):
        return frozenset()
    out = set()
    family = _FAMILY_CATEGORY.get(spec.group)
    if spec.name == "RESTORE-ASKING":  # documented with the server commands, in @keyspace like RESTORE
        family = "keyspace"
    if family is not None:
        out.add(family)
    if spec.flags & Flag.WRITE:
        out.add("write")
    if spec.flags & Flag.READONLY and family not in ("scripting", None):
        out.add("read")
    if spec.flags & Flag.ADMIN:
        out.update(("admin", "dangerous"))
    if spec.name in _DANGEROUS:
        out.add("dangerous")
    if spec.flags & Flag.BLOCKING:
        out.add("blocking")
    if spec.flags & Flag.PUBSUB:
        out.add("pubsub")
    out.add("fast" if spec.fast else "slow")
    return frozenset(out)


def access(ctx: CommandContext) -> AccessControl:
    return ctx.server.acl


def command_name(spec: CommandSpec, argv: list[bytes]) -> str:
    """Redis's full command name: ``get``, or ``container|sub`` for a container's known subcommand."""
    name = spec.name.lower()
    if spec.subcommands and len(argv) > 1:
        sub = argv[1].decode("utf-8", "replace").upper()
        if sub in spec.subcommands:
            return f"{name}|{sub.lower()}"
    return name


_CHANNEL_COMMANDS = {"PUBLISH": (1, 2, False), "SPUBLISH": (1, 2, False), "SUBSCRIBE": (1, None, False),
                     "SSUBSCRIBE": (1, None, False), "PSUBSCRIBE": (1, None, True)}


def denial(user: User, spec: CommandSpec, argv: list[bytes]) -> tuple[str, str] | None:
    """Why ``user`` may not run this command: (reason, object) as ACL LOG records it, or None. Allowed when
    one selector (the root first) allows it; else Redis's pick (ACLCheckAllUserCommandPerm): a channel
    before a key before the command, and of two keys (or channels) the later one in the command."""
    if spec.no_auth:  # AUTH, HELLO, QUIT: everyone may
        return None
    name = command_name(spec, argv)
    found = _selector_denial(user.root, spec, name, argv)
    if found is None:
        return None
    if not user.selectors:
        return found[0], found[2]
    worst = found
    for selector in user.selectors:
        found = _selector_denial(selector, spec, name, argv)
        if found is None:
            return None
        if found[1] > worst[1] or (found[1] == worst[1] and found[3] > worst[3]):
            worst = found
    return worst[0], worst[2]


_RANK = {"command": 1, "key": 2, "channel": 4}  # Redis's ACL_DENIED_CMD, _KEY, _CHANNEL


def _selector_denial(selector: Selector, spec: CommandSpec, name: str,
                     argv: list[bytes]) -> tuple[str, int, str, int] | None:
    """Why one selector refuses the command: (reason, rank, object, position), or None (Redis's
    ACLSelectorCheckCmd)."""
    if not selector.allows_command(name, lambda: categories(spec)):
        return "command", 1, name, 0
    if not selector.allkeys:
        for position, key, access in keys_with_access(name, spec, argv):
            if not selector.allows_key(key, access):
                return "key", 2, key.decode("utf-8", "replace"), position
    channels = _CHANNEL_COMMANDS.get(spec.name)
    if channels is not None and not selector.allchannels:
        start, stop, is_pattern = channels
        for position, channel in enumerate(argv[start:stop], start):
            if not selector.allows_channel(channel, is_pattern):
                return "channel", 4, channel.decode("utf-8", "replace"), position
    return None


DENIAL_TEXT = {"key": "No permissions to access a key", "channel": "No permissions to access a channel"}


def check(server: Any, client: ClientState, spec: CommandSpec, argv: list[bytes],
          client_info: Any, context: str = "toplevel") -> RedVectorError | None:
    """The dispatcher's check for a restricted client: Redis's NOPERM error (logged), or None."""
    user: User = client.acl
    found = denial(user, spec, argv)
    if found is None:
        return None
    reason, obj = found
    server.acl.record(reason, context, obj, user.name.decode("utf-8", "replace"), client_info(client),
                      int(server.config["acllog-max-len"]))
    if reason == "command":
        return CodedError("NOPERM", f"User {user.name.decode('utf-8', 'replace')} has no permissions to run the "
                                    f"'{obj}' command")
    return CodedError("NOPERM", DENIAL_TEXT[reason])


_EXEC_REASONS = {"command": "no permission to execute the command or subcommand",
                 "key": "no permission to touch the specified keys",
                 "channel": "no permission to access one of the channels used as arguments"}


def exec_check(server: Any, client: ClientState, spec: CommandSpec, argv: list[bytes],
               client_info: Any) -> RedVectorError | None:
    """EXEC's check of each queued command of a restricted client (its user's rules may have changed
    since it was queued): Redis's NOPERM (logged in the "multi" context), or None."""
    user: User = client.acl
    found = denial(user, spec, argv)
    if found is None:
        return None
    reason, obj = found
    server.acl.record(reason, "multi", obj, user.name.decode("utf-8", "replace"), client_info(client),
                      int(server.config["acllog-max-len"]))
    return CodedError("NOPERM", "ACLs rules changed between the moment the transaction was accumulated and the "
                                "EXEC call. This command is no longer allowed for the following reason: "
                                + _EXEC_REASONS[reason])


def authenticate(ctx: CommandContext, username: bytes, password: bytes) -> bool:
    """AUTH / HELLO AUTH: log the client in as ``username`` if the password fits (else an ACL LOG entry)."""
    acl = access(ctx)
    user = acl.users.get(username)
    if user is None or not user.check_password(password):
        from redvector.commands.client import client_info

        acl.record("auth", "toplevel", "AUTH", username.decode("utf-8", "replace"),
                   client_info(ctx.client), int(ctx.server.config["acllog-max-len"]))
        return False
    login(ctx.client, user)
    return True


def login(client: ClientState, user: User) -> None:
    client.user_name = user.name
    client.acl = None if user.unrestricted else user
    client.authenticated = True  # refreshes the gate, which tests ``acl``


def _refresh_clients(ctx: CommandContext) -> None:
    """Users changed: every client follows its user's new rules at once (as in Redis); clients of a
    deleted user are disconnected, and so are those subscribed to a channel or pattern their user may no
    longer subscribe to (Redis's ACLShouldKillPubsubClient)."""
    users = access(ctx).users
    for client in list(ctx.server.clients.values()):
        user = users.get(client.user_name)
        if user is None or (client.subscription_count and not user.may_keep(
                client.channels | client.shard_channels, client.patterns)):
            client.kill()
            continue
        client.acl = None if user.unrestricted else user
        client.refresh_gate()


HELP = [
    "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CAT [<category>]",
    "    List all commands that belong to <category>, or all command categories",
    "    when no category is specified.",
    "DELUSER <username> [<username> ...]",
    "    Delete a list of users.",
    "DRYRUN <username> <command> [<arg> ...]",
    "    Returns whether the user can execute the given command without executing the command.",
    "GETUSER <username>",
    "    Get the user's details.",
    "GENPASS [<bits>]",
    "    Generate a secure 256-bit user password. The optional `bits` argument can",
    "    be used to specify a different size.",
    "LIST",
    "    Show users details in config file format.",
    "LOAD",
    "    Reload users from the ACL file.",
    "LOG [<count> | RESET]",
    "    Show the ACL log entries.",
    "SAVE",
    "    Save the current config to the ACL file.",
    "SETUSER <username> <attribute> [<attribute> ...]",
    "    Create or modify a user with the specified attributes.",
    "USERS",
    "    List all the registered usernames.",
    "WHOAMI",
    "    Return the current connection username.",
    "HELP",
    "    Print this help.",
]

_NO_FILE = ("This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL "
            "SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) "
            "in order to store users in the Redis configuration.")


# ACL's subcommands as Redis 7.4 declares them (COMMAND INFO acl|<sub>).
_ACL_SUBS = (
    Sub("CAT", -2, Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="6.0.0",
        summary="Lists the ACL categories, or the commands inside a category."),
    Sub("DELUSER", -3, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="6.0.0",
        summary="Deletes ACL users, and terminates their connections."),
    Sub("DRYRUN", -4, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="7.0.0",
        summary="Simulates the execution of a command by a user, without executing the command."),
    Sub("GETUSER", 3, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="6.0.0",
        summary="Lists the ACL rules of a user."),
    Sub("GENPASS", -2, Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="6.0.0",
        summary="Generates a pseudorandom, secure password that can be used to identify ACL users."),
    Sub("LIST", 2, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="6.0.0",
        summary="Dumps the effective rules in ACL file format."),
    Sub("LOAD", 2, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="6.0.0",
        summary="Reloads the rules from the configured ACL file."),
    Sub("LOG", -2, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="6.0.0",
        summary="Lists recent security events generated due to ACL rules."),
    Sub("SAVE", 2, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="6.0.0",
        summary="Saves the effective ACL rules in the configured ACL file."),
    Sub("SETUSER", -3, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="6.0.0",
        summary="Creates and modifies an ACL user and its rules."),
    Sub("USERS", 2, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="6.0.0",
        summary="Lists all ACL users."),
    Sub("WHOAMI", 2, Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="6.0.0",
        summary="Returns the authenticated username of the current connection."),
    Sub("HELP", 2, Flag.LOADING | Flag.STALE, since="6.0.0",
        summary="Returns helpful text about the different subcommands."),
)
_ARITY = sub_arities(_ACL_SUBS)


@group.command("ACL", -2, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE,
               subcommands=_ACL_SUBS, since="6.0.0",
               summary="A container for Access List Control commands.")
def acl(ctx: CommandContext, argv: list[bytes]) -> Any:
    sub = subcommand(argv, _ARITY, "ACL")
    control = access(ctx)
    table: CommandTable = ctx.dispatcher.table
    if sub == b"WHOAMI":
        return ctx.client.user_name
    if sub == b"USERS":
        return sorted(control.users)
    if sub == b"LIST":
        return [control.users[name].describe().encode() for name in sorted(control.users)]
    if sub == b"SETUSER":
        return _setuser(ctx, control, table, argv[2], argv[3:])
    if sub == b"GETUSER":
        user = control.users.get(argv[2])
        if user is None:
            return None
        return Map([("flags", SetReply([f.encode() for f in user.flags()])),
                    ("passwords", [p.encode() for p in user.passwords]),
                    *_selector_reply(user.root),
                    ("selectors", [Map(_selector_reply(s)) for s in user.selectors])])
    if sub == b"DELUSER":
        deleted = 0
        for name in argv[2:]:
            if name == b"default":
                raise RedVectorError("The 'default' user cannot be removed")
        for name in argv[2:]:
            if control.users.pop(name, None) is not None:
                deleted += 1
        if deleted:
            _refresh_clients(ctx)
        return deleted
    if sub == b"CAT":
        if len(argv) == 2:
            return [c.encode() for c in CATEGORIES]
        if len(argv) > 3:
            raise WrongArity("acl|cat")
        category = argv[2].decode("utf-8", "replace").lower()
        if category not in CATEGORIES:
            raise RedVectorError(f"Unknown category '{argv[2].decode('utf-8', 'replace')}'")
        return [spec.name.lower().encode() for spec in table if category in categories(spec)]
    if sub == b"GENPASS":
        bits = 256
        if len(argv) == 3:
            bits = parse_int(argv[2])
            if not 0 < bits <= 4096:
                raise RedVectorError("ACL GENPASS argument must be the number of bits for the output password, a "
                                     "positive number up to 4096")
        elif len(argv) > 3:
            raise WrongArity("acl|genpass")
        return control.genpass(bits).encode()
    if sub == b"DRYRUN":
        user = control.users.get(argv[2])
        if user is None:
            raise RedVectorError(f"User '{argv[2].decode('utf-8', 'replace')}' not found")
        spec = table.lookup(argv[3])
        if spec is None:
            raise RedVectorError(f"Command '{argv[3].decode('utf-8', 'replace')}' not found")
        if not spec.arity_ok(len(argv) - 3):
            raise RedVectorError(f"wrong number of arguments for '{spec.name.lower()}' command")
        found = denial(user, spec, argv[3:])
        if found is None:
            return OK
        reason, obj = found
        who = user.name.decode("utf-8", "replace")
        if reason == "command":
            return f"User {who} has no permissions to run the '{obj}' command".encode()
        return f"User {who} has no permissions to access the '{obj}' {reason}".encode()
    if sub == b"LOG":
        if len(argv) > 3:
            raise WrongArity("acl|log")
        if len(argv) == 3:
            if argv[2].upper() == b"RESET":
                control.log.clear()
                return OK
            count = max(parse_int(argv[2], RedVectorError("value is out of range, must be positive")), 0)
        else:
            count = 10
        return [Map(log_entry_reply(entry)) for entry in control.log[:count]]
    if sub in (b"SAVE", b"LOAD"):
        path = str(ctx.server.config["aclfile"])
        if not path:
            raise RedVectorError(_NO_FILE)
        if sub == b"SAVE":
            save_acl_file(ctx.server, path)
        else:
            load_acl_file(ctx.server, table, path)
            _refresh_clients(ctx)
        return OK
    return [SimpleString(line.encode()) for line in HELP]


def _selector_reply(selector: Selector) -> list[tuple[str, bytes]]:
    """ACL GETUSER's commands, keys and channels of one selector."""
    return [("commands", selector.describe_commands().encode()),
            ("keys", " ".join(selector.describe_keys()).encode()),
            ("channels", " ".join(selector.describe_channels()).encode())]


def _setuser(ctx: CommandContext, control: AccessControl, table: CommandTable, name: bytes,
             rules: list[bytes]) -> Any:
    if has_spaces(name):
        raise RedVectorError("Usernames can't contain spaces or null characters")
    control.users[name] = _ruled_user(table, control.users.get(name), name, rules)
    _refresh_clients(ctx)
    return OK


def _ruled_user(table: CommandTable, existing: User | None, name: bytes, rules: list[bytes]) -> User:
    """``existing`` (or a new user) with ``rules`` applied to a copy: all of them or none, as Redis does;
    a selector spread over several arguments is one rule."""
    user = User(name) if existing is None else existing.copy()
    command_exists = _command_checker(table)
    try:
        rules = merge_selector_rules(rules)
    except AclError as exc:
        raise RedVectorError(str(exc)) from None
    for rule in rules:
        try:
            user.apply(rule, command_exists)
        except AclError as exc:
            raise RedVectorError(f"Error in ACL SETUSER modifier '{rule.decode('utf-8', 'replace')}': {exc}") from None
    return user


def _command_checker(table: CommandTable) -> Callable[[str], bool]:
    """Whether a rule's ``cmd`` or ``container|sub`` names a command of ``table``."""
    def command_exists(target: str) -> bool:
        base, _, sub = target.partition("|")
        spec = table.lookup(base.encode())
        return spec is not None and (not sub or sub.upper() in spec.subcommands)

    return command_exists


def acl_user_lines(ctx: CommandContext) -> list[str]:
    """The users as redis.conf's ``user`` lines (without the ``user`` word)."""
    users = access(ctx).users
    return [users[name].describe().removeprefix("user ") for name in sorted(users)]


def users_from_lines(table: CommandTable, lines: list[str], where: str) -> dict[bytes, User]:
    """Users from ``<name> <rules...>`` lines (config ``user`` directives, an ACL file's ``user`` lines);
    the default user starts as Redis's and a line may redefine it. Raises RedVectorError naming the line."""
    fresh = AccessControl()
    users = dict(fresh.users)
    for number, line in enumerate(lines, 1):
        words = shlex.split(line)
        if not words:
            continue
        name, rules = words[0].encode(), [w.encode() for w in words[1:]]
        try:
            user = _ruled_user(table, None, name, [b"reset", *rules])  # each line defines its user afresh
        except RedVectorError as exc:
            raise RedVectorError(f"{where}:{number}: {exc.message}") from None
        users[name] = user
    return users


def load_acl_file(server: Any, table: CommandTable, path: str) -> None:
    """ACL LOAD (and the start): every ``user`` line of the file, replacing all users, or nothing."""
    server.acl.users = read_acl_file(path, _command_checker(table))


def load_startup_users(server: Any, table: CommandTable) -> None:
    """The users at start: redis.conf ``user`` lines or the ``aclfile`` (not both, as in Redis)."""
    config = server.config
    if config.users and config["aclfile"]:
        raise RedVectorError("Configuring Redis with users defined in redis.conf and at the same setting an ACL "
                             "file path is invalid. This setup is very likely to lead to configuration errors and "
                             "security holes, please define either an ACL file or declare users directly in your "
                             "redis.conf, but not both.")
    if config["aclfile"]:
        load_acl_file(server, table, str(config["aclfile"]))
    elif config.users:
        server.acl.users = users_from_lines(table, config.users, "user directive")
    if config["requirepass"]:
        server.acl.set_requirepass(str(config["requirepass"]))

