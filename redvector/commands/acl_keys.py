"""The keys an ACL check tests, each with the access it needs, found as Redis finds them
(getKeysFromCommandWithSpecs): the command's key specs (commands/acl_key_specs.py, Redis Stack's own),
or for the few whose specs are incomplete or have variable flags, Redis's own key finder (SET, BITFIELD,
SORT, SORT_RO, MIGRATE).

A key needs read permission when its spec has the ACCESS flag (the command returns or uses its value) and
write permission when it has INSERT, DELETE or UPDATE; a key whose spec has neither (HLEN, EXISTS, TTL)
needs only to match a pattern, as in Redis. Commands Redis Stack does not have fall back to the command
table's keys: read for a read-only command, write for a write one.
"""

from __future__ import annotations

from redvector.commands.acl_key_specs import KEY_SPECS
from redvector.commands.spec import CommandSpec

READ, WRITE = 1, 2
RW = READ | WRITE

KeyAccess = tuple[int, bytes, int]  # (position in argv, key, READ/WRITE bits it needs)


def keys_with_access(name: str, spec: CommandSpec, argv: list[bytes]) -> list[KeyAccess]:
    """The keys of ``argv`` (``name``: the full command name, ``container|sub``) in Redis's order."""
    finder = _FINDERS.get(name)
    if finder is not None:
        return finder(argv)
    specs = KEY_SPECS.get(name)
    if specs is None:
        access = WRITE if spec.write else READ
        positions = spec.keys.positions(len(argv)) if spec.getkeys is None else None
        if positions is None:  # a custom key finder without positions: the keys in order
            return [(i, key, access) for i, key in enumerate(spec.key_args(argv), 1)]
        return [(i, argv[i], access) for i in positions]
    return _from_specs(specs, argv)


def _from_specs(specs: tuple[tuple[object, ...], ...], argv: list[bytes]) -> list[KeyAccess]:
    """Redis's getKeysUsingKeySpecs; a spec that does not fit the arguments: no keys at all."""
    argc = len(argv)
    out: list[KeyAccess] = []
    for key_spec in specs:
        access, begin, find = key_spec
        assert isinstance(access, int) and isinstance(begin, tuple) and isinstance(find, tuple)
        if len(begin) == 1:
            first = begin[0]
        else:
            first = _keyword(argv, begin[0].encode(), begin[1])
            if not first:
                continue
        kind, a, b, c = find
        if kind == "range":  # lastkey, keystep, limit
            step = b
            if a >= 0:
                last = first + a
            elif not c:
                last = argc + a
            else:
                last = first + ((argc - first) // c + a)
        else:  # keynum: keynumidx, firstkey, keystep
            step = c
            if first + a >= argc:
                return []
            try:
                numkeys = int(argv[first + a])
            except ValueError:
                return []
            if numkeys < 0:
                return []
            first += b
            last = first + numkeys - 1
        if last >= argc or last < first or first >= argc:
            return []
        out.extend((i, argv[i], access) for i in range(first, last + 1, step))
    return out


def _keyword(argv: list[bytes], keyword: bytes, startfrom: int) -> int:
    """The position after ``keyword`` (searched from ``startfrom``, backwards when negative), 0 if absent."""
    argc = len(argv)
    positions = range(startfrom, argc - 1) if startfrom > 0 else range(argc + startfrom, 1, -1)
    for i in positions:
        if i >= argc or i < 1:
            break
        if argv[i].lower() == keyword.lower():
            return i + 1
    return 0


# -- Redis's key finders for the commands whose specs do not say it all ---------------------------------------
def _set(argv: list[bytes]) -> list[KeyAccess]:  # setGetKeys: GET makes the key read too
    return [(1, argv[1], RW if any(a.lower() == b"get" for a in argv[3:]) else WRITE)]


def _bitfield(argv: list[bytes]) -> list[KeyAccess]:  # bitfieldGetKeys: only GETs (and OVERFLOW) read
    readonly = True
    i, argc = 2, len(argv)
    while i < argc:
        op, remaining = argv[i].lower(), argc - i - 1
        if op == b"get" and remaining >= 2:
            i += 2
        elif op == b"overflow" and remaining >= 1:
            i += 1
        else:  # SET/INCRBY, or a syntax error (taken as a write, as Redis does)
            readonly = False
            break
        i += 1
    return [(1, argv[1], READ if readonly else RW)]


def _sort(argv: list[bytes]) -> list[KeyAccess]:  # sortGetKeys: the sorted key read, the last STORE written
    keys: list[KeyAccess] = [(1, argv[1], READ)]
    store: KeyAccess | None = None
    i, argc = 2, len(argv)
    while i < argc:
        word = argv[i].lower()
        if word == b"limit":
            i += 2
        elif word in (b"get", b"by"):
            i += 1
        elif word == b"store" and i + 1 < argc:
            store = (i + 1, argv[i + 1], WRITE)
        i += 1
    return keys if store is None else [*keys, store]


def _sort_ro(argv: list[bytes]) -> list[KeyAccess]:
    return [(1, argv[1], READ)]


def _migrate(argv: list[bytes]) -> list[KeyAccess]:  # migrateGetKeys: the key, or those after KEYS
    first, count = 3, 1
    i, argc = 6, len(argv)
    while argc > 6 and i < argc:
        word = argv[i].lower()
        if word == b"keys":
            if argv[3]:
                return []
            first, count = i + 1, argc - i - 1
            break
        i += {b"auth": 1, b"auth2": 2}.get(word, 0) + 1
    return [(p, argv[p], RW) for p in range(first, first + count) if p < argc]


_FINDERS = {"set": _set, "bitfield": _bitfield, "sort": _sort, "sort_ro": _sort_ro, "migrate": _migrate}
