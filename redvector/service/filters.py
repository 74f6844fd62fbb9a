"""Qdrant's filter language (qdrant.md §5): validated once into a predicate over (point id, payload).

Semantics follow Qdrant 1.19 and qdrant-client's local mode (the test oracle): a key resolves to a list of
values (a final array is flattened one level); ``match``/``range`` hold when any value satisfies them and
are false on a missing key; ``match.value`` is type-strict; ``match.text`` is token containment;
``is_empty``/``is_null``/``values_count``/``nested``/``has_id``/``has_vector`` and must/should/must_not/
min_should as specified there; ``match.text_any``/``phrase``/``prefix``/``substring``, ``slice`` and the geo
conditions (service.geo) as local mode.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from redvector.errors import BadRequest, Unprocessable
from redvector.service.geo import GEO_CONDITIONS
from redvector.service.ids import parse_json_id
from redvector.service.models import PointId
from redvector.service.slices import id_hash

Predicate = Callable[[PointId, dict[str, Any]], bool]


class PointPayload(dict[str, Any]):
    """A payload with the names of the vectors the point has ("" the unnamed one), which has_vector reads;
    points.py passes it to predicates that ask for it (points.VectorNamesFilter)."""

    __slots__ = ("vector_names",)
    vector_names: frozenset[str]


# A path step: a key (str), an array index (int) or every element (None).
PathStep = str | int | None

_KEY_RE = re.compile(r'"([^"]*)"|([^.\[\]"]+)')
_BRACKET_RE = re.compile(r"\[(\d*)\]")


def parse_path(key: Any, where: str = "key") -> list[PathStep]:
    """``a.b``, ``a[].b``, ``a[0].b``, ``"dotted.key".c`` -> steps."""
    if not isinstance(key, str) or not key:
        raise BadRequest(f"Format error in JSON body: {where} must be a non-empty string")
    steps: list[PathStep] = []
    pos = 0
    while pos < len(key):
        m = _KEY_RE.match(key, pos)
        if m is None:
            raise BadRequest(f"Wrong input: invalid payload key path {key!r}")
        steps.append(m.group(1) if m.group(1) is not None else m.group(2))
        pos = m.end()
        while (b := _BRACKET_RE.match(key, pos)) is not None:
            steps.append(int(b.group(1)) if b.group(1) else None)
            pos = b.end()
        if pos < len(key):
            if key[pos] != "." or pos == len(key) - 1:
                raise BadRequest(f"Wrong input: invalid payload key path {key!r}")
            pos += 1
    return steps


def resolve(payload: Any, steps: list[PathStep], flat: bool = True) -> list[Any] | None:
    """The values a path selects (None when it selects nothing), as qdrant-client's value_by_key."""
    out: list[Any] = []

    def walk(data: Any, i: int) -> None:
        if i == len(steps):
            if flat and isinstance(data, list):
                out.extend(data)
            else:
                out.append(data)
            return
        step = steps[i]
        if isinstance(step, str):
            if isinstance(data, dict) and step in data:
                walk(data[step], i + 1)
        elif isinstance(step, int):
            if isinstance(data, list) and step < len(data):
                walk(data[step], i + 1)
        elif isinstance(data, list):
            for item in data:
                walk(item, i + 1)

    walk(payload, 0)
    return out or None


def _values_match(value: Any, other: Any) -> bool:
    # Qdrant keeps bool, int and float distinct for exact matches (10 does not match 10.0).
    if isinstance(value, bool) != isinstance(other, bool):
        return False
    if isinstance(value, float) != isinstance(other, float):
        return False
    return bool(value == other)


def _tokens(text: str) -> list[str]:
    return [t.lower() for t in re.findall(r"[^\W_]+", text)]


def _is_empty_value(value: Any) -> bool:
    return value is None or (isinstance(value, list) and not value)


def _is_null_value(value: Any) -> bool:
    return value is None or (isinstance(value, list) and any(v is None for v in value))


def _parse_datetime(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _bounds(spec: Any, where: str, integer: bool = False) -> list[tuple[str, Any]]:
    if not isinstance(spec, dict):
        raise BadRequest(f"Format error in JSON body: {where} must be an object")
    out = []
    for name, bound in spec.items():
        if name not in ("gt", "gte", "lt", "lte"):
            raise BadRequest(f"Format error in JSON body: {where}: unknown field `{name}`")
        if bound is None:
            continue
        if isinstance(bound, bool) or not isinstance(bound, (int, float, str)) or (
            integer and not isinstance(bound, int)
        ):
            raise BadRequest(f"Format error in JSON body: {where}.{name} must be a number")
        out.append((name, bound))
    return out


def _compare(value: Any, op: str, bound: Any) -> bool:
    if op == "gt":
        return bool(value > bound)
    if op == "gte":
        return bool(value >= bound)
    if op == "lt":
        return bool(value < bound)
    return bool(value <= bound)


def _range_predicate(spec: Any, where: str) -> Callable[[Any], bool]:
    bounds = _bounds(spec, where)
    if any(isinstance(b, str) for _, b in bounds):
        dt_bounds = []
        for op, b in bounds:
            parsed = _parse_datetime(b) if isinstance(b, str) else None
            if parsed is None:
                raise BadRequest(f"Format error in JSON body: {where}.{op} is not a number or RFC 3339 datetime")
            dt_bounds.append((op, parsed))

        def check_dt(value: Any) -> bool:
            if not isinstance(value, str):
                return False
            parsed = _parse_datetime(value)
            return parsed is not None and all(_compare(parsed, op, b) for op, b in dt_bounds)

        return check_dt

    def check(value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return all(_compare(value, op, b) for op, b in bounds)

    return check


def _match_predicate(spec: Any, where: str) -> Callable[[Any], bool]:
    if not isinstance(spec, dict) or len(spec) != 1:
        raise BadRequest(f"Format error in JSON body: {where} must have exactly one of value, any, except, text, "
                         "text_any, phrase, prefix, substring")
    kind, operand = next(iter(spec.items()))
    if kind == "value":
        if isinstance(operand, float) or not isinstance(operand, (str, int, bool)):
            raise BadRequest(f"Format error in JSON body: {where}.value must be a string, integer or bool")
        return lambda v: _values_match(v, operand)
    if kind in ("any", "except"):
        if not isinstance(operand, list) or not all(
            isinstance(x, (str, int)) and not isinstance(x, bool) for x in operand
        ):
            raise BadRequest(f"Format error in JSON body: {where}.{kind} must be a list of strings or integers")
        items = list(operand)
        if kind == "any":
            return lambda v: any(_values_match(v, x) for x in items)
        return lambda v: v is not None and not any(_values_match(v, x) for x in items)
    if kind == "text":
        if not isinstance(operand, str):
            raise BadRequest(f"Format error in JSON body: {where}.text must be a string")
        query = _tokens(operand)
        return lambda v: isinstance(v, str) and bool(query) and set(query) <= set(_tokens(v))
    if kind in _STRING_MATCHES:
        return _string_match(kind, operand, where)
    raise BadRequest(f"Bad request: match condition `{kind}` is not supported by RedVector")


def _field_condition(cond: dict[str, Any], where: str) -> Predicate:
    steps = parse_path(cond["key"], f"{where}.key")
    kinds = [k for k in ("match", "range", "values_count", "is_empty", "is_null") if cond.get(k) is not None]
    geo = [k for k in GEO_CONDITIONS if cond.get(k) is not None]
    if not kinds and not geo:
        raise Unprocessable(
            f"Validation error in JSON body: [{where}: At least one field condition must be specified]"
        )
    checks: list[Predicate] = []
    for kind in kinds:
        spec = cond[kind]
        if kind == "match":
            value_check = _match_predicate(spec, f"{where}.match")
            checks.append(_any_value(steps, value_check))
        elif kind == "range":
            value_check = _range_predicate(spec, f"{where}.range")
            checks.append(_any_value(steps, value_check))
        elif kind == "values_count":
            bounds = _bounds(spec, f"{where}.values_count", integer=True)
            checks.append(_values_count(steps, bounds))
        elif kind == "is_empty":
            if not isinstance(spec, bool):
                raise BadRequest(f"Format error in JSON body: {where}.is_empty must be a bool")
            checks.append(_is_empty(steps, spec))
        else:
            if not isinstance(spec, bool):
                raise BadRequest(f"Format error in JSON body: {where}.is_null must be a bool")
            checks.append(_is_null(steps, spec))
    checks.extend(_any_value(steps, GEO_CONDITIONS[kind](cond[kind], f"{where}.{kind}")) for kind in geo)
    if len(checks) == 1:
        return checks[0]
    return lambda pid, payload: all(c(pid, payload) for c in checks)


def _phrase_in(phrase: list[str], text: str) -> bool:
    tokens = _tokens(text)
    n = len(phrase)
    return any(tokens[i:i + n] == phrase for i in range(len(tokens) - n + 1))


_STRING_MATCHES = ("text_any", "phrase", "prefix", "substring")


def _string_match(kind: str, operand: Any, where: str) -> Callable[[Any], bool]:
    """match.text_any (one query token is enough), match.phrase (the query tokens consecutive, in order) and
    the case-sensitive match.prefix / match.substring, as local mode; none matches a non-string value."""
    if not isinstance(operand, str):
        raise BadRequest(f"Format error in JSON body: {where}.{kind} must be a string")
    if kind == "text_any":
        query = set(_tokens(operand))
        return lambda v: isinstance(v, str) and not query.isdisjoint(_tokens(v))
    if kind == "phrase":
        phrase = _tokens(operand)
        return lambda v: isinstance(v, str) and bool(phrase) and _phrase_in(phrase, v)
    if kind == "prefix":
        return lambda v: isinstance(v, str) and v.startswith(operand)
    return lambda v: isinstance(v, str) and operand in v


def _slice(spec: Any, where: str) -> Predicate:
    """{"slice": {"total": n, "index": i}}: the points whose id hash is i modulo n (none inside `nested`)."""
    if not isinstance(spec, dict) or set(spec) != {"total", "index"}:
        raise BadRequest(f"Format error in JSON body: {where} needs exactly `total` and `index`")
    total, index = spec["total"], spec["index"]
    for name, value in (("total", total), ("index", index)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**32:
            raise BadRequest(f"Format error in JSON body: {where}.{name} must be an unsigned 32-bit integer")
    if total < 1:
        raise BadRequest(f"Bad request: Slice total must be >= 1, got {total}")
    if index >= total:
        raise BadRequest(f"Bad request: Slice index must be in [0;{total - 1}], got {index}")

    def predicate(pid: PointId, _payload: dict[str, Any]) -> bool:
        if isinstance(pid, int) and pid < 0:  # the sentinel id of an element checked by a nested filter
            return False
        return id_hash(pid) % total == index

    return predicate


def _any_value(steps: list[PathStep], check: Callable[[Any], bool]) -> Predicate:
    def predicate(_pid: PointId, payload: dict[str, Any]) -> bool:
        values = resolve(payload, steps)
        return values is not None and any(check(v) for v in values)

    return predicate


def _values_count(steps: list[PathStep], bounds: list[tuple[str, Any]]) -> Predicate:
    def predicate(_pid: PointId, payload: dict[str, Any]) -> bool:
        values = resolve(payload, steps, flat=False) or []
        if all(v is None for v in values):
            counts = [0]
        else:
            counts = [0 if v is None else len(v) if isinstance(v, list) else 1 for v in values]
        return any(all(_compare(c, op, b) for op, b in bounds) for c in counts)

    return predicate


def _is_empty(steps: list[PathStep], expected: bool = True) -> Predicate:
    def predicate(_pid: PointId, payload: dict[str, Any]) -> bool:
        values = resolve(payload, steps, flat=False)
        empty = values is None or all(_is_empty_value(v) for v in values)
        return empty == expected

    return predicate


def _is_null(steps: list[PathStep], expected: bool = True) -> Predicate:
    def predicate(_pid: PointId, payload: dict[str, Any]) -> bool:
        values = resolve(payload, steps, flat=False)
        null = values is not None and any(_is_null_value(v) for v in values)
        return null == expected

    return predicate


def _nested(spec: Any, where: str) -> Predicate:
    if not isinstance(spec, dict) or "key" not in spec or "filter" not in spec:
        raise BadRequest(f"Format error in JSON body: {where} needs `key` and `filter`")
    key = spec["key"]
    if isinstance(key, str) and len(key) > 2 and key.endswith("[]"):
        key = key[:-2]
    steps = parse_path(key, f"{where}.key")
    inner = compile_filter(spec["filter"], f"{where}.filter", nested=True)

    def predicate(_pid: PointId, payload: dict[str, Any]) -> bool:
        values = resolve(payload, steps, flat=False) or []
        for value in values:
            if isinstance(value, list):
                for element in value:
                    if isinstance(element, dict) and inner(-1, element):
                        return True
        return False

    return predicate


def _condition(cond: Any, where: str, nested: bool) -> Predicate:
    if not isinstance(cond, dict):
        raise BadRequest(f"Format error in JSON body: {where} must be an object")
    if "key" in cond:
        return _field_condition(cond, where)
    if "has_id" in cond:
        if nested:
            raise BadRequest("Bad request: has_id is not supported inside nested filters")
        raw = cond["has_id"]
        if not isinstance(raw, list):
            raise BadRequest(f"Format error in JSON body: {where}.has_id must be a list of ids")
        ids: set[PointId] = {parse_json_id(v) for v in raw}
        return lambda pid, _payload: pid in ids
    if "is_empty" in cond or "is_null" in cond:
        kind = "is_empty" if "is_empty" in cond else "is_null"
        spec = cond[kind]
        if not isinstance(spec, dict) or "key" not in spec:
            raise BadRequest(f"Format error in JSON body: {where}.{kind} needs a `key`")
        steps = parse_path(spec["key"], f"{where}.{kind}.key")
        return _is_empty(steps) if kind == "is_empty" else _is_null(steps)
    if "nested" in cond:
        return _nested(cond["nested"], f"{where}.nested")
    if "has_vector" in cond:
        name = cond["has_vector"]
        if not isinstance(name, str):
            raise BadRequest(f"Format error in JSON body: {where}.has_vector must be a vector name (a string)")
        return lambda _pid, payload: name in getattr(payload, "vector_names", ())
    if "slice" in cond:
        return _slice(cond["slice"], f"{where}.slice")
    if cond.keys() & {"must", "should", "must_not", "min_should"} or not cond:
        return compile_filter(cond, where, nested)
    unknown = next(iter(cond))
    raise BadRequest(f"Format error in JSON body: {where}: unknown condition `{unknown}`")


def _clause(raw: Any, where: str, nested: bool) -> list[Predicate]:
    items = raw if isinstance(raw, list) else [raw]
    return [_condition(c, f"{where}[{i}]", nested) for i, c in enumerate(items)]


def compile_filter(raw: Any, where: str = "filter", nested: bool = False) -> Predicate:
    """Validate a Filter JSON object and return its predicate. Errors name the offending path."""
    if not isinstance(raw, dict):
        raise BadRequest(f"Format error in JSON body: {where} must be an object")
    unknown = set(raw) - {"must", "should", "must_not", "min_should"}
    if unknown:
        raise BadRequest(f"Format error in JSON body: {where}: unknown field `{sorted(unknown)[0]}`")
    must = _clause(raw["must"], f"{where}.must", nested) if raw.get("must") is not None else []
    must_not = _clause(raw["must_not"], f"{where}.must_not", nested) if raw.get("must_not") is not None else []
    should = _clause(raw["should"], f"{where}.should", nested) if raw.get("should") is not None else []
    min_should: tuple[list[Predicate], int] | None = None
    if raw.get("min_should") is not None:
        spec = raw["min_should"]
        if not isinstance(spec, dict) or "conditions" not in spec or "min_count" not in spec:
            raise BadRequest(f"Format error in JSON body: {where}.min_should needs conditions and min_count")
        count = spec["min_count"]
        if isinstance(count, bool) or not isinstance(count, int):
            raise BadRequest(f"Format error in JSON body: {where}.min_should.min_count must be an integer")
        if count < 1:
            raise BadRequest(f"Bad request: min_count value {count} is invalid. Must be 1 or larger.")
        min_should = (_clause(spec["conditions"], f"{where}.min_should.conditions", nested), count)

    def predicate(pid: PointId, payload: dict[str, Any]) -> bool:
        for c in must:
            if not c(pid, payload):
                return False
        for c in must_not:
            if c(pid, payload):
                return False
        # An empty `should` is no constraint (Qdrant; local mode agrees).
        if should and not any(c(pid, payload) for c in should):
            return False
        if min_should is not None:
            conditions, needed = min_should
            if sum(1 for c in conditions if c(pid, payload)) < needed:
                return False
        return True

    return predicate


def optional_filter(raw: Any, where: str = "filter") -> Predicate | None:
    return None if raw is None else compile_filter(raw, where)


def simple_equality_filter(pairs: dict[str, str]) -> Predicate:
    """The original VectorService filter: AND of key == value, compared as strings."""

    def predicate(_pid: PointId, payload: dict[str, Any]) -> bool:
        for k, v in pairs.items():
            value = payload.get(k)
            if value is None:
                return False
            if isinstance(value, bool):
                text = "true" if value else "false"
            else:
                text = str(value)
            if text != v:
                return False
        return True

    return predicate


__all__ = ["Predicate", "compile_filter", "optional_filter", "parse_path", "resolve", "simple_equality_filter"]
