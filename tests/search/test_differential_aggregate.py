"""Differential FT.AGGREGATE: a fixed corpus of aggregations (from a differential fuzzer: LOAD, APPLY and
FILTER expressions with RediSearch's functions, GROUPBY with every reducer, SORTBY / MAX / LIMIT, cursors,
errors) run against Redis Stack 7.4 (RediSearch 2.10) and RedVector, replies compared exactly in RESP2 and
RESP3, rows in order (a GROUPBY's in the order of RediSearch's hash table of groups) except after a TOLIST.
Skipped when Redis Stack cannot start."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis

from tests.search.test_differential import stack_port  # noqa: F401  (the fixture starting Redis Stack)
from tests.serverutil import ThreadedServer, assert_same_raw_replies

SCHEMA = ("ON", "HASH", "PREFIX", "1", "d:", "SCHEMA", "t", "TEXT", "ts", "TEXT", "SORTABLE", "tg", "TAG",
          "tgs", "TAG", "SORTABLE", "n", "NUMERIC", "SORTABLE", "m", "NUMERIC", "loc", "GEO",
          "ts_n", "NUMERIC", "SORTABLE")

# TEXT, TAG, NUMERIC sortable and not, fields outside the schema, missing fields, empty strings, unicode,
# negative / large / fractional numbers
DOCS: list[dict[str, str]] = [
    {"ts": "Ünïcode", "tg": "b", "tgs": "z,y", "loc": "-122.41,37.77", "ts_n": "0"},
    {"t": "world Ünïcode search", "tg": "a", "tgs": "y", "n": "0", "m": "5", "s": "x%sy", "ts_n": "946684799"},
    {"t": "bar", "ts": "world", "tgs": "z,y", "n": "0", "m": "5", "loc": "2.35,48.85", "ts_n": "1709251200"},
    {"t": "search", "ts": "search", "tg": "c", "m": "0", "s": "1.5", "loc": "-122.41,37.77", "ts_n": "1709251200"},
    {"t": "baz", "ts": "naïve", "tg": "b", "tgs": "x", "n": "3"},
    {"t": "redis foo", "ts": "world", "tg": "Üx", "tgs": "y", "n": "100", "m": "5", "s": "2024-01-15", "loc": "-122.41,37.77", "ts_n": "1709251200"},
    {"t": "search", "tgs": "y", "m": "9.99", "loc": "139.69,35.68", "ts_n": "1234567890"},
    {"ts": "café", "tg": "Üx", "tgs": "z,y", "n": "100", "m": "1000000", "s": "1.5", "ts_n": "1700000000"},
    {"t": "bar world search", "ts": "baz", "tg": "Üx", "tgs": "z,y", "n": "100", "loc": "139.69,35.68", "ts_n": "1234567890"},
    {"t": "world world redis", "ts": "naïve", "tg": "b", "m": "42", "s": "12", "loc": "139.69,35.68"},
    {"t": "hello world", "ts": "b c", "tgs": "X", "n": "100", "m": "42", "ts_n": "1709251200"},
    {"t": "search café", "tg": "a", "tgs": "x", "n": "-3.75", "m": "9.99", "s": "ABC", "loc": "-122.41,37.77", "ts_n": "1234567890"},
    {"t": "search café baz", "ts": "A", "tg": "c", "tgs": "X", "loc": "-122.41,37.77", "ts_n": "946684799"},
    {"t": "foo search", "ts": "world", "tg": "c", "tgs": "x", "n": "2.5", "m": "1000000", "s": "12", "ts_n": "1700000000"},
    {"ts": "naïve", "tgs": "z,y", "n": "-0", "m": "9.99", "loc": "-122.41,37.77"},
    {"t": "café", "ts": "naïve", "tg": "Üx", "m": "1000000", "s": "12", "loc": "139.69,35.68", "ts_n": "1709251200"},
    {"t": "naïve Ünïcode", "tg": "", "tgs": "z,y", "n": "2.5", "ts_n": "1700000000"},
    {"t": "foo", "ts": "foo", "tg": "b", "tgs": "y", "n": "0", "m": "9.99", "s": "foo bar", "loc": "2.35,48.85", "ts_n": "1234567890"},
    {"t": "hello foo", "ts": "naïve", "tgs": "X", "m": "42", "loc": "2.35,48.85", "ts_n": "1709251200"},
    {"t": "hello café redis", "ts": "naïve", "tg": "c", "tgs": "z,y", "n": "1e10", "m": "5", "s": "a,b,c"},
    {"t": "naïve hello bar", "ts": "world", "tg": "b", "tgs": "z,y", "n": "-1", "loc": "-122.41,37.77", "ts_n": "1234567890"},
    {"tg": "Üx", "m": "0", "s": "ABC", "loc": "-122.41,37.77", "ts_n": "1709251200"},
    {"t": "redis", "ts": "world", "tgs": "X", "n": "3", "m": "0", "ts_n": "0"},
    {"t": "search", "ts": "naïve", "tg": "b", "tgs": "X", "n": "100", "m": "42", "s": "a,b,c", "loc": "-122.41,37.77", "ts_n": "0"},
    {"t": "café café", "ts": "café", "tg": "a,b", "tgs": "x", "loc": "2.35,48.85"},
    {"t": "Ünïcode", "ts": "A", "tg": "a,b", "tgs": "z,y", "n": "-0", "m": "-2", "s": "2024-01-15", "ts_n": "0"},
    {"t": "redis", "tgs": "X", "n": "-1", "m": "1e20", "loc": "-122.41,37.77", "ts_n": "1709251200"},
    {"t": "world baz", "ts": "redis", "tg": "a,b", "m": "-2", "s": "Zürich", "loc": "2.35,48.85", "ts_n": "1709251200"},
    {"ts": "redis", "tg": "Üx", "tgs": "X", "n": "7", "ts_n": "1700000000"},
    {"t": "bar bar naïve", "ts": "A", "tg": "b", "tgs": "y", "n": "0.1", "m": "9.99", "s": "Zürich", "loc": "-122.41,37.77"},
    {"t": "baz", "ts": "café", "tgs": "X", "m": "0.3333333333333333", "loc": "0,0", "ts_n": "946684799"},
    {"t": "Ünïcode Ünïcode world", "tg": "b", "tgs": "x", "n": "2.5", "m": "9.99", "s": "1.5", "ts_n": "1234567890"},
    {"t": "café", "ts": "search", "tg": "Üx", "tgs": "x", "n": "12345678901234", "loc": "0,0", "ts_n": "0"},
    {"t": "world naïve bar", "ts": "café", "tg": "b", "m": "99", "s": "Zürich", "loc": "-122.41,37.77", "ts_n": "946684799"},
    {"t": "naïve world", "ts": "A", "tgs": "y", "n": "-1", "m": "-2"},
    {"ts": "hello", "tg": "b", "tgs": "z,y", "n": "1.5e-7", "m": "-2", "s": "foo bar", "loc": "139.69,35.68", "ts_n": "1234567890"},
    {"t": "redis", "tg": "Üx", "tgs": "y", "loc": "-122.41,37.77", "ts_n": "0"},
    {"t": "world redis foo", "ts": "naïve", "tg": "b", "tgs": "y", "n": "0", "m": "1000000", "s": "1.5", "ts_n": "1234567890"},
    {"t": "bar search Ünïcode", "ts": "baz", "tgs": "z,y", "n": "-0", "m": "-2", "loc": "-122.41,37.77", "ts_n": "1234567890"},
    {"t": "search redis", "ts": "naïve", "tg": "Üx", "m": "-2", "s": "2024-01-15", "loc": "2.35,48.85"},
]

# FT.AGGREGATE idx <query> <arguments>: each compared as is
CORPUS: list[tuple[str, ...]] = [
    ("*", "LIMIT", "0", "3"),
    ("*", "LIMIT", "2", "3"),
    ("*", "LIMIT", "1", "0"),
    ("*", "LIMIT", "0", "0"),
    ("nomatch",),
    ("*", "LOAD", "1", "@n", "LIMIT", "0", "3", "LIMIT", "1", "2"),
    ("@tgs:{y}", "LIMIT", "5", "2", "FILTER", "0"),
    ("*", "SORTBY", "1", "@n"),
    ("*", "SORTBY", "1", "@n", "LIMIT", "0", "20"),
    ("*", "LIMIT", "0", "3", "SORTBY", "1", "@n"),
    ("*", "SORTBY", "1", "@n", "MAX", "3", "LIMIT", "0", "20"),
    ("*", "SORTBY", "1", "@n", "FILTER", "@n>0", "LIMIT", "0", "5"),
    ("*", "SORTBY", "1", "@n", "MAX", "0"),
    ("*", "SORTBY", "1", "@n", "SORTBY", "1", "@m"),
    ("*", "SORTBY", "1", "@n", "GROUPBY", "1", "@n"),
    ("*", "SORTBY", "1", "@n", "LIMIT", "38", "5"),
    ("*", "SORTBY", "1", "@n", "MAX", "-1"),
    ("*", "LIMIT", "-1", "2"),
    ("*", "FILTER", "@n"),
    ("*", "APPLY", "@n * 2", "AS", "x", "LIMIT", "0", "1"),
    ("*", "APPLY", "split(\"a,b, c\")", "AS", "x", "LIMIT", "0", "1"),
    ("*", "APPLY", "timefmt(1700000000)", "AS", "x", "APPLY", "hour(1700000000.7)", "AS", "h", "APPLY", "parsetime(\"2024-01-15\",\"%Y-%m-%d\")", "AS", "p", "LIMIT", "0", "1"),
    ("*", "APPLY", "geodistance(\"2.35,48.85\",\"-122.41,37.77\")", "AS", "x", "APPLY", "geodistance(1,2,3,4)", "AS", "y", "LIMIT", "0", "1"),
    ("*", "APPLY", "upper(1,2)", "AS", "x"),
    ("*", "APPLY", "nofunc(1)", "AS", "x"),
    ("*", "APPLY", "format(\"%d\", 1)", "AS", "x"),
    ("*", "APPLY", "format(\"%s-%s\", 1.5, \"a\")", "AS", "x", "LIMIT", "0", "1"),
    ("*", "APPLY", "substr(\"hello\", -3, -1)", "AS", "x", "LIMIT", "0", "1"),
    ("*", "APPLY", "to_number(\"abc\")", "AS", "x", "LIMIT", "0", "1"),
    ("*", "APPLY", "1/0", "AS", "a", "APPLY", "0/0", "AS", "b", "APPLY", "5 % 0", "AS", "d", "APPLY", "log(-1)", "AS", "e", "APPLY", "log(0)", "AS", "f", "APPLY", "sqrt(-1)", "AS", "g", "APPLY", "-7 % 3", "AS", "h", "APPLY", "(-8)^(1/3)", "AS", "k", "LIMIT", "0", "1"),
    ("*", "APPLY", "1 + \"2\"", "AS", "a", "APPLY", "\"b\" > \"a\"", "AS", "c", "LIMIT", "0", "1"),
    ("*", "APPLY", "\"a\" + 1", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "dayofyear(@ts_n)", "AS", "a", "APPLY", "dayofweek(@ts_n)", "AS", "b", "APPLY", "monthofyear(@ts_n)", "AS", "c", "APPLY", "month(@ts_n)", "AS", "d", "APPLY", "year(@ts_n)", "AS", "e", "APPLY", "minute(@ts_n)", "AS", "f", "APPLY", "day(@ts_n)", "AS", "g", "SORTBY", "2", "@ts_n", "ASC", "MAX", "40"),
    ("*", "GROUPBY", "0", "REDUCE", "QUANTILE", "2", "@n", "0.5", "AS", "a", "REDUCE", "QUANTILE", "2", "@n", "0.9", "AS", "b", "REDUCE", "QUANTILE", "2", "@n", "0", "AS", "c", "REDUCE", "QUANTILE", "2", "@n", "1", "AS", "d"),
    ("*", "GROUPBY", "0", "REDUCE", "QUANTILE", "2", "@n", "2"),
    ("*", "GROUPBY", "0", "REDUCE", "MAX", "1", "@ts", "AS", "a", "REDUCE", "MIN", "1", "@ts", "AS", "b", "REDUCE", "SUM", "1", "@ts", "AS", "c", "REDUCE", "AVG", "1", "@ts", "AS", "d", "REDUCE", "STDDEV", "1", "@ts", "AS", "i"),
    ("*", "GROUPBY", "1", "@n", "REDUCE", "NOPE", "1", "@n"),
    ("*", "GROUPBY", "1", "@nope"),
    ("*", "GROUPBY", "1", "@n", "REDUCE", "SUM", "1", "@nope2"),
    ("*", "GROUPBY", "0", "REDUCE", "SUM", "1", "@n", "AS", "x", "REDUCE", "MAX", "1", "@m", "AS", "x"),
    ("*", "GROUPBY", "1", "@n", "LIMIT", "0", "0"),
    ("*", "GROUPBY", "1", "@n", "SORTBY", "1", "@t"),
    ("*", "GROUPBY", "1", "@n", "LOAD", "1", "@m"),
    ("@m:[0 1]", "GROUPBY", "1", "@m"),
    ("@m:[1e19 1e21]", "GROUPBY", "1", "@m"),
    ("*", "FILTER", "1", "ADDSCORES"),
    ("*", "LOAD", "1", "@n", "VERBATIM"),
    ("*", "SORTBY", "1", "@n", "SCORER", "TFIDF", "LIMIT", "0", "1"),
    ("hello", "ADDSCORES"),
    ("*", "ADDSCORES", "SORTBY", "1", "@n", "MAX", "5"),
    ("hel*", "LIMIT", "5", "10", "LOAD", "4", "@n", "@t", "AS", "al", "LIMIT", "1", "0", "GROUPBY", "2", "@t", "@m", "REDUCE", "AVG", "1", "@nope", "AS", "cnt", "REDUCE", "COUNT", "0", "AS", "r3", "SCORER", "BM25STD"),
    ("$p", "GROUPBY", "0", "REDUCE", "COUNT_DISTINCTISH", "1", "@tgs", "LOAD", "1", "@n", "GROUPBY", "2", "@tgs", "@m", "REDUCE", "MIN", "1", "@loc", "AS", "r3", "APPLY", "ceil(log(@m))", "AS", "v", "PARAMS", "2", "p", "hello", "DIALECT", "2"),
    ("@n:[0 10]", "LOAD", "2", "@m", "@n", "APPLY", "@__key", "AS", "v", "FILTER", "@tgs", "GROUPBY", "2", "@m", "@n"),
    ("foo|bar", "APPLY", "dayofyear(@s)", "AS", "a2", "LOAD", "1", "@s", "LIMIT", "0", "0"),
    ("-world", "APPLY", "dayofmonth(@n)", "AS", "v", "DIALECT", "2"),
    ("*", "SORTBY", "5", "@ts", "DESC", "@loc", "@t", "ASC", "MAX", "3", "LOAD", "4", "__key", "n", "AS", "al", "SORTBY", "2", "@m", "DESC", "MAX", "10", "LOAD", "2", "__key", "tgs"),
    ("*", "APPLY", "\"\"", "AS", "v", "LOAD", "1", "@tg", "GROUPBY", "2", "@ts", "@n", "REDUCE", "AVG", "1", "@ts", "AS", "r3", "REDUCE", "AVG", "1", "@ts", "AS", "x", "REDUCE", "AVG", "1", "@ts", "AS", "x", "GROUPBY", "1", "@t"),
    ("hello", "FILTER", "@tgs", "APPLY", "@tgs"),
    ("@tg:{a}", "APPLY", "dayofmonth(@s)", "AS", "a1", "APPLY", "\"a,b\"", "AS", "a2", "DIALECT", "2"),
    ("@n:[0 10]", "APPLY", "(\"ü\" * parsetime(\"2024-01-15\", \"%Y-%m-%dT%H:%M:%SZ\"))", "AS", "v", "FILTER", "substr(@tgs, 0, 2)"),
    ("-world", "GROUPBY", "0", "REDUCE", "AVG", "1", "@ts", "LIMIT", "0", "2"),
    ("@t:(hello world)", "GROUPBY", "1", "@s", "REDUCE", "FIRST_VALUE", "4", "@tg", "BY", "@tg", "DESC", "AS", "cnt", "REDUCE", "COUNT_DISTINCTISH", "1", "@ts_n", "AS", "r1", "REDUCE", "STDDEV", "1", "@n", "AS", "r3", "APPLY", "format(\"%s%s%s\", (day(@ts_n) + (@__key && @__key)), dayofweek(@ts_n))", "GROUPBY", "0", "REDUCE", "MAX", "1", "@tgs", "AS", "r3", "REDUCE", "AVG", "1", "@ts", "GROUPBY", "2", "@ts", "@s", "DIALECT", "2"),
    ("*", "LIMIT", "1", "2"),
    ("@tg:{a}", "LOAD", "3", "@ts_n", "@tg", "@__key", "GROUPBY", "0", "REDUCE", "COUNT", "0", "AS", "r1"),
    ("*", "APPLY", "\"a,b\"", "AS", "a2", "SORTBY", "3", "@tgs", "@m", "ASC"),
    ("*", "LIMIT", "0", "2", "SORTBY", "1", "@t", "FILTER", "\"abc\"", "APPLY", "floor(@m)", "AS", "a2"),
    ("nomatch", "GROUPBY", "0", "REDUCE", "MIN", "1", "@ts_n", "SCORER", "DOCSCORE"),
    ("*", "LIMIT", "1", "0"),
    ("@t:(hello world)", "GROUPBY", "0", "REDUCE", "STDDEV", "1", "@t", "AS", "r3", "REDUCE", "AVG", "1", "@tgs", "AS", "x", "LIMIT", "1", "10", "GROUPBY", "2", "@t", "@n", "DIALECT", "2"),
    ("@tgs:{y}", "LOAD", "1", "@m", "SORTBY", "4", "@ts", "ASC", "@m", "ASC", "APPLY", "1e3", "AS", "v"),
    ("@t:(hello world)", "LOAD", "2", "@tgs", "ts", "LOAD", "1", "__key", "LOAD", "5", "@ts", "nope", "@tg", "AS", "al"),
    ("*", "FILTER", "geodistance(@loc, 1, 2)", "LIMIT", "0", "0"),
    ("hello", "DIALECT", "3"),
    ("nomatch", "GROUPBY", "2", "@tgs", "@s", "GROUPBY", "0", "REDUCE", "COUNT_DISTINCT", "1", "@ts", "AS", "r3", "APPLY", "(@m >= (@tgs / \"%s-%s\"))", "AS", "a2"),
    ("nomatch", "SORTBY", "5", "@tgs", "@nope", "ASC", "@ts_n", "ASC", "MAX", "1", "FILTER", "@tgs", "GROUPBY", "1", "@nope", "SORTBY", "2", "@ts", "ASC", "MAX", "1"),
    ("*", "APPLY", "timefmt(@n)", "SORTBY", "3", "@s", "@tgs", "ASC", "APPLY", "\"abc\""),
    ("@tg:{a}", "LOAD", "5", "@tg", "@t", "@tgs", "AS", "al", "SORTBY", "3", "@m", "@t", "ASC", "APPLY", "log2(@n)", "AS", "a1"),
    ("@t:(hello world)", "SORTBY", "4", "@tg", "@ts_n", "ASC", "@tgs", "SORTBY", "1", "@t", "DIALECT", "3"),
    ("*", "LOAD", "2", "t", "@tg", "LIMIT", "0", "0"),
    ("hel*", "LIMIT", "5", "10", "GROUPBY", "1", "@ts_n", "LIMIT", "5", "10"),
    ("@t:(hello world)", "GROUPBY", "0", "REDUCE", "STDDEV", "1", "@s", "REDUCE", "STDDEV", "1", "@ts_n", "SORTBY", "2", "@tgs", "ASC"),
    ("-world", "GROUPBY", "1", "@ts", "REDUCE", "MAX", "1", "@m", "AS", "r1", "DIALECT", "2"),
    ("*", "LIMIT", "0", "0", "FILTER", "upper(@t)", "SORTBY", "4", "@tg", "DESC", "@loc", "DESC"),
    ("@n:[0 10]", "SORTBY", "2", "@t", "@n", "VERBATIM"),
    ("nomatch", "SORTBY", "5", "@nope", "@ts_n", "ASC", "@m", "ASC", "MAX", "3"),
    ("$p", "APPLY", "geodistance(@loc, \"0,0\")", "AS", "a1", "PARAMS", "2", "p", "hello", "DIALECT", "2"),
    ("*", "APPLY", "\"%d\""),
    ("@n:[0 10]", "FILTER", "@nope", "GROUPBY", "1", "@tg", "REDUCE", "QUANTILE", "2", "@tgs", "0"),
    ("foo|bar", "APPLY", "@nope", "LOAD", "3", "@m", "AS", "al"),
    ("@tg:{a}", "APPLY", "@loc", "AS", "a1"),
    ("hello", "APPLY", "abs(geodistance(@loc, \"0,0\"))", "APPLY", "(@n && ((100000000000 ^ \"abc\") ^ format(\"%s-%s\", 2, 1, \"%d\")))", "AS", "a2", "GROUPBY", "2", "@ts_n", "@tgs", "REDUCE", "MAX", "1", "@ts_n", "REDUCE", "COUNT_DISTINCT", "1", "@t", "AS", "r3"),
    ("*", "GROUPBY", "2", "@n", "@ts_n", "APPLY", "@nope", "APPLY", "(@tgs - geodistance(\"2.35,48.85\", 1, 2))", "APPLY", "@nope", "AS", "a1", "SCORER", "BM25STD"),
    ("@t:(hello world)", "DIALECT", "3"),
    ("@tgs:{y}", "LOAD", "3", "nope", "@ts_n", "s", "SCORER", "BM25STD", "DIALECT", "3"),
    ("@t:(hello world)", "GROUPBY", "0", "REDUCE", "FIRST_VALUE", "1", "@s", "AS", "r2", "REDUCE", "QUANTILE", "2", "@t", "1", "AS", "cnt"),
    ("*", "LOAD", "1", "@__key", "APPLY", "@s", "AS", "v", "DIALECT", "2"),
    ("hello", "LOAD", "2", "@n", "@ts_n", "DIALECT", "2"),
    ("hello", "APPLY", "-1", "AS", "a2", "DIALECT", "2"),
    ("@tgs:{y}", "LOAD", "3", "@tg", "s", "@m", "APPLY", "(1e3 * @s)", "AS", "v", "DIALECT", "2"),
    ("*", "GROUPBY", "0", "REDUCE", "QUANTILE", "2", "@m", "1", "AS", "r3", "GROUPBY", "1", "@nope", "REDUCE", "FIRST_VALUE", "4", "@t", "BY", "@loc", "ASC", "AS", "r3", "REDUCE", "MAX", "1", "@tg", "REDUCE", "AVG", "1", "@n", "AS", "x"),
    ("*", "LIMIT", "1", "0", "GROUPBY", "1", "@t", "REDUCE", "COUNT_DISTINCTISH", "1", "@nope", "REDUCE", "COUNT_DISTINCTISH", "1", "@tg", "REDUCE", "COUNT_DISTINCTISH", "1", "@tg", "AS", "r2"),
    ("hel*", "APPLY", "@s", "AS", "a2"),
    ("nomatch", "SORTBY", "2", "@tgs", "ASC"),
    ("@n:[0 10]", "GROUPBY", "2", "@nope", "@tg", "LIMIT", "1", "0", "APPLY", "dayofyear(@m)", "AS", "a2"),
    ("-world", "SORTBY", "6", "@n", "ASC", "@m", "DESC", "@t", "DESC", "MAX", "10"),
    ("hello", "APPLY", "(\"a,b\" < dayofyear(@m))", "AS", "a1", "GROUPBY", "2", "@a1", "@loc", "REDUCE", "STDDEV", "1", "@tgs"),
    ("*", "GROUPBY", "0"),
    ("@tg:{a}", "APPLY", "(@tg <= 2)", "AS", "a2"),
    ("nomatch", "FILTER", "(\"a,b\" == hour(@ts_n))", "GROUPBY", "2", "@loc", "@m", "REDUCE", "SUM", "1", "@ts", "FILTER", "((('x' % \"hello\") - strlen('x')) ^ log(@n))"),
    ("foo|bar", "GROUPBY", "0"),
    ("$p", "SORTBY", "2", "@n", "@m", "LOAD", "3", "n", "@tgs", "@s", "PARAMS", "2", "p", "hello", "DIALECT", "2"),
    ("$p", "APPLY", "@t", "GROUPBY", "0", "REDUCE", "AVG", "1", "@tg", "AS", "r1", "REDUCE", "COUNT", "0", "AS", "r2", "REDUCE", "MIN", "1", "@nope", "AS", "x", "SORTBY", "6", "@r2", "DESC", "@tg", "DESC", "@n", "DESC", "MAX", "3", "PARAMS", "2", "p", "foo", "DIALECT", "2"),
    ("foo|bar", "GROUPBY", "1", "@m"),
    ("foo|bar",),
    ("hello", "LIMIT", "5", "0"),
    ("-world", "APPLY", "upper(@t)", "AS", "v", "APPLY", "@ts_n", "AS", "a1"),
    ("-world", "SORTBY", "2", "@tgs", "ASC", "LOAD", "5", "@ts", "@tg", "@m", "AS", "al", "APPLY", "!to_number(@ts_n)", "AS", "v", "SORTBY", "2", "@v", "ASC"),
    ("-world", "FILTER", "(exp(@m) + lower(contains(@s, @ts)))", "APPLY", "to_number(@ts_n)", "AS", "v", "DIALECT", "2"),
    ("*", "SORTBY", "6", "@n", "DESC", "@tg", "ASC", "@t", "DESC", "GROUPBY", "0"),
    ("hello", "SORTBY", "1", "@n", "MAX", "1", "LOAD", "1", "@tg", "LIMIT", "5", "2", "DIALECT", "3"),
    ("*", "FILTER", "(strftime(@t) || 10)", "APPLY", "year(@ts_n)", "FILTER", "2", "APPLY", "geodistance(@loc, \"0,0\")", "AS", "a1"),
    ("@t:(hello world)", "GROUPBY", "2", "@n", "@m", "DIALECT", "3"),
    ("nomatch", "APPLY", "(0.1 != upper(@t))", "AS", "a1", "APPLY", "upper(\"hello\")", "AS", "a1", "SORTBY", "6", "@t", "ASC", "@loc", "ASC", "@s", "ASC", "MAX", "3", "SORTBY", "6", "@n", "DESC", "@a1", "ASC", "@a1", "ASC"),
    ("hel*", "APPLY", "dayofmonth(@s)", "AS", "a2", "FILTER", "minute(@n)", "LIMIT", "1", "10", "LOAD", "2", "@ts", "@t"),
    ("$p", "FILTER", "'x'", "LOAD", "1", "m", "PARAMS", "2", "p", "foo", "DIALECT", "2"),
    ("@n:[0 10]", "APPLY", "(startswith(@tgs, \"\") <= log2(dayofyear(@s)))", "AS", "a1", "LOAD", "1", "@tgs", "APPLY", "@__key", "LOAD", "4", "n", "@ts_n", "AS", "al"),
    ("@n:[0 10]", "LOAD", "4", "@ts_n", "@s", "AS", "al"),
    ("*", "APPLY", "to_str(year(@n))", "AS", "v"),
    ("-world", "LOAD", "3", "@ts_n", "n", "@tgs", "LOAD", "3", "@n", "@t", "nope"),
    ("*", "APPLY", "sqrt(@m)", "AS", "a2", "LIMIT", "5", "2", "DIALECT", "2"),
    ("-world", "APPLY", "('x' % log2((@__key == @ts_n)))", "AS", "a2"),
    ("@n:[0 10]", "APPLY", "1", "AS", "a2", "SORTBY", "3", "@a2", "DESC", "@ts_n", "SORTBY", "4", "@s", "@loc", "ASC", "@ts_n", "FILTER", "timefmt(@s, \"%a %b %d\")"),
    ("nomatch", "GROUPBY", "1", "@n", "REDUCE", "QUANTILE", "2", "@tg", "1", "REDUCE", "COUNT_DISTINCT", "1", "@ts", "REDUCE", "COUNT_DISTINCT", "1", "@tgs", "APPLY", "(parsetime(@s, \"%Y-%m-%d\") % log(@n))", "AS", "v", "APPLY", "dayofweek(@s)", "AS", "a2"),
    ("*", "SORTBY", "3", "@t", "ASC", "@ts", "MAX", "1", "LOAD", "2", "@tg", "@__key"),
    ("$p", "APPLY", "exists(@t)", "AS", "v", "GROUPBY", "2", "@tg", "@ts_n", "REDUCE", "MAX", "1", "@ts", "REDUCE", "COUNT", "0", "REDUCE", "AVG", "1", "@tg", "AS", "r2", "SCORER", "DISMAX", "PARAMS", "2", "p", "foo", "DIALECT", "2"),
    ("@t:(hello world)", "SORTBY", "6", "@ts_n", "ASC", "@n", "DESC", "@tgs", "DESC"),
    ("@tg:{a}", "FILTER", "(startswith(@tg, \"%s-%s\") - @tgs)"),
    ("@tgs:{y}", "APPLY", "@ts", "AS", "v", "GROUPBY", "2", "@tg", "@ts", "REDUCE", "STDDEV", "1", "@ts_n", "AS", "r3", "REDUCE", "MAX", "1", "@m", "AS", "r3", "REDUCE", "COUNT_DISTINCTISH", "1", "@loc", "AS", "x"),
    ("hel*", "SORTBY", "1", "@tgs", "MAX", "1"),
    ("$p", "APPLY", "(startswith(@s, @s) <= (1e3 != @tgs))", "AS", "a2", "PARAMS", "2", "p", "foo", "DIALECT", "2"),
    ("nomatch", "APPLY", "(@loc < !\"%s-%s\")", "AS", "v", "APPLY", "3.5", "AS", "v"),
    ("nomatch", "GROUPBY", "1", "@tg"),
    ("hel*", "LOAD", "3", "@nope", "@s", "ts_n"),
    ("@n:[0 10]", "LIMIT", "0", "10"),
    ("@n:[0 10]", "FILTER", "\"\""),
    ("hel*", "LOAD", "5", "@nope", "@t", "ts", "AS", "al", "SORTBY", "2", "@ts_n", "ASC", "LIMIT", "5", "2"),
    ("foo|bar", "APPLY", "geodistance(@s, \"0,0\")"),
    ("$p", "APPLY", "100000000000", "AS", "a2", "GROUPBY", "0", "REDUCE", "SUM", "1", "@ts_n", "REDUCE", "COUNT_DISTINCTISH", "1", "@loc", "AS", "r1", "REDUCE", "MAX", "1", "@m", "LIMIT", "0", "2", "SORTBY", "2", "@ts", "ASC", "MAX", "1", "PARAMS", "2", "p", "hello", "DIALECT", "2"),
    ("@n:[0 10]", "SORTBY", "4", "@t", "DESC", "@n", "DESC", "MAX", "10"),
    ("hello", "SORTBY", "1", "@tg", "GROUPBY", "0", "REDUCE", "QUANTILE", "2", "@n", "0", "SORTBY", "3", "@loc", "@n", "DESC", "MAX", "10", "SORTBY", "6", "@n", "DESC", "@nope", "ASC", "@m", "ASC", "DIALECT", "2"),
    ("hel*", "LOAD", "2", "@tgs", "@loc", "LOAD", "3", "@s", "AS", "al"),
    ("*", "APPLY", "strlen((day(@n) >= geodistance(@s, @loc)))"),
    ("hel*", "APPLY", "concat(@t)", "AS", "a2", "APPLY", "7", "AS", "a1"),
    ("@tgs:{y}", "LOAD", "2", "ts", "@n", "LIMIT", "1", "2", "APPLY", "((split(@ts, \" \") && month(@n)) % @s)", "AS", "v", "FILTER", "(((@ts_n + \"hello\") && hour(@s)) / contains(@s, \"ü\"))"),
    ("*", "GROUPBY", "0", "REDUCE", "STDDEV", "1", "@ts"),
    ("foo|bar", "VERBATIM"),
    ("*", "FILTER", "0.1"),
    ("hello", "SORTBY", "4", "@ts_n", "DESC", "@m", "DESC", "FILTER", "format(\"x%%y%s\", dayofmonth(@n), log(@n))"),
    ("-world", "APPLY", "(-1 != (\"ü\" ^ dayofweek(@ts_n)))", "AS", "a2", "APPLY", "(@tg - @ts)", "AS", "a1", "SORTBY", "5", "@t", "DESC", "@a2", "ASC", "@a1"),
    ("*", "FILTER", "dayofyear(@s)"),
    ("hello", "APPLY", "@ts", "AS", "a1", "APPLY", "hour(@s)", "GROUPBY", "1", "@loc", "REDUCE", "FIRST_VALUE", "3", "@ts", "BY", "@t", "AS", "r1", "APPLY", "startswith(@s, 'x')", "AS", "v"),
    ("hel*", "APPLY", "@nope", "AS", "v", "GROUPBY", "2", "@m", "@ts", "APPLY", "@tg", "AS", "a2"),
    ("hello", "LOAD", "3", "@__key", "@n", "@t", "APPLY", "startswith(@s, \"%d\")", "AS", "v", "APPLY", "@ts_n", "AS", "v", "DIALECT", "2"),
    ("foo|bar", "GROUPBY", "0", "GROUPBY", "2", "@ts_n", "@nope", "APPLY", "lower((minute(@m) || (-1 < @t)))", "AS", "a2", "DIALECT", "2"),
    ("nomatch", "APPLY", "(1e3 - parsetime(\"2024-01-15\", \"%Y-%m-%dT%H:%M:%SZ\"))", "AS", "a1"),
    ("*", "GROUPBY", "2", "@s", "@tgs", "REDUCE", "MIN", "1", "@nope", "REDUCE", "AVG", "1", "@tgs"),
    ("$p", "SORTBY", "5", "@tgs", "DESC", "@nope", "DESC", "@n", "PARAMS", "2", "p", "foo", "DIALECT", "2"),
    ("@tg:{a}", "APPLY", "@ts", "AS", "a1", "SORTBY", "3", "@tgs", "@ts", "ASC"),
    ("@tgs:{y}", "GROUPBY", "0", "REDUCE", "QUANTILE", "2", "@ts", "0", "AS", "r1"),
    ("@tg:{a}", "LOAD", "2", "@s", "@ts", "LOAD", "3", "@ts_n", "@ts", "loc"),
    ("$p", "APPLY", "@ts", "AS", "v", "VERBATIM", "PARAMS", "2", "p", "foo", "DIALECT", "2"),
    ("-world", "DIALECT", "2"),
    ("nomatch", "FILTER", "!@m", "LIMIT", "0", "0", "APPLY", "(geodistance(\"2.35,48.85\", @loc) > substr(@ts, 2, 0))"),
    ("@n:[0 10]", "APPLY", "100000000000", "AS", "a1", "SORTBY", "4", "@ts", "DESC", "@nope", "DESC", "LOAD", "2", "ts_n", "@nope"),
    ("@t:(hello world)", "APPLY", "(sqrt(1e3) - ((@s * 'x') && dayofmonth(@m)))", "DIALECT", "2"),
    ("-world", "LOAD", "4", "n", "@tgs", "AS", "al", "FILTER", "!year(@m)", "LOAD", "2", "@t", "@m"),
    ("-world", "LOAD", "1", "@nope"),
    ("*", "GROUPBY", "2", "@n", "@nope", "SCORER", "BM25"),
    ("foo|bar", "APPLY", "(3.5 <= @tgs)", "AS", "v", "LOAD", "1", "@tg", "FILTER", "strftime(@t)"),
    ("nomatch", "APPLY", "strlen(((\"abc\" != 1e3) - 1))", "AS", "v", "APPLY", "log(@n)", "AS", "a1"),
    ("*", "LOAD", "3", "@__key", "AS", "al", "APPLY", "@tg", "LOAD", "3", "@ts", "@loc", "__key", "LOAD", "3", "n", "@ts_n", "@nope"),
    ("@t:(hello world)", "FILTER", "0", "GROUPBY", "0", "LOAD", "3", "n", "@__key", "@m", "LOAD", "3", "@tg", "@__key", "loc"),
    ("$p", "FILTER", "sqrt(@n)", "GROUPBY", "0", "LOAD", "3", "@s", "@m", "@t", "LIMIT", "0", "0", "PARAMS", "2", "p", "hello", "DIALECT", "2"),
    ("@n:[0 10]", "SORTBY", "5", "@nope", "ASC", "@t", "@tgs", "ASC", "LOAD", "4", "@loc", "@ts_n", "AS", "al", "SORTBY", "6", "@s", "ASC", "@ts", "DESC", "@al", "DESC", "APPLY", "((minute(@n) >= dayofmonth(@m)) < (upper(@tgs) + 0.1))", "DIALECT", "3"),
    ("@t:(hello world)", "LIMIT", "0", "10"),
    ("*", "GROUPBY", "0", "APPLY", "!0.1", "AS", "v", "LOAD", "1", "@tg", "DIALECT", "3"),
    ("foo|bar", "FILTER", "ceil(0.1)", "FILTER", "(contains(@tg, \"%d\") > \"%s-%s\")", "DIALECT", "3"),
    ("@t:(hello world)", "APPLY", "log2(@ts_n)", "AS", "v", "APPLY", "(dayofmonth(@s) && !-1)", "AS", "a2", "LOAD", "3", "@t", "__key", "@m", "DIALECT", "2"),
    ("nomatch", "LOAD", "3", "t", "s", "@ts", "APPLY", "@tg", "DIALECT", "3"),
    ("hel*", "FILTER", "((@ts < @ts) - strlen((0 > 0.1)))", "SORTBY", "4", "@tgs", "@tg", "DESC", "@t"),
    ("@t:(hello world)", "LOAD", "2", "@n", "ts_n", "FILTER", "exp(@n)", "APPLY", "\"abc\"", "AS", "v", "APPLY", "(!@ts >= (\"abc\" - 100000000000))", "AS", "a2"),
    ("*", "LOAD", "3", "@tg", "@s", "@tgs", "APPLY", "upper(@t)", "AS", "a2", "APPLY", "substr(@t, 0, -1)", "AS", "a1"),
    ("*", "FILTER", "(@nope != day(@m))", "SORTBY", "6", "@ts", "ASC", "@loc", "DESC", "@m", "ASC"),
    ("nomatch", "APPLY", "@__key", "APPLY", "\"\"", "AS", "v", "LIMIT", "0", "0"),
    ("nomatch", "GROUPBY", "2", "@nope", "@t", "REDUCE", "SUM", "1", "@n", "AS", "r1"),
    ("@tg:{a}", "SORTBY", "5", "@n", "ASC", "@tg", "@s", "ASC"),
    ("@tgs:{y}", "FILTER", "timefmt(@s, \"%Y-%m-%d\")", "APPLY", "substr(@s, -3, 2)", "AS", "v"),
    ("foo|bar", "GROUPBY", "2", "@loc", "@m", "REDUCE", "AVG", "1", "@nope", "AS", "r1", "REDUCE", "COUNT_DISTINCT", "1", "@n", "AS", "r3"),
    ("@tgs:{y}", "LOAD", "5", "@ts_n", "@tgs", "@__key", "AS", "al", "LOAD", "1", "@s"),
    ("$p", "APPLY", "to_number(@m)", "AS", "a2", "PARAMS", "2", "p", "hello", "DIALECT", "2"),
    ("@tgs:{y}", "SORTBY", "3", "@t", "@loc", "ASC", "APPLY", "(((@nope >= 0) + @tgs) + log2(@m))", "AS", "a1", "FILTER", "substr(@ts, 0, 3)", "LIMIT", "5", "0"),
    ("$p", "APPLY", "(@s + 0.1)", "AS", "a1", "PARAMS", "2", "p", "hello", "DIALECT", "2"),
    ("hel*", "APPLY", "@ts_n", "APPLY", "(month(@s) <= format(\"%s%s%s\", dayofmonth(@m), year(@s)))", "APPLY", "@s", "AS", "a2", "APPLY", "to_number(substr(@t, -3, 0))"),
    ("*", "LIMIT", "0", "2", "GROUPBY", "0", "REDUCE", "STDDEV", "1", "@t", "AS", "x", "REDUCE", "COUNT", "0", "REDUCE", "QUANTILE", "2", "@tgs", "1", "LOAD", "1", "@m"),
    ("*", "LOAD", "1", "n", "APPLY", "((@s == (-1 && \"a,b\")) + !@tg)", "AS", "v", "DIALECT", "3"),
    ("$p", "APPLY", "exp(@m)", "AS", "a2", "PARAMS", "2", "p", "hello", "DIALECT", "2"),
    ("@n:[0 10]", "LOAD", "3", "@tg", "AS", "al"),
    ("*", "SORTBY", "2", "@n", "ASC", "MAX", "3"),
    ("$p", "FILTER", "@loc", "FILTER", "(day(@n) ^ @__key)", "GROUPBY", "2", "@tg", "@loc", "REDUCE", "MAX", "1", "@loc", "AS", "r3", "PARAMS", "2", "p", "foo", "DIALECT", "2"),
    ("@n:[0 10]", "FILTER", "split(@ts)", "FILTER", "lower(@ts)"),
    ("*", "APPLY", "concat(@t)", "AS", "a1", "SORTBY", "2", "@m", "@nope", "MAX", "1", "APPLY", "((2 || 'x') / strftime(@t))", "AS", "a1"),
    ("hel*", "APPLY", "((dayofweek(@ts_n) * @tg) == @m)", "LIMIT", "0", "0", "APPLY", "!minute(@n)", "AS", "a1"),
    ("@tgs:{y}", "APPLY", "to_number(geodistance(\"2.35,48.85\", \"-122.41,37.77\"))"),
    ("@tg:{a}", "DIALECT", "2"),
    ("@tgs:{y}", "APPLY", "timefmt(@ts_n, \"%j %U\")", "AS", "a1", "APPLY", "@loc", "AS", "v", "GROUPBY", "2", "@ts_n", "@a1", "REDUCE", "AVG", "1", "@loc", "REDUCE", "COUNT", "0", "AS", "r1", "REDUCE", "AVG", "1", "@m", "LIMIT", "0", "2"),
    ("@t:(hello world)", "APPLY", "!((1 >= 3.5) - split(@tgs, \",\", \"a\"))", "GROUPBY", "0", "LOAD", "2", "@s", "tgs", "LIMIT", "0", "2"),
    ("hello", "LOAD", "1", "loc", "DIALECT", "2"),
    ("hello", "SCORER", "DISMAX", "DIALECT", "2"),
    ("hello", "APPLY", "(((\"abc\" - 7) ^ floor(@ts_n)) == 7)", "AS", "v"),
    ("@tgs:{y}", "LOAD", "1", "tg", "APPLY", "month(@s)", "AS", "a2"),
    ("*", "FILTER", "sqrt(to_number(@n))", "LOAD", "4", "@ts", "@n", "AS", "al", "SORTBY", "4", "@n", "ASC", "@al", "DESC", "APPLY", "(@tgs >= hour(@ts_n))", "AS", "a1"),
    ("nomatch", "LIMIT", "0", "2"),
    ("*", "LOAD", "3", "@__key", "@ts", "@n"),
    ("@t:(hello world)", "APPLY", "100000000000", "AS", "a2", "APPLY", "geodistance(@s, \"-122.41,37.77\")"),
    ("hel*", "LOAD", "3", "ts", "nope", "@t", "SORTBY", "2", "@s", "@ts", "SORTBY", "1", "@tg", "LOAD", "1", "n"),
    ("@tg:{a}", "LOAD", "5", "tgs", "tg", "s", "AS", "al"),
    ("@tgs:{y}", "LOAD", "3", "@tgs", "m", "ts"),
    ("@n:[0 10]", "LIMIT", "1", "10", "LIMIT", "5", "10", "SORTBY", "3", "@nope", "ASC", "@ts_n"),
    ("@t:(hello world)", "SORTBY", "2", "@tg", "ASC", "MAX", "10", "LOAD", "1", "@nope"),
    ("@tg:{a}", "GROUPBY", "2", "@loc", "@ts_n", "REDUCE", "COUNT", "0", "AS", "r1", "LOAD", "3", "@loc", "s", "tg", "APPLY", "month(@s)", "AS", "v", "LOAD", "2", "tg", "@__key"),
    ("*", "APPLY", "100000000000", "SORTBY", "2", "@t", "DESC", "GROUPBY", "1", "@m", "REDUCE", "COUNT_DISTINCTISH", "1", "@loc", "AS", "x", "REDUCE", "SUM", "1", "@s", "FILTER", "1"),
    ("*", "APPLY", "month(@s)", "LOAD", "3", "@ts", "@t", "loc", "LOAD", "3", "__key", "tg", "@tgs"),
    ("hel*", "APPLY", "0", "AS", "a1"),
    ("hello", "APPLY", "timefmt(@n)", "AS", "a1", "SORTBY", "2", "@tgs", "DESC", "SORTBY", "5", "@ts_n", "@t", "ASC", "@tg", "ASC"),
    ("$p", "GROUPBY", "2", "@ts_n", "@ts", "PARAMS", "2", "p", "hello", "DIALECT", "2"),
    ("*", "GROUPBY", "2", "@m", "@s"),
    ("$p", "APPLY", "1", "AS", "a1", "PARAMS", "2", "p", "foo", "DIALECT", "2"),
    ("hel*", "SORTBY", "2", "@loc", "ASC", "MAX", "3", "SORTBY", "3", "@tg", "ASC", "@n", "SCORER", "NOPE"),
    ("nomatch", "APPLY", "monthofyear(@m)", "AS", "a2"),
    ("*", "LOAD", "3", "@tg", "AS", "al"),
    ("*", "APPLY", "to_number(@n)", "AS", "v"),
    ("foo|bar", "FILTER", "((7 == @n) - minute(@n))", "LOAD", "2", "ts", "@tg", "LIMIT", "5", "2", "VERBATIM"),
    ("hel*", "APPLY", "((dayofyear(@ts_n) ^ (@t % 10)) && 10)", "AS", "v", "LOAD", "2", "@tgs", "@ts", "LIMIT", "1", "2"),
    ("foo|bar", "GROUPBY", "0", "LOAD", "3", "tgs", "@t", "@n", "LOAD", "2", "@t", "@n", "LOAD", "3", "@tgs", "n", "tg"),
    ("nomatch", "LIMIT", "1", "2", "LOAD", "1", "nope"),
    ("*", "GROUPBY", "2", "@ts", "@t", "LOAD", "1", "@loc", "LOAD", "3", "@nope", "@t", "@ts", "LOAD", "1", "@m"),
    ("foo|bar", "GROUPBY", "2", "@loc", "@m", "REDUCE", "STDDEV", "1", "@n", "AS", "r3", "LIMIT", "5", "10", "LOAD", "1", "@loc", "SORTBY", "1", "@r3"),
    ("@n:[0 10]", "LOAD", "1", "@nope", "APPLY", "(!format(\"%s%s%s\") >= 1e3)", "LOAD", "3", "@m", "AS", "al", "DIALECT", "2"),
    ("nomatch", "SORTBY", "3", "@tgs", "ASC", "@ts_n", "MAX", "3"),
    ("hel*", "APPLY", "split(@s, \",\")", "AS", "a2", "LOAD", "3", "@m", "AS", "al", "LIMIT", "5", "0", "GROUPBY", "0"),
    ("@tgs:{y}", "DIALECT", "2"),
    ("@tgs:{y}", "GROUPBY", "1", "@n", "GROUPBY", "0", "REDUCE", "STDDEV", "1", "@t", "AS", "r2", "REDUCE", "STDDEV", "1", "@ts_n", "APPLY", "(@n >= \"\")", "VERBATIM"),
    ("nomatch", "APPLY", "((@tgs == month(@m)) / (\"abc\" && !0.1))", "APPLY", "\"%d\"", "AS", "a2", "GROUPBY", "1", "@tg", "REDUCE", "COUNT", "0", "DIALECT", "3"),
    ("*", "GROUPBY", "2", "@ts_n", "@tgs", "REDUCE", "SUM", "1", "@tg", "AS", "r2", "REDUCE", "COUNT", "0", "AS", "r3", "GROUPBY", "1", "@tgs", "REDUCE", "COUNT_DISTINCT", "1", "@nope", "SCORER", "BM25", "DIALECT", "3"),
    ("*", "GROUPBY", "2", "@tgs", "@t", "GROUPBY", "0", "GROUPBY", "0", "REDUCE", "MIN", "1", "@tgs", "AS", "r3", "REDUCE", "STDDEV", "1", "@nope", "AS", "cnt"),
    ("$p", "SORTBY", "2", "@s", "DESC", "PARAMS", "2", "p", "hello", "DIALECT", "2"),
    ("foo|bar", "GROUPBY", "2", "@tg", "@loc", "REDUCE", "MAX", "1", "@tgs", "AS", "r3"),
    ("foo|bar", "GROUPBY", "1", "@n", "REDUCE", "COUNT_DISTINCTISH", "1", "@loc", "AS", "x", "REDUCE", "COUNT", "0", "FILTER", "monthofyear(@ts_n)", "APPLY", "sqrt(!lower(@t))", "AS", "a2", "FILTER", "to_str(contains(@tg, \"\"))"),
    ("*", "APPLY", "log2(@t)", "AS", "a1"),
    ("foo|bar", "GROUPBY", "1", "@ts", "REDUCE", "MAX", "1", "@nope", "AS", "r1", "LIMIT", "1", "2", "LIMIT", "0", "2", "SORTBY", "5", "@r1", "@tgs", "ASC", "@loc", "ASC"),
    ("@n:[0 10]", "FILTER", "dayofweek(@n)", "APPLY", "to_number(@m)", "DIALECT", "3"),
    ("@tgs:{y}", "LIMIT", "5", "2"),
    ("*", "APPLY", "@tgs", "AS", "a1", "LOAD", "3", "@ts", "AS", "al", "GROUPBY", "2", "@t", "@tgs"),
    ("@t:(hello world)", "FILTER", "!upper(timefmt(@s, \"%a %b %d\"))"),
    ("*", "SORTBY", "5", "@t", "DESC", "@ts_n", "DESC", "@n", "SORTBY", "6", "@loc", "ASC", "@t", "ASC", "@m", "ASC", "MAX", "3", "GROUPBY", "2", "@m", "@ts_n", "REDUCE", "STDDEV", "1", "@ts", "REDUCE", "MIN", "1", "@loc", "AS", "cnt", "SORTBY", "4", "@tgs", "@nope", "@m", "ASC", "MAX", "1", "DIALECT", "3"),
    ("@tg:{a}", "LOAD", "5", "__key", "ts", "@tg", "AS", "al", "FILTER", "-1"),
    ("foo|bar", "APPLY", "@t", "AS", "a2"),
    ("*", "SORTBY", "2", "@loc", "ASC", "APPLY", "(@tg / @ts_n)", "AS", "a1"),
    ("*", "APPLY", "exists(@nope)", "AS", "v", "FILTER", "1e3", "APPLY", "exp(1)", "AS", "a1", "APPLY", "(substr(@t, 5, 0) - log(@m))"),
    ("$p", "LIMIT", "1", "2", "FILTER", "1e3", "LOAD", "3", "@s", "@ts", "@t", "PARAMS", "2", "p", "foo", "DIALECT", "2"),
    ("@t:(hello world)", "GROUPBY", "0", "REDUCE", "FIRST_VALUE", "3", "@tgs", "BY", "@t", "REDUCE", "SUM", "1", "@tg", "REDUCE", "STDDEV", "1", "@s", "AS", "x", "SORTBY", "4", "@nope", "DESC", "@s", "ASC"),
    ("hel*", "SORTBY", "3", "@m", "DESC", "@ts", "MAX", "1", "LOAD", "1", "n", "SORTBY", "5", "@loc", "ASC", "@m", "ASC", "@ts_n"),
    ("*", "FILTER", "(1e3 && month(@n))"),
    ("-world", "APPLY", "0", "AS", "a2", "FILTER", "@tg"),
    ("*", "LOAD", "3", "@__key", "AS", "al", "VERBATIM", "DIALECT", "3"),
    ("@tg:{a}", "FILTER", "@s", "LOAD", "5", "tg", "tgs", "s", "AS", "al", "LOAD", "3", "@s", "n", "@__key"),
    ("*", "GROUPBY", "1", "@m", "REDUCE", "FIRST_VALUE", "3", "@m", "BY", "@tgs", "AS", "r1", "REDUCE", "COUNT_DISTINCTISH", "1", "@tg", "AS", "x", "REDUCE", "COUNT", "0", "APPLY", "((year(@n) >= dayofmonth(@m)) / ((@tg + @t) <= startswith(@tgs, \"%d\")))", "AS", "a2"),
    ("hel*", "GROUPBY", "1", "@tg", "GROUPBY", "0", "REDUCE", "COUNT_DISTINCT", "1", "@t", "AS", "r3"),
    ("-world", "LOAD", "3", "tg", "@t", "@ts", "SORTBY", "3", "@ts", "DESC", "@tgs", "APPLY", "exp(@n)", "AS", "a2", "APPLY", "1e3", "SCORER", "DISMAX"),
    ("*", "FILTER", "@ts", "LOAD", "2", "@__key", "s", "SORTBY", "2", "@nope", "DESC", "LIMIT", "5", "10", "VERBATIM"),
    ("*", "LIMIT", "5", "0", "LOAD", "3", "@t", "AS", "al", "LIMIT", "0", "0", "DIALECT", "2"),
    ("@t:(hello world)", "APPLY", "7"),
    ("@t:(hello world)", "LOAD", "2", "@m", "@s", "DIALECT", "3"),
    ("hel*", "GROUPBY", "1", "@ts", "LIMIT", "5", "0", "APPLY", "sqrt(@m)", "AS", "a2", "LIMIT", "1", "10", "VERBATIM"),
    ("nomatch", "SORTBY", "4", "@nope", "ASC", "@s", "DESC", "MAX", "1", "LOAD", "2", "nope", "@tgs", "GROUPBY", "0", "SCORER", "DOCSCORE"),
    ("*", "LIMIT", "0", "2", "SORTBY", "6", "@ts_n", "DESC", "@tgs", "DESC", "@ts", "ASC", "SORTBY", "2", "@ts", "@ts_n", "DIALECT", "3"),
    ("foo|bar", "FILTER", "!((\"%s-%s\" % 7) / ceil(@n))", "SORTBY", "3", "@ts_n", "@tg", "ASC"),
    ("@n:[0 10]", "LOAD", "3", "@loc", "@ts_n", "@tg", "APPLY", "(1 > @s)", "AS", "a2"),
    ("-world", "LIMIT", "5", "10", "LOAD", "2", "@tg", "@__key", "APPLY", "strftime(@t)", "AS", "a2"),
    ("foo|bar", "LOAD", "5", "@tgs", "n", "@ts_n", "AS", "al"),
    ("*", "SORTBY", "2", "@ts", "ASC", "LIMIT", "5", "2", "GROUPBY", "2", "@t", "@n"),
    ("hello", "LIMIT", "0", "2", "LIMIT", "5", "2", "APPLY", "@ts", "AS", "v", "GROUPBY", "2", "@ts_n", "@v", "REDUCE", "MIN", "1", "@ts", "AS", "r3", "DIALECT", "3"),
    ("hello", "LIMIT", "1", "10"),
    ("@t:(hello world)", "APPLY", "month(@n)", "AS", "v", "GROUPBY", "0", "APPLY", "log2(dayofweek(@m))", "AS", "a2"),
    ("*", "LOAD", "3", "@t", "@n", "@m", "APPLY", "log(@n)", "AS", "a2", "APPLY", "sqrt(@ts_n)", "LOAD", "2", "__key", "@ts_n"),
    ("$p", "GROUPBY", "1", "@loc", "REDUCE", "AVG", "1", "@m", "AS", "r1", "REDUCE", "COUNT_DISTINCT", "1", "@loc", "APPLY", "!exp(@m)", "APPLY", "7", "AS", "a2", "LIMIT", "1", "10", "PARAMS", "2", "p", "hello", "DIALECT", "2"),
    ("-world", "SORTBY", "1", "@t", "GROUPBY", "0", "REDUCE", "COUNT", "0", "REDUCE", "MAX", "1", "@s", "AS", "cnt", "REDUCE", "COUNT", "0", "AS", "r1", "APPLY", "split(@t)", "AS", "a1"),
    ("*", "LIMIT", "1", "0", "SORTBY", "2", "@ts", "ASC", "MAX", "10", "SCORER", "BM25STD"),
    ("-world", "GROUPBY", "0", "FILTER", "(10 < ((-1 / 1e3) && 3.5))", "SORTBY", "4", "@nope", "ASC", "@s", "DESC", "MAX", "3", "APPLY", "split(@t, \"a\")", "AS", "a1", "SCORER", "DISMAX", "DIALECT", "3"),
    ("@tg:{a}", "APPLY", "exists(@t)", "AS", "v", "SORTBY", "4", "@nope", "ASC", "@tg", "ASC", "MAX", "1", "FILTER", "timefmt(@n, \"%H:%M:%S\")", "DIALECT", "2"),
    ("*", "GROUPBY", "0", "LIMIT", "5", "10", "APPLY", "year(@n)"),
    ("hello", "SCORER", "BM25STD", "DIALECT", "3"),
    ("nomatch", "SORTBY", "5", "@m", "@n", "DESC", "@tgs", "DESC", "LOAD", "2", "tg", "m", "APPLY", "substr(@t, -3, 0)", "AS", "a2", "SCORER", "TFIDF"),
    ("foo|bar", "APPLY", "year(@s)", "AS", "v", "VERBATIM"),
    ("hello", "APPLY", "day(@s)", "AS", "a2", "DIALECT", "3"),
    ("nomatch", "LIMIT", "5", "2"),
    ("*", "GROUPBY", "1", "@tg", "LOAD", "3", "@s", "AS", "al", "APPLY", "((@tgs && (@tgs != 1)) == (monthofyear(@m) == -1))", "AS", "v"),
    ("@tgs:{y}", "APPLY", "geodistance(\"2.35,48.85\", @loc)", "AS", "v", "SORTBY", "5", "@ts_n", "DESC", "@ts", "@s", "ASC", "SORTBY", "4", "@t", "@ts", "ASC", "@n"),
    ("hel*", "APPLY", "((floor(@__key) || (2 == @tg)) < 100000000000)", "AS", "v"),
    ("hel*", "GROUPBY", "2", "@n", "@tg", "REDUCE", "QUANTILE", "2", "@ts", "0.9", "AS", "r1", "REDUCE", "MIN", "1", "@loc", "APPLY", "7", "LOAD", "1", "@tgs"),
    # --- the second differential fuzz (seeded, 4,500 commands x RESP2/RESP3): what it fixed -------------
    # numbers as strtod reads them, comparisons as RSValue_Cmp / RSValue_Equal
    ("*", "APPLY", "\"\" + 1", "AS", "a", "APPLY", "\" 1\" + 1", "AS", "b", "APPLY", "\"0x10\" + 1", "AS", "c",
     "APPLY", "\"inf\" + 1", "AS", "d", "APPLY", "\"5.\" + 1", "AS", "e", "LIMIT", "0", "1"),
    ("*", "APPLY", "\"1_0\" + 1", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "\"1 \" + 1", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "\"1e400\" + 1", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "upper(1) + 1", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "\"10\" < \"9\"", "AS", "a", "APPLY", "10 < \"9\"", "AS", "b", "APPLY", "1 == \"a\"", "AS", "c",
     "APPLY", "1 != \"a\"", "AS", "d", "APPLY", "(0/0) == 1", "AS", "e", "APPLY", "upper(1) == upper(2)", "AS", "f",
     "APPLY", "upper(1) < 1", "AS", "g", "APPLY", "upper(1) == 1", "AS", "h", "LIMIT", "0", "1"),
    ("*", "APPLY", "1e3 <= \"Apple\"", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "(@ts + (10 < \"x,y\"))", "AS", "a"),
    # the expression grammar: ! below comparisons and arithmetic, && and || alike, ^ with * and /, a minus
    # only before a number, any other character skipped
    ("*", "APPLY", "2 * 3 ^ 2", "AS", "a", "APPLY", "2 ^ 3 ^ 2", "AS", "b", "APPLY", "!0 + 1", "AS", "c",
     "APPLY", "1 < 2 < 3", "AS", "d", "APPLY", "3 > 2 > 1", "AS", "e", "APPLY", "!1 < 2", "AS", "f",
     "APPLY", "1 || 0 && 0", "AS", "g", "APPLY", "!0 || 0 && 0", "AS", "h", "APPLY", "1 + !0 * 5", "AS", "i",
     "APPLY", "--2", "AS", "j", "APPLY", "1--1", "AS", "k", "APPLY", ".5 + 1", "AS", "l", "APPLY", "00012", "AS", "m",
     "LIMIT", "0", "1"),
    ("*", "APPLY", "1-1", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "-(1)", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "-@n", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "(1, 2)", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "upper(\"a\",)", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "1 $ 2", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "(1", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "upper", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "inf", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "@n-1", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "ABS(0 - 2)", "AS", "a", "APPLY", "Upper(\"a\")", "AS", "b", "LIMIT", "0", "1"),
    # functions: the number of arguments checked when called; numbers, strings and nulls as math.c,
    # string.c and geo.c take them
    ("nomatch", "APPLY", "abs(1, 2)", "AS", "a", "APPLY", "upper()", "AS", "b", "APPLY", "format()", "AS", "c"),
    ("*", "APPLY", "abs(1, 2)", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "split()", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "format()", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "timefmt()", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "exists(1, 2)", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "log(upper(1))", "AS", "a", "APPLY", "sqrt(\"abc\")", "AS", "b", "APPLY", "abs(split(\"1\"))", "AS", "c",
     "APPLY", "floor(upper(1))", "AS", "d", "APPLY", "exp(upper(1))", "AS", "e", "APPLY", "sqrt(\"4\")", "AS", "f",
     "APPLY", "log(0 - 1)", "AS", "g", "APPLY", "exists(upper(1))", "AS", "h", "APPLY", "to_str(upper(1))", "AS", "i",
     "APPLY", "to_str(split(\"a,b\"))", "AS", "j", "APPLY", "format(\"%s\", split(\"a\"))", "AS", "k",
     "APPLY", "2 ^ 1000", "AS", "l", "APPLY", "(0 - 2) ^ 1001", "AS", "m", "APPLY", "0 ^ (0 - 1)", "AS", "n",
     "APPLY", "5 % (1/0)", "AS", "o", "APPLY", "(1/0) % 5", "AS", "p", "LIMIT", "0", "1"),
    ("*", "APPLY", "substr(upper(1), 0, 1)", "AS", "a", "LIMIT", "0", "1"),
    # to_str of a string another function made is null in RediSearch 2.10 (its value is freed), of a null ""
    ("@t:search", "LOAD", "2", "@t", "@n", "APPLY", "to_str(upper(@t))", "AS", "a", "APPLY", "to_str(to_str(@t))", "AS", "b",
     "APPLY", "to_str(to_str(to_str(@t)))", "AS", "c", "APPLY", "to_str(format(\"%s\", @t))", "AS", "d",
     "APPLY", "to_str(substr(@t, 0, 2))", "AS", "e", "APPLY", "to_str(lower(@n))", "AS", "f",
     "APPLY", "upper(to_str(@t))", "AS", "g", "LIMIT", "0", "3"),
    ("*", "APPLY", "to_number(upper(1))", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "(split(\"q\") < 1)", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "geodistance(5, \"1,2\")", "AS", "a", "APPLY", "geodistance(\"1\", 2, \"3,4\")", "AS", "b",
     "APPLY", "geodistance(\"1,2\", 3, 4)", "AS", "c", "APPLY", "geodistance(1, 2, 3, \"x\")", "AS", "d",
     "APPLY", "geodistance(upper(1), \"1,2\")", "AS", "e", "APPLY", "geodistance(\"1 2\", \"1,\")", "AS", "f",
     "LIMIT", "0", "1"),
    ("*", "APPLY", "geodistance(\"1,2\", \"3 ,4\")", "AS", "a", "LIMIT", "0", "1"),
    ("*", "APPLY", "geodistance(\"1,2\", \"3,4,5\")", "AS", "a", "LIMIT", "0", "1"),
    ("*", "GROUPBY", "1", "@loc", "APPLY", "geodistance(@loc, \"1,2\")", "AS", "k"),
    ("hello", "LOAD", "1", "@__key", "APPLY", "matched_terms()", "AS", "m"),
    ("@t:(world|foo)", "LOAD", "1", "@__key", "APPLY", "matched_terms()", "AS", "m"),
    ("@t:hello @tgs:{x|y}", "LOAD", "1", "@__key", "APPLY", "matched_terms()", "AS", "m"),
    ("hel*", "LOAD", "1", "@__key", "APPLY", "matched_terms(1)", "AS", "m", "APPLY", "matched_terms(1, 2)", "AS", "n"),
    ("@ts:world", "LOAD", "1", "@__key", "APPLY", "matched_terms()", "AS", "m"),
    ("-world", "LOAD", "1", "@__key", "APPLY", "matched_terms()", "AS", "m"),
    ("hello", "SORTBY", "1", "@n", "APPLY", "matched_terms()", "AS", "m"),
    # what fails first: the first row (in the order rows flow) at the first step it fails; past the last
    # GROUPBY or SORTBY the rows before it go out (RESP3: the error as the reply's warning)
    ("*", "APPLY", "@m * 2", "AS", "x", "APPLY", "@n * 2", "AS", "y", "GROUPBY", "0"),
    ("*", "APPLY", "@n * 2", "AS", "x", "FILTER", "@m", "GROUPBY", "0"),
    ("*", "LOAD", "1", "@m", "SORTBY", "2", "@n", "DESC", "APPLY", "@m * 2", "AS", "x"),
    ("*", "LOAD", "1", "@m", "APPLY", "@m * 2", "AS", "x", "LIMIT", "0", "3"),
    ("*", "LOAD", "1", "@m", "LIMIT", "0", "3", "APPLY", "@m * 2", "AS", "x"),
    ("*", "GROUPBY", "1", "@tg", "SORTBY", "2", "@tg", "DESC", "APPLY", "strlen(@tg)", "AS", "x"),
    ("*", "GROUPBY", "1", "@tg", "SORTBY", "2", "@tg", "ASC", "APPLY", "strlen(@tg)", "AS", "x"),
    ("*", "APPLY", "@tgs", "AS", "x", "LOAD", "1", "@tgs"),
    ("*", "APPLY", "@n * 2", "AS", "x", "LOAD", "1", "@n"),
    # what fails first while the pipeline is built: step by step, after the query
    ("*", "GROUPBY", "1", "@s", "REDUCE", "COUNT", "0", "AS", "c", "REDUCE", "COUNT", "0", "AS", "c"),
    ("*", "GROUPBY", "0", "REDUCE", "FIRST_VALUE", "4", "@t", "BY", "@s", "DESC", "FILTER", "@x,y"),
    ("*", "GROUPBY", "0", "REDUCE", "SUM", "1", "@nope", "APPLY", "1 +", "AS", "x"),
    ("*", "APPLY", "1 +", "AS", "x", "GROUPBY", "0", "REDUCE", "SUM", "1", "@nope"),
    ("nomatch", "LIMIT", "3", "5", "APPLY", "floor(@ts_n)", "AS", "v", "SORTBY", "4", "@v", "ASC", "@s", "DESC"),
    ("*", "GROUPBY", "1", "@__key"),
    ("*", "SORTBY", "1", "@__key"),
    ("*", "GROUPBY", "1", "@tg", "REDUCE", "TOLIST", "1", "@__key"),
    ("*", "LOAD", "*", "SORTBY", "1", "@s"),
    ("*", "LOAD", "*", "GROUPBY", "1", "@s"),
    ("*", "LOAD", "*", "APPLY", "@s", "AS", "x"),
    # reducers as RediSearch 2.10 computes them
    ("*", "GROUPBY", "1", "@tg", "REDUCE", "AVG", "1", "@m", "AS", "a", "REDUCE", "AVG", "1", "@ts", "AS", "b",
     "REDUCE", "AVG", "1", "@loc", "AS", "c", "REDUCE", "SUM", "1", "@ts", "AS", "d", "REDUCE", "QUANTILE", "2", "@ts", "0.5",
     "AS", "e", "REDUCE", "QUANTILE", "2", "@m", "0.25", "AS", "f", "REDUCE", "STDDEV", "1", "@ts", "AS", "g",
     "REDUCE", "MIN", "1", "@m", "AS", "h", "REDUCE", "MAX", "1", "@m", "AS", "i"),
    ("*", "GROUPBY", "1", "@tg", "REDUCE", "FIRST_VALUE", "1", "@s", "AS", "a", "REDUCE", "FIRST_VALUE", "3", "@m", "BY",
     "@tgs", "AS", "b", "REDUCE", "FIRST_VALUE", "4", "@m", "BY", "@tgs", "DESC", "AS", "c", "REDUCE", "FIRST_VALUE", "3",
     "@s", "BY", "@m", "AS", "d", "REDUCE", "FIRST_VALUE", "4", "@s", "BY", "@m", "DESC", "AS", "e"),
    ("*", "GROUPBY", "1", "@tgs", "REDUCE", "COUNT_DISTINCT", "1", "@n", "AS", "a", "REDUCE", "COUNT_DISTINCTISH", "1",
     "@n", "AS", "b", "REDUCE", "COUNT_DISTINCTISH", "1", "@t", "AS", "c", "REDUCE", "COUNT_DISTINCTISH", "1", "@tg",
     "AS", "d"),
    ("*", "GROUPBY", "1", "@tgs", "REDUCE", "COUNT_DISTINCTISH", "1", "@tg", "AS", "c"),
    ("*", "GROUPBY", "1", "@tg", "REDUCE", "FIRST_VALUE", "3", "@n", "BY", "@m", "REDUCE", "quantile", "2", "@N", "0.5"),
    ("*", "GROUPBY", "2", "@m", "@tg", "GROUPBY", "1", "@tg", "REDUCE", "TOLIST", "1", "@m", "AS", "l",
     "GROUPBY", "2", "@tg", "@l", "REDUCE", "COUNT", "0", "AS", "c"),
    ("*", "GROUPBY", "1", "@tgs", "REDUCE", "TOLIST", "1", "@tg", "AS", "l", "GROUPBY", "2", "@tgs", "@l",
     "REDUCE", "COUNT", "0", "AS", "c"),
    ("*", "GROUPBY", "1", "@n"),
    ("@n:[0 10]", "GROUPBY", "2", "@n", "@tg", "REDUCE", "COUNT", "0", "AS", "c"),
    # SORTBY: ties by document in the last key's direction, rows without the key last either way, a null
    # first ascending, text bytewise
    ("*", "LOAD", "1", "@__key", "SORTBY", "2", "@tgs", "ASC", "MAX", "60"),
    ("*", "LOAD", "1", "@__key", "SORTBY", "2", "@tgs", "DESC", "MAX", "60"),
    ("*", "LOAD", "1", "@__key", "SORTBY", "4", "@tg", "ASC", "@n", "DESC", "MAX", "60"),
    ("*", "LOAD", "1", "@__key", "SORTBY", "4", "@ts", "DESC", "@n", "ASC", "MAX", "60"),
    ("*", "GROUPBY", "1", "@tg", "SORTBY", "2", "@tg", "ASC"),
    ("*", "GROUPBY", "1", "@ts", "SORTBY", "2", "@ts", "DESC"),
    ("*", "SORTBY", "1", "@ts", "MAX", "5"),
    ("@n:[0 1000]", "APPLY", "@n", "AS", "a1", "SORTBY", "2", "@a1", "ASC", "MAX", "8"),  # a reference: all equal
    ("@n:[0 1000]", "APPLY", "@n + 0", "AS", "a1", "SORTBY", "2", "@a1", "ASC", "MAX", "8"),
    # LOAD *: fields in lookup-key order (the pipeline's first, then as the documents first show them),
    # over what was loaded or read from the sorting vector, not over an APPLY's value
    ("*", "LOAD", "*"),
    ("*", "SORTBY", "2", "@n", "DESC", "LOAD", "*", "LIMIT", "0", "3"),
    ("*", "LOAD", "2", "@n", "@t", "LOAD", "*", "LIMIT", "0", "5"),
    ("*", "APPLY", "5", "AS", "n", "LOAD", "*", "LIMIT", "0", "2"),
    ("*", "LIMIT", "0", "50", "LOAD", "*", "APPLY", "year(@ts_n)", "AS", "a2", "SORTBY", "2", "@ts_n", "@ts"),
    ("*", "APPLY", "upper(@ts)", "AS", "a", "LOAD", "2", "@t", "ts", "LIMIT", "0", "5"),
    ("*", "APPLY", "(@ts_n || @n)", "AS", "a", "LIMIT", "0", "5"),
    # MAXAGGREGATERESULTS (10000 on both servers here) bounds LIMIT, not MAX
    ("*", "LIMIT", "0", "100000000"),
    ("*", "LIMIT", "0", "10001"),
    ("*", "GROUPBY", "0", "LIMIT", "0", "10001"),
    ("*", "SORTBY", "1", "@n", "MAX", "10001"),
    # numbers only: APPLY arithmetic with numpy, SORTBY one number key with numpy (a partition for the page)
    ("@n:[-inf inf]", "SORTBY", "2", "@n", "DESC", "MAX", "5"),
    ("@n:[-inf inf]", "SORTBY", "2", "@n", "ASC", "LIMIT", "3", "3"),
    ("@n:[-inf inf]", "LOAD", "1", "@m", "APPLY", "@n*2+1", "AS", "x", "SORTBY", "2", "@x", "ASC", "LIMIT", "2", "4"),
    ("@n:[-inf inf]", "APPLY", "@n/0", "AS", "z", "APPLY", "@n-@n", "AS", "w", "APPLY", "0/@n", "AS", "v"),
    ("@n:[-inf inf] @m:[-inf inf]", "LOAD", "2", "@n", "@m", "APPLY", "(@n+@m)*@m/3", "AS", "x", "SORTBY", "2", "@x",
     "DESC"),
    ("@n:[-inf inf] @m:[-inf inf]", "APPLY", "@n-@m*-2", "AS", "x", "APPLY", "@x/@n", "AS", "y", "SORTBY", "4", "@y",
     "DESC", "@x", "ASC", "LIMIT", "0", "20"),
    ("*", "APPLY", "@n*2", "AS", "x"),
    ("*", "LOAD", "1", "@m", "APPLY", "@m+1", "AS", "x", "SORTBY", "2", "@x", "DESC", "LIMIT", "0", "30"),
    ("@n:[-inf inf]", "APPLY", "@ts_n*1000", "AS", "x", "SORTBY", "2", "@x", "DESC", "MAX", "4"),
    ("@n:[-inf inf]", "FILTER", "@n*2 > 3", "SORTBY", "2", "@n", "DESC"),
    ("@tgs:{x|y}", "GROUPBY", "1", "@tgs", "REDUCE", "SUM", "1", "@n", "AS", "s", "REDUCE", "AVG", "1", "@m", "AS", "a"),
]

# Known differences, with the reason: each is run, and expected to differ.
KNOWN: list[tuple[tuple[str, ...], str]] = [
    (("-world", "ADDSCORES"), "the wildcard query's TFIDF scores (0.5, 0.333 for some documents, -nan for one) "
                         "come from the executor's scoring"),
    (("*", "GROUPBY", "1", "@tgs", "REDUCE", "TOLIST", "1", "@tg", "AS", "l"),
     "TOLIST's order is that of RediSearch's hash table (RedVector's: the order the values came in)"),
    (("*", "GROUPBY", "1", "@tgs", "APPLY", "1", "AS", "o", "SORTBY", "2", "@o", "ASC"),
     "rows a SORTBY ties after a GROUPBY come in the order RediSearch's grouper (a hash table) and sorter (a "
     "heap) leave them"),
    (("*", "APPLY", "geodistance(\"1,2\", \"a\", \"2\")", "AS", "g", "LIMIT", "0", "1"),
     "Redis Stack fails \"Invalid geo string\" for a word where a longitude should be (geo.c as published "
     "gives NaN, as RedVector does)"),
]


def _ordered(args: tuple[str, ...]) -> bool:
    """Whether the rows' order is compared: always (RediSearch yields documents in id order, a SORTBY's
    rows sorted, a GROUPBY's in its hash table's bucket order, which RedVector reproduces), except after a
    TOLIST, whose values' order (RediSearch's own container of them) decides what a later GROUPBY makes."""
    return "TOLIST" not in [a.upper() for a in args]


def _canon(reply: Any, ordered: bool) -> Any:
    if isinstance(reply, dict):  # RESP3
        out = dict(reply)
        rows = list(out.get(b"results", []))
        out[b"results"] = rows if ordered else sorted(rows, key=repr)
        return out
    total, rows = reply[0], list(reply[1:])
    return [total, *(rows if ordered else sorted(rows, key=repr))]


def _scored(args: tuple[str, ...]) -> tuple[str, ...]:
    """ADDSCORES without a SCORER: name Redis Stack 7.4's default, TFIDF (RedVector's is BM25STD, as in
    Redis 8 and FT.SEARCH)."""
    upper = [a.upper() for a in args]
    if "ADDSCORES" in upper and "SCORER" not in upper:
        return (args[0], "SCORER", "TFIDF", *args[1:])
    return args


def _run(client: redis.Redis, args: tuple[str, ...]) -> Any:
    args = _scored(args)
    try:
        return ("ok", _canon(client.execute_command("FT.AGGREGATE", "idx", *args), _ordered(args)))
    except redis.ResponseError as exc:
        return ("err", str(exc))


@pytest.fixture(scope="module", params=[2, 3], ids=["resp2", "resp3"])
def pair(stack_port: int, request: pytest.FixtureRequest) -> Iterator[tuple[redis.Redis, redis.Redis]]:  # noqa: F811
    server = ThreadedServer()
    server.start()
    ref = redis.Redis(port=stack_port, protocol=request.param)
    ours = redis.Redis(port=server.port, protocol=request.param)
    ours.execute_command("FT.CONFIG", "SET", "MAXAGGREGATERESULTS", "10000")  # as redis-stack.sh starts Stack
    for c in (ref, ours):
        c.flushall()
        c.execute_command("FT.CREATE", "idx", *SCHEMA)
        for i, doc in enumerate(DOCS):
            c.hset(f"d:{i}", mapping=doc)
    try:
        yield ref, ours
    finally:
        ref.close()
        ours.close()
        server.stop()


@pytest.mark.parametrize("args", CORPUS, ids=lambda a: " ".join(a)[:80])
def test_aggregate_matches_redis_stack(pair: tuple[redis.Redis, redis.Redis], args: tuple[str, ...]) -> None:
    ref, ours = pair
    assert _run(ours, args) == _run(ref, args)


@pytest.mark.parametrize(("args", "reason"), KNOWN, ids=[" ".join(a)[:60] for a, _ in KNOWN])
def test_known_differences_still_differ(pair: tuple[redis.Redis, redis.Redis], args: tuple[str, ...],
                                        reason: str) -> None:
    """The allowlist stays honest: once one of these matches, it belongs in CORPUS instead."""
    ref, ours = pair
    if reason.startswith("RESP3 only") and ref.connection_pool.connection_kwargs.get("protocol") == 2:
        assert _run(ours, args) == _run(ref, args)
        return
    assert _run(ours, args) != _run(ref, args), reason


@pytest.mark.parametrize("args", [
    ("*", "WITHCURSOR", "COUNT", "7"),
    ("*", "WITHCURSOR", "COUNT", "20"),
    ("*", "SORTBY", "2", "@n", "DESC", "MAX", "40", "WITHCURSOR", "COUNT", "3"),
    ("@tgs:{x|y}", "GROUPBY", "1", "@tg", "REDUCE", "COUNT", "0", "AS", "c", "SORTBY", "4", "@c", "DESC", "@tg", "ASC",
     "WITHCURSOR", "COUNT", "1"),
    ("*", "LIMIT", "0", "2", "WITHCURSOR", "COUNT", "3"),
    ("*", "LIMIT", "1", "4", "WITHCURSOR", "COUNT", "3"),
    ("*", "LIMIT", "3", "20", "WITHCURSOR", "COUNT", "5"),
    ("*", "SORTBY", "1", "@n", "LIMIT", "1", "2", "WITHCURSOR", "COUNT", "3"),
    ("*", "SORTBY", "1", "@n", "LIMIT", "0", "2", "WITHCURSOR", "COUNT", "3"),
    ("*", "SORTBY", "1", "@n", "MAX", "3", "WITHCURSOR", "COUNT", "3"),
    ("*", "FILTER", "exists(@n)", "LIMIT", "0", "5", "WITHCURSOR", "COUNT", "10"),
    ("*", "GROUPBY", "1", "@tg", "WITHCURSOR", "COUNT", "100"),
    ("*", "GROUPBY", "1", "@tg", "SORTBY", "2", "@tg", "ASC", "LIMIT", "1", "3", "WITHCURSOR", "COUNT", "3"),
    ("*", "FILTER", "exists(@n)", "LIMIT", "0", "100", "WITHCURSOR", "COUNT", "5"),
    ("@tgs:{y}", "FILTER", "@ts", "WITHCURSOR", "COUNT", "1"),
    ("@tgs:{y}", "FILTER", "@ts", "WITHCURSOR", "COUNT", "3"),
])
def test_cursor_pages_match_redis_stack(pair: tuple[redis.Redis, redis.Redis], args: tuple[str, ...]) -> None:
    """WITHCURSOR and FT.CURSOR READ: every page's total_results and whether the cursor stays open (a full
    page keeps it, and the read after it may be empty), a read that meets a failing row, and every row
    over all the pages."""
    def pages(client: redis.Redis) -> tuple[list[Any], list[Any]]:
        shape: list[Any] = []
        rows: list[Any] = []
        try:
            page, cid = client.execute_command("FT.AGGREGATE", "idx", *args)
            while True:
                shape.append((page[b"total_results"] if isinstance(page, dict) else page[0], bool(cid),
                              page.get(b"warning") if isinstance(page, dict) else None))
                rows.extend(page[b"results"] if isinstance(page, dict) else page[1:])
                if not cid:
                    break
                page, cid = client.execute_command("FT.CURSOR", "READ", "idx", cid)
        except redis.ResponseError as exc:
            shape.append(("error", str(exc)))
        return shape, rows

    ref, ours = pair
    (ref_shape, ref_rows), (our_shape, our_rows) = pages(ref), pages(ours)
    assert our_shape == ref_shape
    if _ordered(args):
        assert our_rows == ref_rows
    else:
        assert sorted(our_rows, key=repr) == sorted(ref_rows, key=repr)


def test_row_failure_warning_is_a_simple_string_in_resp3(server: ThreadedServer, stack_port: int) -> None:  # noqa: F811
    """A row failing after others went out ends the RESP3 reply with the error in ``warning``, as a simple
    string (compared byte for byte)."""
    setup = [[b"FLUSHALL"], [b"FT.CREATE", b"w", b"ON", b"HASH", b"PREFIX", b"1", b"w:", b"SCHEMA", b"t", b"TAG"],
             [b"HSET", b"w:1", b"t", b"a", b"u", b"x"], [b"HSET", b"w:2", b"t", b"a"], [b"HSET", b"w:3", b"t", b"a", b"u", b"y"]]
    commands = [[b"FT.AGGREGATE", b"w", b"*", b"LOAD", b"1", b"@u", b"APPLY", b"upper(@u)", b"AS", b"v"],
                [b"FT.AGGREGATE", b"w", b"*", b"APPLY", b"@u", b"AS", b"v", b"LIMIT", b"0", b"2"]]
    assert_same_raw_replies(server.port, stack_port, 3, commands, setup=setup)
