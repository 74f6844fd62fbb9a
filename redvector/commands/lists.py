"""List commands (value = collections.deque): pushes, pops, ranges, LPOS, LMOVE and LMPOP.

The blocking variants (BLPOP, BLMOVE, ...) live in lists_blocking.py and reuse the helpers here.
Every change ends in ``touched`` with Redis's event names (lpush, rpush, lpop, rpop, lset, ltrim, lrem,
linsert; plus ``del`` when a list empties, as Redis notifies both).
"""

from __future__ import annotations

from collections import deque
from itertools import islice
from typing import Any

from redvector.commands.args import ArgCursor, parse_int
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import (
    INDEX_OUT_OF_RANGE_MSG,
    NoSuchKey,
    RedVectorError,
    SyntaxErr,
    WrongArity,
)
from redvector.replies import NULL_ARRAY, OK

group = CommandGroup("list")

_R = Flag.READONLY
_RF = Flag.READONLY | Flag.FAST
_W = Flag.WRITE | Flag.DENYOOM
_WF = Flag.WRITE | Flag.DENYOOM | Flag.FAST
_K1 = KeySpec(1, 1, 1)
_K12 = KeySpec(1, 2, 1)

POSITIVE_MSG = "value is out of range, must be positive"


def get_list(ctx: CommandContext, key: bytes) -> deque[bytes] | None:
    return ctx.db.lookup(key, deque, ctx)


def parse_side(arg: bytes) -> bool:
    """LEFT -> True, RIGHT -> False; anything else is a syntax error."""
    token = arg.upper()
    if token == b"LEFT":
        return True
    if token == b"RIGHT":
        return False
    raise SyntaxErr()


def push(ctx: CommandContext, key: bytes, values: list[bytes], left: bool, only_existing: bool) -> int:
    db = ctx.db
    lst = get_list(ctx, key)
    if lst is None:
        if only_existing:
            return 0
        lst = deque()
        db.set(key, lst)
    if left:
        lst.extendleft(values)
    else:
        lst.extend(values)
    db.touched(key, "lpush" if left else "rpush")
    return len(lst)


def pop_many(ctx: CommandContext, key: bytes, lst: deque[bytes], left: bool, count: int) -> list[bytes]:
    """Pop up to ``count`` elements from an existing list; signals the pop and deletes an emptied key."""
    count = min(count, len(lst))
    take = lst.popleft if left else lst.pop
    out = [take() for _ in range(count)]
    if out:
        signal_pop(ctx, key, lst, left)
    return out


def signal_pop(ctx: CommandContext, key: bytes, lst: deque[bytes], left: bool) -> None:
    db = ctx.db
    db.touched(key, "lpop" if left else "rpop")
    if not lst:
        db.delete(key)
        db.touched(key, "del")


@group.command("LPUSH", -3, _WF, _K1,
               summary="Prepends one or more elements to a list. Creates the key if it doesn't exist.")
def lpush(ctx: CommandContext, argv: list[bytes]) -> Any:
    return push(ctx, argv[1], argv[2:], left=True, only_existing=False)


@group.command("RPUSH", -3, _WF, _K1,
               summary="Appends one or more elements to a list. Creates the key if it doesn't exist.")
def rpush(ctx: CommandContext, argv: list[bytes]) -> Any:
    return push(ctx, argv[1], argv[2:], left=False, only_existing=False)


@group.command("LPUSHX", -3, _WF, _K1,
               summary="Prepends one or more elements to a list only when the list exists.",
               since="2.2.0")
def lpushx(ctx: CommandContext, argv: list[bytes]) -> Any:
    return push(ctx, argv[1], argv[2:], left=True, only_existing=True)


@group.command("RPUSHX", -3, _WF, _K1,
               summary="Appends an element to a list only when the list exists.", since="2.2.0")
def rpushx(ctx: CommandContext, argv: list[bytes]) -> Any:
    return push(ctx, argv[1], argv[2:], left=False, only_existing=True)


def _pop(ctx: CommandContext, argv: list[bytes], left: bool) -> Any:
    if len(argv) > 3:
        raise WrongArity(argv[0].decode("latin-1"))
    count: int | None = None
    if len(argv) == 3:
        count = parse_int(argv[2], RedVectorError(POSITIVE_MSG))
        if count < 0:
            raise RedVectorError(POSITIVE_MSG)
    key = argv[1]
    lst = get_list(ctx, key)
    if lst is None:
        # Redis: a missing key is a null bulk without COUNT, a null array with it.
        return None if count is None else NULL_ARRAY
    if count is None:  # one element (a stored list is never empty)
        value = lst.popleft() if left else lst.pop()
        signal_pop(ctx, key, lst, left)
        return value
    return pop_many(ctx, key, lst, left, count)


@group.command("LPOP", -2, Flag.WRITE | Flag.FAST, _K1,
               summary="Returns the first elements in a list after removing it. Deletes the list if the last element was popped.")
def lpop(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _pop(ctx, argv, left=True)


@group.command("RPOP", -2, Flag.WRITE | Flag.FAST, _K1,
               summary="Returns and removes the last elements of a list. Deletes the list if the last element was popped.")
def rpop(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _pop(ctx, argv, left=False)


@group.command("LLEN", 2, _RF, _K1, summary="Returns the length of a list.")
def llen(ctx: CommandContext, argv: list[bytes]) -> Any:
    lst = get_list(ctx, argv[1])
    return 0 if lst is None else len(lst)


def list_range(lst: deque[bytes], start: int, end: int) -> list[bytes]:
    """LRANGE's slice with Redis's index rules (negative from the end, clamped, empty when inverted)."""
    n = len(lst)
    if start < 0:
        start += n
    if end < 0:
        end += n
    start = max(start, 0)
    if start > end or start >= n:
        return []
    end = min(end, n - 1)
    if start > n - 1 - end:
        # Nearer the tail: walk from the right so a range at the end of a long list stays cheap.
        out = list(islice(reversed(lst), n - 1 - end, n - start))
        out.reverse()
        return out
    return list(islice(lst, start, end + 1))


@group.command("LRANGE", 4, _R, _K1, summary="Returns a range of elements from a list.")
def lrange(ctx: CommandContext, argv: list[bytes]) -> Any:
    start, end = parse_int(argv[2]), parse_int(argv[3])
    lst = get_list(ctx, argv[1])
    return [] if lst is None else list_range(lst, start, end)


@group.command("LINDEX", 3, _R, _K1, summary="Returns an element from a list by its index.")
def lindex(ctx: CommandContext, argv: list[bytes]) -> Any:
    index = parse_int(argv[2])
    lst = get_list(ctx, argv[1])
    if lst is None:
        return None
    if index < 0:
        index += len(lst)
    if not 0 <= index < len(lst):
        return None
    return lst[index]


@group.command("LSET", 4, _W, _K1, summary="Sets the value of an element in a list by its index.")
def lset(ctx: CommandContext, argv: list[bytes]) -> Any:
    index = parse_int(argv[2])
    lst = get_list(ctx, argv[1])
    if lst is None:
        raise NoSuchKey()
    if index < 0:
        index += len(lst)
    if not 0 <= index < len(lst):
        raise RedVectorError(INDEX_OUT_OF_RANGE_MSG)
    lst[index] = argv[3]
    ctx.db.touched(argv[1], "lset")
    return OK


@group.command("LTRIM", 4, Flag.WRITE, _K1,
               summary="Removes elements from both ends a list. Deletes the list if all elements were trimmed.")
def ltrim(ctx: CommandContext, argv: list[bytes]) -> Any:
    start, end = parse_int(argv[2]), parse_int(argv[3])
    key = argv[1]
    lst = get_list(ctx, key)
    if lst is None:
        return OK
    n = len(lst)
    if start < 0:
        start += n
    if end < 0:
        end += n
    start = max(start, 0)
    if start > end or start >= n:
        left_trim, right_trim = n, 0
    else:
        end = min(end, n - 1)
        left_trim, right_trim = start, n - end - 1
    keep = n - left_trim - right_trim
    if keep < left_trim + right_trim:
        kept = list(islice(lst, left_trim, left_trim + keep))
        lst.clear()
        lst.extend(kept)
    else:
        for _ in range(left_trim):
            lst.popleft()
        for _ in range(right_trim):
            lst.pop()
    db = ctx.db
    db.touched(key, "ltrim")
    if not lst:
        db.delete(key)
        db.touched(key, "del")
    return OK


@group.command("LINSERT", 5, _W, _K1, summary="Inserts an element before or after another element in a list.",
               since="2.2.0")
def linsert(ctx: CommandContext, argv: list[bytes]) -> Any:
    where = argv[2].upper()
    if where not in (b"BEFORE", b"AFTER"):
        raise SyntaxErr()
    key = argv[1]
    lst = get_list(ctx, key)
    if lst is None:
        return 0
    try:
        index = lst.index(argv[3])
    except ValueError:
        return -1
    lst.insert(index if where == b"BEFORE" else index + 1, argv[4])
    ctx.db.touched(key, "linsert")
    return len(lst)


@group.command("LREM", 4, Flag.WRITE, _K1,
               summary="Removes elements from a list. Deletes the list if the last element was removed.")
def lrem(ctx: CommandContext, argv: list[bytes]) -> Any:
    count = parse_int(argv[2])
    key, element = argv[1], argv[3]
    lst = get_list(ctx, key)
    if lst is None:
        return 0
    limit = abs(count) if count else len(lst)
    removed = 0
    kept: list[bytes] = []
    source = lst if count >= 0 else reversed(lst)
    for item in source:
        if removed < limit and item == element:
            removed += 1
        else:
            kept.append(item)
    if not removed:
        return 0
    if count < 0:
        kept.reverse()
    lst.clear()
    lst.extend(kept)
    db = ctx.db
    db.touched(key, "lrem")
    if not lst:
        db.delete(key)
        db.touched(key, "del")
    return removed


@group.command("LPOS", -3, _R, _K1,
               summary="Returns the index of matching elements in a list.", since="6.0.6")
def lpos(ctx: CommandContext, argv: list[bytes]) -> Any:
    rank, count, maxlen = 1, None, 0
    args = ArgCursor(argv, 3)
    while args:
        token = args.next_token()
        if token == "RANK" and args:
            rank = args.next_int()
            if rank == 0:
                raise RedVectorError(
                    "RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
                    "or use negative to start from the end of the list"
                )
        elif token == "COUNT" and args:
            count = args.next_int()
            if count < 0:
                raise RedVectorError("COUNT can't be negative")
        elif token == "MAXLEN" and args:
            maxlen = args.next_int()
            if maxlen < 0:
                raise RedVectorError("MAXLEN can't be negative")
        else:
            raise SyntaxErr()
    lst = get_list(ctx, argv[1])
    if lst is None:
        return None if count is None else []
    element = argv[2]
    n = len(lst)
    wanted = 1 if count is None else (count or n)
    skip = abs(rank) - 1
    matches: list[int] = []
    forward = rank > 0
    source = lst if forward else reversed(lst)
    for compared, item in enumerate(source):
        if maxlen and compared >= maxlen:
            break
        if item == element:
            if skip:
                skip -= 1
                continue
            matches.append(compared if forward else n - 1 - compared)
            if len(matches) >= wanted:
                break
    if count is None:
        return matches[0] if matches else None
    return matches


def move(ctx: CommandContext, src: bytes, dst: bytes, from_left: bool, to_left: bool) -> bytes | None:
    """LMOVE's work: pop from src, push to dst (WRONGTYPE on either before anything moves)."""
    db = ctx.db
    source = get_list(ctx, src)
    if source is None:
        return None
    target = get_list(ctx, dst)
    value = source.popleft() if from_left else source.pop()
    if target is None:
        target = deque()
        db.set(dst, target)
    if to_left:
        target.appendleft(value)
    else:
        target.append(value)
    db.touched(dst, "lpush" if to_left else "rpush")
    db.touched(src, "lpop" if from_left else "rpop")
    if not source:
        db.delete(src)
        db.touched(src, "del")
    return value


@group.command("LMOVE", 5, _W, _K12,
               summary="Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.",
               since="6.2.0")
def lmove(ctx: CommandContext, argv: list[bytes]) -> Any:
    from_left, to_left = parse_side(argv[3]), parse_side(argv[4])
    return move(ctx, argv[1], argv[2], from_left, to_left)


@group.command("RPOPLPUSH", 3, _W, _K12,
               summary="Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.",
               since="1.2.0")
def rpoplpush(ctx: CommandContext, argv: list[bytes]) -> Any:
    return move(ctx, argv[1], argv[2], from_left=False, to_left=True)


def parse_numkeys(argv: list[bytes], index: int) -> list[bytes]:
    """``numkeys key [key ...]`` at argv[index] (LMPOP, SINTERCARD, ...): the keys, Redis's errors."""
    numkeys = parse_int(argv[index], RedVectorError("numkeys should be greater than 0"))
    if numkeys <= 0:
        raise RedVectorError("numkeys should be greater than 0")
    if numkeys > len(argv) - index - 1:
        raise RedVectorError("Number of keys can't be greater than number of args")
    return argv[index + 1 : index + 1 + numkeys]


def parse_mpop(argv: list[bytes], numkeys_index: int) -> tuple[list[bytes], bool, int]:
    """LMPOP/BLMPOP arguments after the command (and timeout): keys, side, count."""
    numkeys = parse_int(argv[numkeys_index], RedVectorError("numkeys should be greater than 0"))
    if numkeys <= 0:
        raise RedVectorError("numkeys should be greater than 0")
    where_index = numkeys_index + numkeys + 1
    if where_index >= len(argv):
        raise SyntaxErr()
    keys = argv[numkeys_index + 1 : where_index]
    left = parse_side(argv[where_index])
    count = 1
    args = ArgCursor(argv, where_index + 1)
    seen_count = False
    while args:
        if args.next_token() == "COUNT" and args and not seen_count:
            seen_count = True
            count = args.next_int(RedVectorError("count should be greater than 0"))
            if count <= 0:
                raise RedVectorError("count should be greater than 0")
        else:
            raise SyntaxErr()
    return keys, left, count


def mpop(ctx: CommandContext, keys: list[bytes], left: bool, count: int) -> list[Any] | None:
    """Pop from the first non-empty list; propagated as LPOP/RPOP key count (as Redis does)."""
    for key in keys:
        lst = get_list(ctx, key)
        if lst:
            values = pop_many(ctx, key, lst, left, count)
            ctx.propagate_as([b"LPOP" if left else b"RPOP", key, b"%d" % len(values)])
            return [key, values]
    return None


def _mpop_keys(argv: list[bytes]) -> list[bytes]:
    try:
        return parse_mpop(argv, 1)[0]
    except RedVectorError:
        return []


@group.command("LMPOP", -4, Flag.WRITE, KeySpec(2, -2, 1), getkeys=_mpop_keys,
               summary="Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.",
               since="7.0.0")
def lmpop(ctx: CommandContext, argv: list[bytes]) -> Any:
    keys, left, count = parse_mpop(argv, 1)
    result = mpop(ctx, keys, left, count)
    return NULL_ARRAY if result is None else result
