"""Unit tests of the shared JSON API (no sockets): JsonValue, dumps/loads, compile_path and values()."""

from __future__ import annotations

import pytest

from redvector.errors import JsonError
from redvector.keyspace.types.json_path import compile_path
from redvector.keyspace.types.json_value import JsonValue, dumps, dumps_formatted, loads

DOC = loads(b'{"a":{"a":1,"b":[{"a":3}]},"b":{"a":2},"c":[1,2,3,4,5],"s":"x"}')


@pytest.mark.parametrize(("path", "expected"), [
    ("$..a", [{"a": 1, "b": [{"a": 3}]}, 1, 3, 2]),
    ("$.c[-1]", [5]),
    ("$.c[1:3]", [2, 3]),
    ("$.c[::2]", [1, 3, 5]),
    ("$.c[0,2,-1]", [1, 3, 5]),
    ("$.c[*]", [1, 2, 3, 4, 5]),
    ("$['a','b'].a", [1, 2]),
    ("$.c[?(@>2 && @<5)]", [3, 4]),
    ("$..[?(@.a>=2)]", [{"a": 2}, {"a": 3}]),
    ('$.*[?(@=="x")]', ["x"]),  # a scalar is tested itself, as RedisJSON does
    ("$.c[9]", []),
    ("$", [DOC]),
    (".a.a", [1]),
    ("c[1]", [2]),
    (".c[*]", [1]),  # a legacy path gives at most one value
    (".", [DOC]),
])
def test_values(path: str, expected: list[object]) -> None:
    compiled = compile_path(path)
    assert compiled.values(DOC) == expected
    assert compiled.is_legacy == (not path.startswith("$"))
    assert compile_path(path.encode()).values(DOC) == expected


def test_compile_is_cached_and_errors_are_redisjson_texts() -> None:
    assert compile_path(b"$.a.b") is compile_path(b"$.a.b")
    with pytest.raises(JsonError) as err:
        compile_path("$..")
    assert err.value.resp_line() == (
        'Error occurred on position 3, "$.. <<<<----", expected one of the following: <string>, \'*\'.')
    with pytest.raises(JsonError):
        compile_path("$[")


@pytest.mark.parametrize(("text", "out"), [
    (b'{"a":1e30,"b":0.1,"c":1.0,"d":-0.0}', b'{"a":1e30,"b":0.1,"c":1.0,"d":-0.0}'),
    (b"[1E5,1e16,1e15,1.5e-7,\"e+1\"]", b'[100000.0,1e16,1000000000000000.0,1.5e-7,"e+1"]'),
    (b"[18446744073709551615,18446744073709551616,-9223372036854775808]",
     b"[18446744073709551615,1.8446744073709552e19,-9223372036854775808]"),
    (b'"h\\u00e9 \\ud83d\\ude00 \\u0001"', '"hé 😀 \\u0001"'.encode()),
    (b'{"a":1}trailing', b'{"a":1}'),
])
def test_text(text: bytes, out: bytes) -> None:
    assert dumps(loads(text)) == out


@pytest.mark.parametrize(("text", "message"), [
    (b'{"a":NaN}', "expected value at line 1 column 6"),
    (b"nan", "expected ident at line 1 column 2"),
    (b"[1,]", "trailing comma at line 1 column 4"),
    (b"", "EOF while parsing a value at line 1 column 0"),
    (b"1e400", "number out of range at line 1 column 5"),
    (b"{a:1}", "key must be a string at line 1 column 2"),
    (b"[" * 128, "recursion limit exceeded at line 1 column 128"),
    (b'{\n"a" 1}', "expected `:` at line 2 column 5"),
])
def test_bad_text(text: bytes, message: str) -> None:
    with pytest.raises(JsonError) as err:
        loads(text)
    assert err.value.resp_line() == message


def test_formatted_and_value() -> None:
    assert dumps_formatted({"a": [1, {}], "b": []}, b"  ", b"\n", b" ") == (
        b'{\n  "a": [\n    1,\n    {}\n  ],\n  "b": []\n}')
    v = JsonValue({"a": 1})
    assert v.root == {"a": 1} and v == JsonValue({"a": 1}) and v != JsonValue({"a": 1.0})
    assert v.memory_usage() > 0
