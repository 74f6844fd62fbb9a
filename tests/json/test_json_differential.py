"""Differential: JSON.* against Redis Stack 7.4.1 (RedisJSON 2.8), replies compared in RESP2 and RESP3.

Each scenario is a list of commands run in order on both servers (each starting from an empty database);
replies and error texts must be equal. RedisJSON answers a multi-path JSON.GET as an object whose key
order comes from a hash map, so those replies are compared as parsed JSON. JSON.DEBUG MEMORY is not
compared (RedVector reports CPython sizes). Skipped when Redis Stack cannot start.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import redis

from tests.serverutil import ThreadedServer

DOC = ('{"a":1,"b":2.5,"s":"ab","arr":[1,2,3],"o":{"x":1,"y":"z"},"t":true,"n":null,'
       '"nested":{"a":"q","arr":[]}}')
DEEP = '{"a":{"a":1,"b":[{"a":3}]},"b":{"a":2},"c":[1,2,3,4,5],"x-y":1,"1a":2,"s p":4}'

PACK8 = "[0.5,-0.25,1.5,0.125,-3.0,2.5e-8,1e30,0.75]"
PACKED = ('{"e":' + PACK8 + ',"m":[' + PACK8 + ',' + PACK8 + '],"f":' + PACK8 + ',"g":' + PACK8 + ',"h":' + PACK8
          + ',"i":' + PACK8 + ',"j":' + PACK8 + ',"k":' + PACK8 + ',"short":[0.5,1.5],"mixed":[0.5,1,2.5,3.5,4.5,5.5,6.5,7.5]}')

SCENARIOS: dict[str, list[tuple[str, ...]]] = {
    # found by random sequences compared with Redis Stack
    "random_finds": [
        ("JSON.SET", "z", "$", '{"a":-0,"b":[-0,1],"c":[],"big":[12345678901234567890,9223372036854775807]}'),
        ("JSON.GET", "z"),
        ("JSON.TYPE", "z", "$.a"),
        ("JSON.RESP", "z", "$.b"),
        ("JSON.NUMINCRBY", "z", "$.a", "1"),
        ("JSON.NUMMULTBY", "z", "$.big[0]", "-1"),
        ("JSON.NUMINCRBY", "z", "$.big[1]", "1"),
        ("JSON.SET", "nokey", "$.q", "1", "XX"),
        ("JSON.SET", "nokey", "$.q", "1", "NX"),
        ("JSON.SET", "z", "$.new", "1", "NX"),
        ("JSON.SET", "z", "$.a", "2", "NX"),
        ("JSON.SET", "z", "$[*]", "2", "NX"),
        ("JSON.SET", "z", "$..a", "3", "NX"),
        ("JSON.SET", "z", "$.c[0]", "1"),
        ("JSON.ARRINSERT", "z", "a", "0", "1"),
        ("JSON.ARRINSERT", "z", ".zz", "0", "1"),
        ("JSON.MSET", "z", "$.c[0]", "1", "nokey", "$.d", "1"),
        ("JSON.MSET", "z", "$.c[*]", "1", "nokey", "$.d", "1"),
        ("JSON.MSET", "z", "$.c[1:3]", "1", "z", "$.n", "1"),
        ("JSON.GET", "z"),
        ("JSON.SET", "u", "$", '{"a":1,"b":null,"t":true,"s":"x","n":2.5,"u":12345678901234567890,"e":1e30}'),
        ("JSON.RESP", "u", "$..*"),
        ("JSON.RESP", "u", ".u"),
        ("JSON.SET", "arr", "$", "[1,2]"),
        ("JSON.MSET", "arr", "$", '"s"', "arr", "$[*]", "true"),
        ("JSON.GET", "arr"),
    ],
    "text": [
        ("JSON.SET", "k", "$", '{"a":1e30,"b":0.1,"c":1.0,"d":-0.0,"e":12345678901234567890,"h":1.5e-7,"i":1E5,'
         '"j":[],"k":{},"l":1e308,"m":-9223372036854775808,"n":18446744073709551615,"o":18446744073709551616,'
         '"p":3.0e2,"q":100000000000000000000.0,"r":1e16,"s":1e15,"t":"\\u0001\\u007f\\u2028 /","u":"h\u00e9llo",'
         '"v":"\\ud83d\\ude00","w":"tab\\there"}'),
        ("JSON.GET", "k"),
        ("JSON.GET", "k", "$"),
        ("JSON.GET", "k", "INDENT", "\t", "NEWLINE", "\n", "SPACE", " "),
        ("JSON.GET", "k", "INDENT", "  ", "$.j", ),
        ("JSON.GET", "k", "NEWLINE", "\n", "$.k"),
        ("JSON.SET", "k", "$", '{"a":1,"a":2}'),
        ("JSON.GET", "k"),
        ("JSON.SET", "k", "$", ' 1 2'),
        ("JSON.GET", "k"),
        *[("JSON.SET", "bad", "$", text) for text in (
            '{"a":NaN}', "nan", "[1,]", "'a'", "", "1e400", '{"a":1,}', '{"a" 1}', "{a:1}", '"abc', '"\\q"',
            "01", "-", "1.", "tru", "[1 2]", "-a", "1.a", "1e", "[" * 128 + "]" * 128, "{", "[1", '{"a":1',
            "Infinity", '"\x01"', '"\\u12"', '"\\udc00"', "[" * 127 + "]" * 127)],
        ("JSON.GET", "bad"),
    ],
    "paths": [
        ("JSON.SET", "d", "$", DEEP),
        *[("JSON.GET", "d", p) for p in (
            "$..a", "$..*", "$.c[-1]", "$.c[1:3]", "$.c[:-2]", "$.c[::2]", "$.c[0,2,-1]", "$.c[0,0]", "$.c[9]",
            "$.c[*]", "$['a','b']", '$["a"]', "$.x-y", "$.1a", "$['s p']", "$.c[?(@>2)]", "$.*[?(@.a==2)]",
            "$..[?(@.a>=2)]", "$.c[?@>2]", "$.c[?(@>1 && @<4)]", "$.c[?(@<2 || @>4)]", ".c[1]", "c", ".c[*]",
            ".c[9]", "[0]", "$.c[1:3:0]", "$.c[-9:2]", "$.c[3:1]", "$..", "$[", "$.a b", ".c.[0]", "$.a.b[0].a",
            "$.a.*", "$..b[0]", "$[a]", ".", "$", "$.c[?(@==3)]", "$..[?(@.a)]", "$.a[?(@.a!=1)]",
            "$..b[?(@.a<4)]", '$.*[?(@=="x")]', "$.c[-2:]", "$.c[1:]", "$..c[0]", "$.a..a")],
        ("JSON.GET", "d", ".a", ".b"),
        ("JSON.GET", "d", ".a", ".zz"),
        ("JSON.GET", "d", "$.a", ".zz"),
        ("JSON.GET", "d", "$.a", "$.c"),
        ("JSON.GET", "nokey"),
        ("JSON.GET", "nokey", "$"),
    ],
    "filters": [
        ("JSON.SET", "j", "$", '{"a":[1,2.0,"2",null,true],"b":"str","c":{"d":"x","n":3},"e":[{"p":1},{"p":"1"},{}]}'),
        *[("JSON.GET", "j", p) for p in (
            '$[?(@.a==', '$["a', '$.*[?(@ =~ "(")]', '$.*[?(@ =~ "^s")]', '$.*[?(@.d == "x")]', '$.*[?(@ == "str")]',
            '$.*[?(@ > "abc")]', '$[?(@.d)]', '$.*[?(@.d)]', '$.*[?(@ == true)]', '$.a[?(@ == 1.0)]', '$.a[?(@ == 2)]',
            '$.a[?(@ != null)]', '$.*[?(@ == $.b)]', '$.*[?(!@.d)]', '$[?(@.a[0] == 1)]', '$.*[?(@.d in ["x"])]',
            '$..*[?(@ == "x")]', '$..[?(@ == "x")]', '$.a[?(@==1 || @==2 && @==3)]', '$.a[?((@==1))]', '$.c.d[0]',
            '$["c"]["d"]', "$['c']", '$.c["d","e"]', '$.a[ 0 ]', '$ .a', '$.a [0]', '$.*.*', '$.a.length',
            '$.a[-1:]', '$.a[:]', '$.a[0:1:1]', '$[*]', '$..[*]', '$..["d"]', '$..[0]', '$.c.*', '$.e[?(@.p)]',
            '$.e[?(@.p == 1)]', '$.e[?(@.p != 1)]', '$.e[?(@.p < 2)]', '$.e[?(@.p >= "1")]', '$.c[?(@ > 2)]',
            '$.a[?(@ < true)]', '$.a[?(@ =~ "2")]', '$.e[?(@.p == $.c.n)]', '$.e[?(@.p == $.nope)]',
            '$.e[?(@.p != $.nope)]')],
        ("JSON.ARRINSERT", "j", "$.a", "99999999999999999999999", "1"),
        ("JSON.NUMINCRBY", "j", "$.a[0]", "1e999"),
        ("JSON.ARRPOP", "j", "$.a", "1e3"),
        ("JSON.DEL", "j", '$.e[?(@.p)]'),
        ("JSON.GET", "j"),
    ],
    "set": [
        ("JSON.SET", "new", ".a", "1"),
        ("JSON.SET", "new", "$.a", "1"),
        ("JSON.SET", "new", "$", "1", "XX"),
        ("JSON.SET", "e", "$", '{"a":1}'),
        ("JSON.SET", "e", "$.b.c", "1"),
        ("JSON.SET", "e", "$.b", "2"),
        ("JSON.SET", "e", "$..zz", "2"),
        ("JSON.SET", "e", ".x.y", "2"),
        ("JSON.SET", "e", ".x", "2", "XX"),
        ("JSON.SET", "e", ".y", "2", "NX"),
        ("JSON.SET", "e", "$.a", "3", "NX"),
        ("JSON.SET", "e", "$.a", "3", "XX"),
        ("JSON.SET", "e", "$", "5", "NX"),
        ("JSON.SET", "e", "$", "1", "NX", "XX"),
        ("JSON.SET", "e", "$", "1", "FOO"),
        ("JSON.SET", "e", "$", "1", "nx", "nx"),
        ("JSON.SET", "e", "$[5]", "1"),
        ("JSON.SET", "e", "$.arr", "[1,2,3]"),
        ("JSON.SET", "e", "$.arr[1]", '{"q":[true]}'),
        ("JSON.SET", "e", "$.arr[*]", "0"),
        ("JSON.SET", "e", "$..*", "7"),
        ("JSON.GET", "e"),
        ("JSON.SET", "e", "$", "[]"),
        ("JSON.SET", "e", "$[0]", "1"),
        ("JSON.GET", "e"),
        ("SET", "str", "v"),
        ("JSON.SET", "str", "$", "1"),
        ("JSON.GET", "str"),
        ("JSON.MGET", "str", "e", "$"),
        ("JSON.SET", "e", "$", "1"),
        ("GET", "e"),
        ("HSET", "e", "f", "v"),
        ("TYPE", "e"),
        ("OBJECT", "ENCODING", "e"),
    ],
    "numbers": [
        ("JSON.SET", "k", "$", DOC),
        ("JSON.NUMINCRBY", "k", "$.a", "2"),
        ("JSON.NUMINCRBY", "k", "$..a", "2"),
        ("JSON.NUMINCRBY", "k", ".a", "2"),
        ("JSON.NUMINCRBY", "k", ".a", "1.5"),
        ("JSON.NUMINCRBY", "k", ".s", "1"),
        ("JSON.NUMINCRBY", "k", "$.b", "1"),
        ("JSON.NUMINCRBY", "k", "$.a", "x"),
        ("JSON.NUMINCRBY", "k", "$.a", '"x"'),
        ("JSON.NUMINCRBY", "k", ".zz", "1"),
        ("JSON.NUMMULTBY", "k", "$.b", "2"),
        ("JSON.NUMMULTBY", "k", ".b", "2"),
        ("JSON.NUMMULTBY", "k", "$..*", "3"),
        ("JSON.NUMINCRBY", "nokey", "$", "1"),
        ("JSON.SET", "i", "$", '{"a":1,"f":2.0}'),
        ("JSON.NUMINCRBY", "i", "$.a", "9223372036854775807"),
        ("JSON.NUMINCRBY", "i", "$.a", "1e308"),
        ("JSON.NUMINCRBY", "i", "$.a", "1e308"),
        ("JSON.NUMMULTBY", "i", "$.f", "1"),
        ("JSON.NUMINCRBY", "i", "$.f", "0.5"),
        ("JSON.NUMMULTBY", "i", "$.a", "0"),
        ("JSON.GET", "i"),
    ],
    "strings": [
        ("JSON.SET", "k", "$", DOC),
        ("JSON.STRAPPEND", "k", "$.s", '"cd"'),
        ("JSON.STRAPPEND", "k", "$..*", '"!"'),
        ("JSON.STRAPPEND", "k", ".s", '"x"'),
        ("JSON.STRAPPEND", "k", ".a", '"x"'),
        ("JSON.STRAPPEND", "k", '"x"'),
        ("JSON.STRAPPEND", "k", "$.s", "cd"),
        ("JSON.STRAPPEND", "k", "$.s", "1"),
        ("JSON.STRAPPEND", "k", ".s", '"\u00e9"'),
        ("JSON.STRLEN", "k", "$..*"),
        ("JSON.STRLEN", "k", ".s"),
        ("JSON.STRLEN", "k"),
        ("JSON.STRLEN", "k", ".a"),
        ("JSON.STRLEN", "k", ".zz"),
        ("JSON.STRLEN", "nokey", ".s"),
        ("JSON.STRLEN", "nokey", "$.s"),
        ("JSON.STRAPPEND", "nokey", ".s", '"a"'),
        ("JSON.GET", "k"),
    ],
    "arrays": [
        ("JSON.SET", "k", "$", DOC),
        ("JSON.ARRAPPEND", "k", "$.arr", "4", "5"),
        ("JSON.ARRAPPEND", "k", "$..arr", '"x"'),
        ("JSON.ARRAPPEND", "k", ".arr", "6"),
        ("JSON.ARRAPPEND", "k", ".a", "6"),
        ("JSON.ARRAPPEND", "k", "$.a", "6"),
        ("JSON.ARRAPPEND", "k", "$.arr", "x"),
        ("JSON.ARRAPPEND", "nokey", "$.arr", "1"),
        ("JSON.ARRLEN", "k", "$..arr"),
        ("JSON.ARRLEN", "k", ".arr"),
        ("JSON.ARRLEN", "k"),
        ("JSON.ARRLEN", "k", ".a"),
        ("JSON.ARRLEN", "k", ".zz"),
        ("JSON.ARRLEN", "nokey"),
        ("JSON.ARRLEN", "nokey", "$"),
        ("JSON.ARRINSERT", "k", "$.arr", "0", '"first"'),
        ("JSON.ARRINSERT", "k", "$.arr", "-1", '"beforelast"'),
        ("JSON.ARRINSERT", "k", "$.arr", "100", "1"),
        ("JSON.ARRINSERT", "k", ".arr", "1", "1"),
        ("JSON.ARRINSERT", "k", "$.arr", "x", "1"),
        ("JSON.ARRINSERT", "k", "$.arr", "0", "x"),
        ("JSON.ARRINSERT", "nokey", "$", "0", "1"),
        ("JSON.ARRINDEX", "k", "$.arr", "1"),
        ("JSON.ARRINDEX", "k", "$..arr", '"x"'),
        ("JSON.ARRINDEX", "k", ".arr", "1"),
        ("JSON.ARRINDEX", "k", ".arr", "1", "2"),
        ("JSON.ARRINDEX", "k", ".arr", "1", "2", "-1"),
        ("JSON.ARRINDEX", "nokey", ".a", "1"),
        ("JSON.ARRINDEX", "nokey", "a", "1"),
        ("JSON.ARRINDEX", "k", "$.a", "1"),
        ("JSON.ARRINDEX", "k", ".a", "1"),
        ("JSON.ARRINDEX", "k", ".zz", "1"),
        ("JSON.ARRINDEX", "k", "$.arr", "x"),
        ("JSON.ARRINDEX", "k", "$.arr", "1", "x"),
        ("JSON.ARRINDEX", "nokey", "$", "1"),
        ("JSON.GET", "k"),
        ("JSON.ARRPOP", "k"),
        ("JSON.ARRPOP", "k", "$.arr"),
        ("JSON.ARRPOP", "k", "$.arr", "0"),
        ("JSON.ARRPOP", "k", ".arr", "-100"),
        ("JSON.ARRPOP", "k", "$.arr", "x"),
        ("JSON.ARRPOP", "k", "$..arr"),
        ("JSON.ARRPOP", "k", ".a"),
        ("JSON.ARRPOP", "k", "$.a"),
        ("JSON.ARRPOP", "nokey"),
        ("JSON.ARRPOP", "nokey", "$"),
        ("JSON.ARRTRIM", "k", "$.arr", "0", "1"),
        ("JSON.ARRTRIM", "k", ".arr", "0", "0"),
        ("JSON.ARRTRIM", "k", ".arr", "5", "9"),
        ("JSON.ARRTRIM", "k", "$.a", "0", "1"),
        ("JSON.ARRTRIM", "k", ".a", "0", "1"),
        ("JSON.ARRTRIM", "k", "$.arr", "x", "1"),
        ("JSON.ARRTRIM", "nokey", "$", "0", "1"),
        ("JSON.ARRPOP", "k", ".nested.arr"),
        ("JSON.ARRPOP", "k", "$.nested.arr"),
        ("JSON.SET", "t", "$", '{"a":[1,2,3,4,5,6],"b":[1,2,3,1,2,3],"f":[1.0,2,"2",[2],{"a":2},null,true]}'),
        ("JSON.ARRTRIM", "t", "$.a", "-3", "-1"),
        ("JSON.ARRTRIM", "t", "$.a", "1", "100"),
        ("JSON.ARRTRIM", "t", "$.a", "5", "1"),
        ("JSON.ARRINDEX", "t", "$.b", "1", "1", "-1"),
        ("JSON.ARRINDEX", "t", "$.b", "3", "0", "-1"),
        ("JSON.ARRINDEX", "t", "$.b", "3", "0", "0"),
        ("JSON.ARRINDEX", "t", "$.b", "3", "-2"),
        ("JSON.ARRINDEX", "t", "$.b", "3", "2", "1"),
        ("JSON.ARRINDEX", "t", "$.b", "3", "3", "-1"),
        ("JSON.ARRINDEX", "t", "$.b", "1", "-100", "100"),
        *[("JSON.ARRINDEX", "t", "$.f", v) for v in ("2", "1.0", '"2"', "[2]", '{"a":2}', "null", "true", "false")],
        ("JSON.ARRPOP", "t", "$.b", "100"),
        ("JSON.ARRPOP", "t", "$.b", "-100"),
        ("JSON.SET", "r", "$", "[1]"),
        ("JSON.ARRINSERT", "r", "$", "-3", "0"),
        ("JSON.ARRINSERT", "r", "$", "-1", "0"),
        ("JSON.ARRINSERT", "r", "$", "2", '{"z":1}', "[]"),
        ("JSON.GET", "t"),
        ("JSON.GET", "r"),
    ],
    # Arrays of 8 floats or more are held packed (8 bytes a float): every read and write of them, and the
    # writes that put something other than a float in one (it becomes a plain array again).
    "packed": [
        ("JSON.SET", "v", "$", PACKED),
        ("JSON.GET", "v"),
        *[("JSON.GET", "v", p) for p in (
            "$.e", "$.e[0]", "$.e[-1]", "$.e[2:5]", "$.e[::3]", "$.e[*]", "$..e", "$.e[?(@>0.25)]", "$..[?(@<0)]",
            "$.m[1]", "$.m[1][3]", "$.m[*][0]", "$..*", ".e", ".e[1]", "$.e[0,0]")],
        ("JSON.GET", "v", "INDENT", "  ", "NEWLINE", "\n", "$.e"),
        ("JSON.TYPE", "v", "$.e"), ("JSON.TYPE", "v", "$.e[0]"), ("JSON.TYPE", "v", "$..*"),
        ("JSON.ARRLEN", "v", "$..e"), ("JSON.ARRLEN", "v", ".m[0]"),
        ("JSON.ARRINDEX", "v", "$.e", "0.5"), ("JSON.ARRINDEX", "v", "$.e", "1"), ("JSON.ARRINDEX", "v", "$.m", PACK8),
        ("JSON.RESP", "v", "$.e"), ("JSON.MGET", "v", "v", "$.e[1]"),
        ("JSON.SET", "w", "$", "[" + PACK8 + "," + PACK8 + "]"),
        ("JSON.GET", "w", "$[1]"), ("JSON.TYPE", "w"), ("JSON.ARRLEN", "w", "$[0]"),
        ("JSON.NUMINCRBY", "v", "$.e[0]", "1"), ("JSON.NUMMULTBY", "v", "$.e[*]", "2"),
        ("JSON.NUMINCRBY", "v", "$.m[0][1]", "1.5"),
        ("JSON.ARRAPPEND", "v", "$.e", "1.25", "2.5"), ("JSON.ARRAPPEND", "v", "$.e", "3"),
        ("JSON.ARRAPPEND", "v", "$.m[0]", '"x"'), ("JSON.ARRINSERT", "v", "$.m[1]", "1", "7.5"),
        ("JSON.ARRINSERT", "v", "$.f", "0", "null"), ("JSON.ARRPOP", "v", "$.m[1]"), ("JSON.ARRPOP", "v", ".f", "0"),
        ("JSON.ARRTRIM", "v", "$.f", "1", "3"), ("JSON.SET", "v", "$.g[2]", "9.5"), ("JSON.SET", "v", "$.g[3]", '"s"'),
        ("JSON.SET", "v", "$.h[*]", "1"), ("JSON.DEL", "v", "$.i[0]"), ("JSON.DEL", "v", "$.i[1,2]"),
        ("JSON.CLEAR", "v", "$.j[*]"), ("JSON.CLEAR", "v", "$.k"), ("JSON.ARRAPPEND", "v", "$.k", '"after"'),
        ("JSON.MERGE", "v", "$", '{"l":' + PACK8 + ',"e":null}'), ("JSON.MERGE", "v", "$.l[0]", '{"o":1}'),
        ("JSON.GET", "v"),
        ("JSON.ARRTRIM", "w", "$[0]", "0", "-1"), ("JSON.ARRTRIM", "w", "$[1]", "9", "10"), ("JSON.GET", "w"),
    ],
    # RedisJSON removes an object's member by swap_remove (the last member takes its place): DEL in path
    # order, MERGE's nulls in the patch's order.
    "member order": [
        *[cmd for paths in ("$.a", "$['a','c']", "$['c','a']", "$.*", "$.e", "$['b','zz','d']") for cmd in (
            ("JSON.SET", "o", "$", '{"c":1,"b":2,"a":3,"d":4,"e":5}'), ("JSON.DEL", "o", paths), ("JSON.GET", "o"))],
        ("JSON.SET", "o", "$", '{"a":{"x":1,"y":2,"z":3},"b":{"x":1,"q":2,"r":3,"s":{"x":0,"t":1}}}'),
        ("JSON.DEL", "o", "$..x"), ("JSON.GET", "o"),
        *[cmd for patch in ('{"a":null,"c":null}', '{"c":null,"a":null}', '{"x":5,"b":null,"y":6}', '{"e":null,"z":{"q":null}}',
                            '{"b":{"n":1},"c":null}') for cmd in (
            ("JSON.SET", "o", "$", '{"c":1,"b":2,"a":3,"d":4,"e":5}'), ("JSON.MERGE", "o", "$", patch), ("JSON.GET", "o"))],
        ("JSON.FORGET", "o", "$.c"), ("JSON.GET", "o"),
    ],
    "objects": [
        ("JSON.SET", "k", "$", DOC),
        ("JSON.OBJKEYS", "k"),
        ("JSON.OBJKEYS", "k", "$..o"),
        ("JSON.OBJKEYS", "k", "$..*"),
        ("JSON.OBJKEYS", "k", ".a"),
        ("JSON.OBJKEYS", "k", ".zz"),
        ("JSON.OBJLEN", "k"),
        ("JSON.OBJLEN", "k", "$..*"),
        ("JSON.OBJLEN", "k", ".a"),
        ("JSON.OBJLEN", "k", ".zz"),
        ("JSON.OBJKEYS", "nokey"),
        ("JSON.OBJKEYS", "nokey", "$"),
        ("JSON.OBJLEN", "nokey"),
        ("JSON.OBJLEN", "nokey", "$"),
        ("JSON.TYPE", "k"),
        ("JSON.TYPE", "k", "$"),
        ("JSON.TYPE", "k", "$..*"),
        ("JSON.TYPE", "k", ".a"),
        ("JSON.TYPE", "k", ".zz"),
        ("JSON.TYPE", "k", "$.zz"),
        ("JSON.TYPE", "nokey"),
        ("JSON.TYPE", "nokey", "$"),
        ("JSON.TOGGLE", "k", "$.t"),
        ("JSON.TOGGLE", "k", ".t"),
        ("JSON.TOGGLE", "k", "$..*"),
        ("JSON.TOGGLE", "k", ".a"),
        ("JSON.TOGGLE", "k", ".zz"),
        ("JSON.TOGGLE", "nokey", "$"),
        ("JSON.CLEAR", "k", "$.o"),
        ("JSON.CLEAR", "k", "$.s"),
        ("JSON.CLEAR", "k", "$..*"),
        ("JSON.GET", "k"),
        ("JSON.CLEAR", "k"),
        ("JSON.GET", "k"),
        ("JSON.CLEAR", "nokey"),
        ("JSON.SET", "c", "$", '{"a":{"a":{"a":1}},"n":[0,0.0,1,{"x":[1]}]}'),
        ("JSON.CLEAR", "c", "$..a"),
        ("JSON.CLEAR", "c", "$.n[*]"),
        ("JSON.GET", "c"),
    ],
    "delete": [
        ("JSON.SET", "k", "$", '{"a":[1,2,3,4],"b":{"a":1}}'),
        ("JSON.DEL", "k", "$.zz"),
        ("JSON.DEL", "k", ".zz"),
        ("JSON.DEL", "nokey"),
        ("JSON.DEL", "k", "$..a"),
        ("JSON.GET", "k"),
        ("JSON.SET", "k", "$", '{"a":[1,2,3,4],"b":{"a":1}}'),
        ("JSON.DEL", "k", "$.a[0,2]"),
        ("JSON.DEL", "k", "$.a[0,0]"),
        ("JSON.GET", "k"),
        ("JSON.FORGET", "k", ".b"),
        ("JSON.DEL", "k"),
        ("EXISTS", "k"),
        ("JSON.SET", "k", "$", "1"),
        ("JSON.DEL", "k", "$"),
        ("EXISTS", "k"),
        ("JSON.SET", "k", "$", '{"a":{"b":[1,{"c":2}]}}'),
        ("JSON.DEL", "k", "$.a.b[1].c"),
        ("JSON.DEL", "k", "$..*"),
        ("JSON.GET", "k"),
        ("JSON.SET", "k", "$", '{"a":{"a":{"a":1}},"l":[1,2,3,4,5]}'),
        ("JSON.DEL", "k", "$..a"),
        ("JSON.DEL", "k", "$.l[1:4]"),
        ("JSON.DEL", "k", "$.l[?(@>1)]"),
        ("JSON.GET", "k"),
    ],
    "multi": [
        ("JSON.SET", "k", "$", '{"a":[1,"x",{"b":null},true,1.5]}'),
        ("JSON.RESP", "k"),
        ("JSON.RESP", "k", "$"),
        ("JSON.RESP", "k", ".a"),
        ("JSON.RESP", "k", "$.a[*]"),
        ("JSON.RESP", "k", ".zz"),
        ("JSON.RESP", "nokey"),
        ("JSON.MGET", "k", "nokey", "$.a"),
        ("JSON.MGET", "k", "nokey", ".a"),
        ("JSON.MGET", "k", "nokey", ".zz"),
        ("JSON.MSET", "k", "$.c", "1", "k2", "$", '{"z":1}'),
        ("JSON.MSET", "nokey2", "$.a", "1"),
        ("JSON.MSET", "k", "$.d", "1", "k3", "$", "x"),
        ("JSON.MGET", "k", "k2", "k3", "$"),
        ("JSON.MERGE", "k", "$", '{"a":null,"c":2,"d":{"e":1}}'),
        ("JSON.GET", "k"),
        ("JSON.MERGE", "k", "$.d", '{"e":null,"f":[1]}'),
        ("JSON.MERGE", "k", "$.zz", '{"x":null,"y":1}'),
        ("JSON.MERGE", "k", "$.c", "null"),
        ("JSON.MERGE", "k", "$..q", "1"),
        ("JSON.MERGE", "k", "$", "x"),
        ("JSON.GET", "k"),
        ("JSON.MERGE", "nokey3", "$", '{"a":1}'),
        ("JSON.MERGE", "nokey4", "$.a", '{"a":1}'),
        ("JSON.GET", "nokey3"),
        ("JSON.MERGE", "k", "$", "[1]"),
        ("JSON.GET", "k"),
        ("JSON.DEBUG", "HELP"),
        ("JSON.DEBUG", "foo"),
        ("JSON.DEBUG", "MEMORY", "nokey"),
        ("JSON.DEBUG", "MEMORY", "nokey", "$"),
        ("JSON.GET", "k", "FORMAT", "STRING"),
        ("JSON.GET", "k", "FORMAT", "x"),
        ("JSON.SET", "f", "$", '{"a":{"a":1,"b":[1.5,true,null,"x"]},"b":{"a":2}}'),
        ("JSON.GET", "f", "FORMAT", "EXPAND", "$"),
        ("JSON.GET", "f", "FORMAT", "EXPAND1", "$"),
        ("JSON.GET", "f", "FORMAT", "EXPAND", ".a"),
        ("JSON.GET", "f", "FORMAT", "EXPAND", "$.a", "$.b"),
        ("JSON.GET", "f", "FORMAT", "STRING", "$.a"),
        ("JSON.GET", "f", "FORMAT", "expand", "INDENT", "x", "$"),
        ("JSON.GET", "nokey", "FORMAT", "EXPAND", "$"),
    ],
    "order": [  # which error wins: the key's type, then the JSON value, then a missing key, then the path
        ("SET", "s", "v"),
        *[tuple(line.split()) for line in (
            "JSON.SET s $ x", "JSON.SET s $.. 1", "JSON.SET nokey $.. 1", "JSON.SET nokey $.. x",
            "JSON.GET s $..", "JSON.GET nokey $..", "JSON.DEL s $..", "JSON.DEL nokey $..",
            "JSON.ARRAPPEND s $.. 1", "JSON.ARRAPPEND nokey $.. x", "JSON.NUMINCRBY s $.. x",
            "JSON.NUMINCRBY nokey $.. 1", "JSON.TYPE s $..", "JSON.TYPE nokey $..", "JSON.STRLEN nokey $..",
            "JSON.MGET s nokey $..", "JSON.MERGE s $ x", "JSON.TOGGLE s $..", "JSON.CLEAR s", "JSON.ARRPOP s",
            "JSON.OBJKEYS s", "JSON.RESP s", "JSON.DEBUG MEMORY s", "JSON.MSET s $ 1", "JSON.ARRINDEX s $ x",
            'JSON.STRAPPEND s $ "x"', "JSON.ARRINDEX nokey $.. 1", "JSON.OBJLEN nokey $..",
            "JSON.ARRLEN nokey $..", "JSON.ARRLEN nokey ..", "JSON.ARRTRIM nokey $.. x 1",
            "JSON.ARRINSERT nokey $.. x 1", "JSON.STRAPPEND nokey $.. x", "JSON.MSET nokey $.. x",
            "JSON.MSET nokey $.. 1", "JSON.OBJKEYS nokey $..", "JSON.RESP nokey $..",
            "JSON.DEBUG MEMORY nokey $..", "JSON.CLEAR nokey $..", "JSON.TOGGLE nokey $..",
            "JSON.ARRPOP nokey $.. x",
        )],
    ],
    "arity": [
        ("JSON.GET",), ("JSON.SET", "a"), ("JSON.SET", "a", "$"), ("JSON.ARRAPPEND", "a"), ("JSON.DEBUG",),
        ("JSON.RESP",), ("JSON.MGET", "k"), ("JSON.MSET", "k", "$"), ("JSON.TOGGLE", "k"), ("JSON.MERGE", "k", "$"),
        ("JSON.ARRINSERT", "k", "$", "0"), ("JSON.NUMINCRBY", "k", "$"), ("JSON.GET", "k", "INDENT"),
    ],
}


def _normalize(command: tuple[str, ...], reply: Any) -> Any:
    if isinstance(reply, redis.ResponseError):
        return ("error", str(reply))
    paths = [a for a in command[2:] if a[:1] in ("$", ".")]
    if command[0] == "JSON.GET" and len(paths) > 1 and isinstance(reply, bytes):
        return json.loads(reply)  # RedisJSON orders the paths of this object by hash
    return reply


def _run(port: int, protocol: int, commands: list[tuple[str, ...]]) -> list[Any]:
    client = redis.Redis(port=port, protocol=protocol)
    try:
        client.flushall()
        out = []
        for command in commands:
            try:
                reply = client.execute_command(*command)
            except redis.ResponseError as exc:
                reply = exc
            out.append(_normalize(command, reply))
        return out
    finally:
        client.close()


@pytest.mark.parametrize("protocol", [2, 3], ids=["resp2", "resp3"])
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_same_replies(server: ThreadedServer, stack_port: int, scenario: str, protocol: int) -> None:
    commands = SCENARIOS[scenario]
    ours = _run(server.port, protocol, commands)
    theirs = _run(stack_port, protocol, commands)
    mismatches = [(cmd, mine, ref) for cmd, mine, ref in zip(commands, ours, theirs, strict=True) if mine != ref]
    assert not mismatches, "\n".join(f"{cmd}: ours {mine!r} != redis-stack {ref!r}" for cmd, mine, ref in mismatches)


def test_dump_restore_both_ways(server: ThreadedServer, stack_port: int) -> None:
    ours, theirs = redis.Redis(port=server.port), redis.Redis(port=stack_port)
    try:
        doc = {"a": [1, 2.5, "\u00e9", True, None], "b": {}, "c": 12345678901234567890}
        ours.json().set("j", "$", doc)
        theirs.json().set("j", "$", doc)
        assert ours.dump("j")[:-10] == theirs.dump("j")[:-10]  # same body; the RDB versions differ
        theirs.restore("from-ours", 0, ours.dump("j"), replace=True)
        ours.restore("from-stack", 0, theirs.dump("j"), replace=True)
        assert theirs.json().get("from-ours") == doc
        assert ours.json().get("from-stack") == doc
        assert ours.type("from-stack") == theirs.type("from-ours") == b"ReJSON-RL"
    finally:
        ours.close()
        theirs.close()
