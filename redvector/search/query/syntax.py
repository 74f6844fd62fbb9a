"""RediSearch 2.10's query syntax: its scanners and grammars, so that a query is read as Redis Stack 7.4
reads it, and a malformed one fails where and how it fails there (``Syntax error at offset N near X``),
in DIALECT 1 and in DIALECT 2 and later.

RediSearch reads a query with a Ragel scanner (longest match; on a tie the first pattern) that feeds a
Lemon LALR(1) parser token by token. The error names the token the parser could not take: its byte
offset and its text. The scanner keeps one token record, and punctuation tokens only set its offset, so
such a token shows the text of the last token that had one (``cat:`` fails "at offset 3 near cat"); the
end of the query shows the last token's offset and text. This module reproduces the scanners (with those
texts) and the grammars (query/lalr.py builds Lemon's tables for them). Each rule names its action:
Checker implements the checks RediSearch makes while it parses (query attributes, the KNN / VECTOR_RANGE
/ geoshape keywords, field names, geo filters) and check_syntax() runs it; query/parser.py's builder
implements the same names to build the AST.

DIALECT 2's scanner is RediSearch 2.10's: a double-quoted string is one term (``"a b"``, with ``*`` for
an affix), an empty ``""`` or ``''`` is an empty term, ``'x'`` is a verbatim token that no rule takes,
``@n > 1`` (``== != >= <= > <``) is a numeric comparison scanned in one piece, and ``ismissing`` is a
keyword. The grammars follow RediSearch's parser.y files; both were checked against Redis Stack 7.4.1
(RediSearch 2.10.5) with several hundred thousand queries generated at random
(tests/search/test_differential_query_errors.py keeps a corpus of them).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from redvector.errors import SearchError
from redvector.search.fields.tokens import fold_case
from redvector.search.query.lalr import EOF, Grammar, ParseError, Rule, StackOverflow, Tables, rule, run

# -- tokens ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tok:
    """A token as the parser sees it: its byte offset, the span of the query its error text shows (the
    token record's text pointer and length, read when the error is reported: the query buffer may have
    changed by then, as a field name is unescaped in place), and the record's token type then (``term``,
    ``param`` or ``other``: an error about a token names its text only for a term)."""

    buf: bytearray
    pos: int
    s: int
    n: int
    qtype: str = "term"
    quoted: bool = False  # a "quoted" term (DIALECT 2): never a stop word
    kind: str = ""  # the token's kind (TERM, NUMBER, ...)

    @property
    def text(self) -> bytes:
        part = bytes(self.buf[self.s:self.s + self.n])
        nul = part.find(b"\0")
        return part if nul < 0 else part[:nul]


_SPACE = b" \t\n\v\f\r"
_PUNCT = bytes(c for c in range(33, 127) if not chr(c).isalnum())  # C ispunct(): '_' included
# A term character: not a control character, space or punctuation ('_' excepted), or an escaped
# punctuation or space character. Bytes >= 0x80 (UTF-8) are term characters.
_TERM = rb"(?:[^\x00-\x20\x7f!-/:-@\[-^`{-~]|\\[\t-\r !-/:-@\[-`{-~])+"
_NUMBER = rb"-?[0-9]+(?:\.[0-9]+)?(?:[Ee]-?[0-9]+)?"
_NUMBER2 = rb"[+\-]?[0-9]+(?:\.[0-9]+)?(?:[Ee]-?[0-9]+)?"  # DIALECT 2 also takes a '+'


def _re(pattern: bytes, flags: int = 0) -> re.Pattern[bytes]:
    return re.compile(pattern, flags | re.DOTALL)


_TERM_RE = _re(_TERM)
_NUMBER_RE = _re(_NUMBER)
_NUMBER2_RE = _re(_NUMBER2)
_SIZE_RE = _re(rb"[0-9]+")
_VERBATIM_RE = _re(rb"'(?:[^'\\]|\\.)+'")
_INF1_RE = _re(rb"['+\-]?inf")  # sic: the sign class of DIALECT 1's scanner has a quote in it
_INF2_RE = _re(rb"[+\-]?inf", re.IGNORECASE)
_AS_RE = _re(rb"as", re.IGNORECASE)
_ISMISSING_RE = _re(rb"ismissing", re.IGNORECASE)
# @field <op> value, scanned as one piece in DIALECT 2 (the value: a number, inf or a parameter).
_NUMOP_RE = _re(rb"@(" + _TERM + rb")[ \t-\r]*(==|!=|>=|<=|>|<)[ \t-\r]*"
                rb"((?:[+\-]?(?:[0-9]+(?:\.[0-9]+)?(?:[Ee]-?[0-9]+)?|inf)|-?\$" + _TERM + rb"))", re.IGNORECASE)

_SINGLE = {
    ord("|"): "OR", ord("("): "LP", ord(")"): "RP", ord("{"): "LB", ord("}"): "RB", ord(":"): "COLON",
    ord(";"): "SEMICOLON", ord("-"): "MINUS", ord("~"): "TILDE", ord("*"): "STAR", ord("%"): "PERCENT",
    ord("["): "LSQB", ord("]"): "RSQB", ord('"'): "QUOTE",
}


def _end(pattern: re.Pattern[bytes], data: bytes, i: int) -> int:
    m = pattern.match(data, i)
    return m.end() if m is not None else -1


def _affix(data: bytes, i: int, dialect: int, ends: list[int]) -> tuple[str, int]:
    """The longest ``word*``, ``*word`` or ``*word*`` at ``i`` ("" when none); ``ends``: where a word
    (a term or a number, or a $parameter in DIALECT 2) starting at ``i`` can end."""
    n = len(data)
    if data[i] == 0x2A:
        inner = _word_ends(data, i + 1, dialect) if i + 1 < n else []
        starred = [e + 1 for e in inner if e < n and data[e] == 0x2A]
        if starred:
            return "CONTAINS", max(starred)
        return ("SUFFIX", max(inner)) if inner else ("", i)
    starred = [e + 1 for e in ends if e < n and data[e] == 0x2A]
    return ("PREFIX", max(starred)) if starred else ("", i)


def _word_ends(data: bytes, i: int, dialect: int) -> list[int]:
    ends = [_end(_TERM_RE, data, i), _end(_NUMBER_RE if dialect == 1 else _NUMBER2_RE, data, i)]
    if dialect != 1 and data[i:i + 1] == b"$":
        ends.append(_end(_TERM_RE, data, i + 1))
    return [e for e in ends if e > i]


def _quoted_end(data: bytes, i: int) -> int:
    """The end of the longest ``"..."`` at ``i`` with some text inside (a quote inside only escaped),
    or -1. An inner ``\\"`` may also end it, so the longest reading wins, as in the scanner."""
    end = -1
    j = data.find(b'"', i + 1)
    while j >= 0:
        escaped = j - 1 > i and data[j - 1] == 0x5C
        if j > i + 1:
            end = j + 1
        if not escaped:
            break
        j = data.find(b'"', j + 1)
    return end


class _Lexer:
    """RediSearch's token record: pos, s, len and type, kept between tokens (tokens that only set pos
    show the text of the last one that set s and len)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.buf = bytearray(data)
        self.s = 0
        self.len = 0
        self.pos = 0
        self.qtype = "term"
        self.out: list[tuple[str, Tok]] = []

    def full(self, kind: str, pos: int, s: int, n: int, qtype: str | None = None, quoted: bool = False) -> None:
        self.pos, self.s, self.len = pos, s, n
        if qtype is not None:
            self.qtype = qtype
        self.out.append((kind, Tok(self.buf, pos, s, n, self.qtype, quoted, kind)))

    def bare(self, kind: str, pos: int) -> None:
        self.pos = pos
        self.out.append((kind, Tok(self.buf, pos, self.s, self.len, self.qtype, kind=kind)))

    def own(self, kind: str, pos: int, s: int, n: int) -> None:
        """A token with a record of its own (the record kept between tokens does not change)."""
        self.out.append((kind, Tok(self.buf, pos, s, n, "other", kind=kind)))

    def word(self, i: int, end: int, stopwords: frozenset[str] | None) -> None:
        """Number-like tokens (SIZE, NUMBER, inf) and plain terms: text from the start."""
        data = self.data
        if data[i] in _LETTER_START:  # a plain term, or a keyword (as, ismissing) in DIALECT 2
            if stopwords is not None:
                word = fold_case(data[i:end].decode("utf-8", "replace"))
                self.full("STOPWORD" if word in stopwords else "TERM", i, i, end - i)
            elif end - i == 2 and data[i:end].lower() == b"as":
                self.full("AS_T", i, i, 2)
            elif end - i == 9 and data[i:end].lower() == b"ismissing":
                self.full("ISMISSING", i, i, 9)
            else:
                self.full("TERM", i, i, end - i)
            return
        if stopwords is not None:  # DIALECT 1
            if _end(_NUMBER_RE, data, i) == end or _end(_INF1_RE, data, i) == end:
                self.full("NUMBER", i, i, end - i)
                return
            word = fold_case(data[i:end].decode("utf-8", "replace"))
            self.full("STOPWORD" if word in stopwords else "TERM", i, i, end - i)
            return
        if _end(_SIZE_RE, data, i) == end:
            self.full("SIZE", i, i, end - i)
        elif _end(_NUMBER2_RE, data, i) == end or _end(_INF2_RE, data, i) == end:
            self.full("NUMBER", i, i, end - i)
        elif _end(_AS_RE, data, i) == end:
            self.full("AS_T", i, i, end - i)
        elif _end(_ISMISSING_RE, data, i) == end:
            self.full("ISMISSING", i, i, end - i)
        else:
            self.full("TERM", i, i, end - i)

    def affix(self, kind: str, i: int, end: int) -> None:
        data = self.data
        if kind == "PREFIX":
            attr = 1 if data[i] == 0x24 else 0
            self.full(kind, i, i + attr, end - (i + 1 + attr), "param" if attr else "term")
        else:
            attr = 1 if data[i + 1:i + 2] == b"$" else 0
            tail = 2 if kind == "CONTAINS" else 1
            self.full(kind, i, i + 1 + attr, end - (i + tail + attr), "param" if attr else "term")

    def eof(self) -> list[tuple[str, Tok]]:
        self.out.append((EOF, Tok(self.buf, self.pos, self.s, self.len, self.qtype)))
        return self.out


# Characters that start a term and no other pattern (but a prefix's word*): the scanner's fast path.
_LETTER_START = frozenset(c for c in range(256) if (c >= 0x80 or chr(c).isalpha()) and c not in b"iIw")
# Punctuation that starts no token: skipped.
_SKIPPED = frozenset(b",.!?#&^</`>")
_PLAIN_SINGLE = {c: kind for c, kind in _SINGLE.items() if c not in b'-*"'}
_TERM_START = frozenset(c for c in range(256) if c > 32 and c != 127 and (c not in _PUNCT or c in b"\\_"))
_NUMBER_START = {1: frozenset(b"-0123456789"), 2: frozenset(b"+-0123456789")}
_INF_START = {1: frozenset(b"'+-i"), 2: frozenset(b"+-iI")}


def _scan_common(lx: _Lexer, i: int, dialect: int) -> tuple[str, int]:
    """The longest of the patterns both scanners have, at ``i``: ("word", end) for a number or a term
    (a lone '_' is punctuation: that pattern comes first), ("MODIFIER"/"ATTRIBUTE", end), an affix, or
    ("", i)."""
    data = lx.data
    c = data[i]
    best, best_end = "", i
    term = _end(_TERM_RE, data, i) if c in _TERM_START else -1
    number = _end(_NUMBER_RE if dialect == 1 else _NUMBER2_RE, data, i) if c in _NUMBER_START[dialect] else -1
    inf = _end(_INF1_RE if dialect == 1 else _INF2_RE, data, i) if c in _INF_START[dialect] else -1
    word = max(term, number, inf)
    if word > i and not (word == i + 1 and c == 0x5F):
        best, best_end = "word", word
    attr = -1
    if c in (0x40, 0x24):  # @field, $param
        attr = _end(_TERM_RE, data, i + 1)
        if attr > best_end:
            best, best_end = ("MODIFIER" if c == 0x40 else "ATTRIBUTE"), attr
    n = len(data)
    ends = [e for e in (term, number, attr if c == 0x24 and dialect != 1 else -1) if e > i]
    if c == 0x2A or any(e < n and data[e] == 0x2A for e in ends):
        kind, e = _affix(data, i, dialect, ends)
        if e > best_end:
            best, best_end = kind, e
    return best, best_end


def lex_v1(data: bytes, stopwords: frozenset[str]) -> Iterator[tuple[str, Tok]]:
    """DIALECT 1's scanner (a stop word is a token of its own here: STOPWORD). Tokens come as they are
    scanned: the parser's first error stops it, as in RediSearch."""
    lx = _Lexer(data)
    out = lx.out
    i, n = 0, len(data)
    while i < n:
        if out:
            yield from out
            out.clear()
        c = data[i]
        if c <= 32 or c == 127 or c in _SKIPPED:
            i += 1  # space, control characters and punctuation that starts no token
            continue
        if c in _PLAIN_SINGLE:
            lx.bare(_PLAIN_SINGLE[c], i)
            i += 1
            continue
        if c in _LETTER_START:
            e = _end(_TERM_RE, data, i)
            if e >= n or data[e] != 0x2A:
                lx.word(i, e, stopwords)
                i = e
                continue
        name, end = _scan_common(lx, i, 1)
        if data.startswith(b"=>", i) and end - i <= 2:
            lx.full("ARROW", i, i + 1, 2)
            i += 2
        elif end - i <= 1 and c in _SINGLE:
            lx.bare(_SINGLE[c], i)
            i += 1
        elif not name:
            i += 1  # space, punctuation and control characters between tokens
        else:
            if name == "word":
                lx.word(i, end, stopwords)
            elif name in ("MODIFIER", "ATTRIBUTE"):
                lx.full(name, i, i + 1, end - i - 1)
            elif name == "PREFIX":
                lx.full(name, i, i, end - i - 1)
            else:
                lx.affix(name, i, end)
            i = end
    yield from out
    out.clear()
    yield from lx.eof()


def lex_v2(data: bytes) -> Iterator[tuple[str, Tok]]:
    """DIALECT 2's scanner (RediSearch 2.10). Tokens come as they are scanned."""
    lx = _Lexer(data)
    out = lx.out
    i, n = 0, len(data)
    while i < n:
        if out:
            yield from out
            out.clear()
        c = data[i]
        if c <= 32 or c == 127 or c in _SKIPPED:
            i += 1  # space, control characters and punctuation that starts no token
            continue
        if c in _PLAIN_SINGLE:
            lx.bare(_PLAIN_SINGLE[c], i)
            i += 1
            continue
        if c in _LETTER_START:
            e = _end(_TERM_RE, data, i)
            if e >= n or data[e] != 0x2A:
                lx.word(i, e, None)
                i = e
                continue
        name, end = _scan_common(lx, i, 2)
        if c == 0x27 or (c == 0x77 and data[i + 1:i + 2] == b"'"):  # 'verbatim', w'wildcard'
            skip = 1 if c == 0x77 else 0
            e = _end(_VERBATIM_RE, data, i + skip)
            if e > end:
                name, end = ("WILDCARD" if skip else "VERBATIM"), e
        m = _NUMOP_RE.match(data, i) if c == 0x40 else None
        if m is not None and m.end() > end:
            # The field, the operator and the value go to the parser with a record of their own.
            lx.own("MODIFIER", i, m.start(1), m.end(1) - m.start(1))
            lx.own("NUMOP", i, m.start(2), m.end(2) - m.start(2))
            lx.own("NUMVAL", i, m.start(3), m.end(3) - m.start(3))
            i = m.end()
            continue
        # Quoted terms: "text", "text"*, *"text", *"text"*, and the empty "" and ''.
        q_start = i + 1 if c == 0x2A and data[i + 1:i + 2] == b'"' else i
        if data[q_start:q_start + 1] == b'"':
            q_end = _quoted_end(data, q_start)
            if q_end > 0:
                star = q_end < n and data[q_end] == 0x2A
                total = q_end + (1 if star else 0)
                if total > end:
                    kind = ("CONTAINS" if star else "SUFFIX") if q_start > i else ("PREFIX" if star else "TERM")
                    lx.full(kind, i, q_start + 1, q_end - q_start - 2, "term", quoted=True)
                    i = total
                    continue
        if (data.startswith(b'""', i) or data.startswith(b"''", i)) and end - i < 2:
            lx.full("TERM", i, i + 1, 0, quoted=True)  # the empty string
            i += 2
        elif data.startswith(b"=>", i) and end - i <= 2:
            lx.full("ARROW", i, i + 1, 2)
            i += 2
        elif end - i <= 1 and c in _SINGLE:
            lx.bare(_SINGLE[c], i)
            i += 1
        elif not name:
            i += 1  # space, punctuation and control characters between tokens
        else:
            if name == "word":
                lx.word(i, end, None)
            elif name in ("MODIFIER", "ATTRIBUTE"):
                lx.full(name, i, i + 1, end - i - 1)
            elif name == "VERBATIM":
                attr = 1 if data[i + 2:i + 3] == b"$" else 0  # sic: RediSearch looks at the 2nd character
                lx.full(name, i, i + 1 + attr, end - (i + 2 + attr), "param" if attr else "term")
            elif name == "WILDCARD":
                attr = 1 if data[i + 2:i + 3] == b"$" else 0
                lx.full(name, i + 2, i + 2 + attr, end - (i + 3 + attr), "param" if attr else "other")
            else:
                lx.affix(name, i, end)
            i = end
    yield from out
    out.clear()
    yield from lx.eof()


# -- grammars ----------------------------------------------------------------------------------------------
# Each rule names its action: the checker below and the AST builder (query/parser.py) implement them.

_V2_PRECEDENCE = [
    ("left", ["LOWEST"]), ("left", ["TEXTEXPR"]), ("left", ["ORX"]), ("left", ["OR"]), ("left", ["ISMISSING"]),
    ("left", ["MODIFIER"]), ("left", ["RP", "RB", "RSQB"]), ("left", ["TERM"]), ("left", ["QUOTE"]),
    ("left", ["LP", "LB", "LSQB"]), ("left", ["TILDE", "MINUS"]), ("left", ["AND"]), ("left", ["NUMOP"]),
    ("left", ["ARROW"]), ("left", ["COLON"]), ("left", ["NUMBER"]), ("left", ["SIZE"]), ("left", ["STAR"]),
    ("left", ["TAGLIST"]), ("left", ["TERMLIST"]), ("left", ["PREFIX", "SUFFIX", "CONTAINS"]),
    ("left", ["PERCENT"]), ("left", ["ATTRIBUTE"]), ("left", ["VERBATIM", "WILDCARD"]),
]

_V2_RULES = [
    ("query ::= expr", "query"),
    ("query ::=", "query_empty"),
    ("query ::= star", "query_star"),
    ("star ::= STAR", ""),
    ("star ::= LP star RP", ""),
    ("expr ::= text_expr [TEXTEXPR]", ""),
    ("expr ::= expr expr [AND]", "both"),
    ("expr ::= text_expr expr [AND]", "both"),
    ("expr ::= expr text_expr [AND]", "both"),
    ("text_expr ::= text_expr text_expr [AND]", "both"),
    ("expr ::= union [ORX]", ""),
    ("union ::= expr OR expr [OR]", "either"),
    ("union ::= union OR expr [OR]", "either_more"),
    ("union ::= text_expr OR expr [OR]", "either"),
    ("union ::= expr OR text_expr [OR]", "either"),
    ("text_expr ::= text_union [ORX]", ""),
    ("text_union ::= text_expr OR text_expr [OR]", "either"),
    ("text_union ::= text_union OR text_expr [OR]", "either_more"),
    ("expr ::= modifier COLON text_expr", "fielded"),
    ("expr ::= modifierlist COLON text_expr", "fielded"),
    ("expr ::= LP expr RP", "group"),
    ("text_expr ::= LP text_expr RP", "group"),
    ("attribute ::= ATTRIBUTE COLON param_term", "attribute"),
    ("attribute_list ::= attribute", "attribute_list"),
    ("attribute_list ::= attribute_list SEMICOLON attribute", "attribute_list"),
    ("attribute_list ::= attribute_list SEMICOLON", "attribute_list"),
    ("attribute_list ::=", "attribute_list"),
    ("expr ::= expr ARROW LB attribute_list RB", "attributes"),
    ("text_expr ::= text_expr ARROW LB attribute_list RB", "attributes"),
    ("text_expr ::= QUOTE ATTRIBUTE QUOTE [TERMLIST]", "quoted_param"),
    ("text_expr ::= param_term [LOWEST]", "word"),
    ("text_expr ::= affix [PREFIX]", "text_affix"),
    ("text_expr ::= verbatim [VERBATIM]", "text_affix"),
    ("termlist ::= param_term param_term [TERMLIST]", "termlist"),
    ("termlist ::= termlist param_term [TERMLIST]", "termlist_more"),
    ("expr ::= MINUS expr", "negate"),
    ("text_expr ::= MINUS text_expr", "negate"),
    ("expr ::= TILDE expr", "optional"),
    ("text_expr ::= TILDE text_expr", "optional"),
    ("affix ::= PREFIX", "affix"),
    ("affix ::= SUFFIX", "affix"),
    ("affix ::= CONTAINS", "affix"),
    ("verbatim ::= WILDCARD", "affix"),
    ("text_expr ::= PERCENT param_term PERCENT [PREFIX]", "fuzzy"),
    ("text_expr ::= PERCENT PERCENT param_term PERCENT PERCENT [PREFIX]", "fuzzy"),
    ("text_expr ::= PERCENT PERCENT PERCENT param_term PERCENT PERCENT PERCENT [PREFIX]", "fuzzy"),
    ("modifier ::= MODIFIER", "modifier"),
    ("modifierlist ::= modifier OR term", "modifier_list"),
    ("modifierlist ::= modifierlist OR term", "modifier_list"),
    ("expr ::= ISMISSING LP modifier RP", "ismissing"),
    ("expr ::= modifier COLON LB tag_list RB", "tag"),
    ("tag_list ::= param_term_case [TAGLIST]", "tag_list"),
    ("tag_list ::= affix [TAGLIST]", "tag_list"),
    ("tag_list ::= verbatim [TAGLIST]", "tag_list"),
    ("tag_list ::= termlist [TAGLIST]", "tag_list"),
    ("tag_list ::= tag_list OR param_term_case [TAGLIST]", "tag_list_more"),
    ("tag_list ::= tag_list OR affix [TAGLIST]", "tag_list_more"),
    ("tag_list ::= tag_list OR verbatim [TAGLIST]", "tag_list_more"),
    ("tag_list ::= tag_list OR termlist [TAGLIST]", "tag_list_more"),
    ("expr ::= modifier COLON numeric_range", "numeric"),
    ("numeric_range ::= LSQB param_num param_num RSQB [NUMBER]", "numeric_range"),
    ("numeric_range ::= LSQB exclusive_param_num param_num RSQB [NUMBER]", "numeric_range"),
    ("numeric_range ::= LSQB param_num exclusive_param_num RSQB [NUMBER]", "numeric_range"),
    ("numeric_range ::= LSQB exclusive_param_num exclusive_param_num RSQB [NUMBER]", "numeric_range"),
    ("numeric_range ::= LSQB param_num RSQB [NUMBER]", "numeric_value"),
    ("expr ::= modifier NUMOP NUMVAL", "compare"),
    ("expr ::= modifier COLON geo_filter", "geo"),
    ("geo_filter ::= LSQB param_num param_num param_num param_term RSQB [NUMBER]", "geo_filter"),
    ("expr ::= modifier COLON geometry_query", "geometry"),
    ("geometry_query ::= LSQB TERM ATTRIBUTE RSQB", "geometry_query"),
    ("query ::= expr ARROW LSQB vector_query RSQB", "knn"),
    ("query ::= text_expr ARROW LSQB vector_query RSQB", "knn"),
    ("query ::= star ARROW LSQB vector_query RSQB", "knn"),
    ("vector_query ::= vector_command vector_attribute_list vector_score_field", "vector_query"),
    ("vector_query ::= vector_command vector_score_field", "vector_query_as"),
    ("vector_query ::= vector_command vector_attribute_list", "vector_query"),
    ("vector_query ::= vector_command", "vector_query"),
    ("as ::= AS_T", ""),
    ("vector_score_field ::= as param_term_case", "score_field"),
    ("query ::= expr ARROW LSQB vector_query RSQB ARROW LB attribute_list RB", "knn_attributes"),
    ("query ::= text_expr ARROW LSQB vector_query RSQB ARROW LB attribute_list RB", "knn_attributes"),
    ("query ::= star ARROW LSQB vector_query RSQB ARROW LB attribute_list RB", "knn_attributes"),
    ("vector_command ::= TERM param_size modifier ATTRIBUTE", "vector_command"),
    ("vector_attribute ::= TERM param_term", "vector_attribute"),
    ("vector_attribute_list ::= vector_attribute_list vector_attribute", "vector_attribute_list"),
    ("vector_attribute_list ::= vector_attribute", "vector_attribute_list"),
    ("expr ::= modifier COLON LSQB vector_range_command RSQB", "vector_range"),
    ("vector_range_command ::= TERM param_num ATTRIBUTE", "vector_range_command"),
    ("num ::= SIZE", "num"),
    ("num ::= NUMBER", "num"),
    ("num ::= MINUS num", "num_negate"),
    ("term ::= TERM", ""),
    ("term ::= NUMBER", ""),
    ("term ::= SIZE", ""),
    ("param_term ::= term", ""),
    ("param_term ::= ATTRIBUTE", ""),
    ("param_term_case ::= term", ""),
    ("param_term_case ::= ATTRIBUTE", ""),
    ("param_size ::= SIZE", ""),
    ("param_size ::= ATTRIBUTE", ""),
    ("param_num ::= ATTRIBUTE", "num_param"),
    ("param_num ::= num", ""),
    ("param_num ::= MINUS ATTRIBUTE", "num_param_negate"),
    ("exclusive_param_num ::= LP num", "exclusive"),
    ("exclusive_param_num ::= LP ATTRIBUTE", "exclusive_param"),
    ("exclusive_param_num ::= LP MINUS ATTRIBUTE", "exclusive_param_negate"),
]

_V1_PRECEDENCE = [
    ("left", ["LOWEST"]), ("left", ["TILDE"]), ("left", ["TAGLIST"]), ("left", ["QUOTE"]), ("left", ["COLON"]),
    ("left", ["MINUS"]), ("left", ["NUMBER"]), ("left", ["STOPWORD"]), ("left", ["TERMLIST"]), ("left", ["TERM"]),
    ("left", ["PREFIX", "SUFFIX", "CONTAINS"]), ("left", ["PERCENT"]), ("left", ["ATTRIBUTE"]), ("right", ["LP"]),
    ("left", ["RP"]), ("left", ["MODIFIER"]), ("left", ["AND"]), ("left", ["OR"]), ("left", ["ORX"]),
    ("left", ["ARROW"]),
]

_V1_RULES = [
    ("query ::= expr", "query"),
    ("query ::=", "query_empty"),
    ("query ::= STAR", "query_star"),
    ("expr ::= expr expr [AND]", "both"),
    ("expr ::= union [ORX]", ""),
    ("union ::= expr OR expr [OR]", "either"),
    ("union ::= union OR expr [ORX]", "either_more"),
    ("expr ::= modifier COLON expr [MODIFIER]", "fielded"),
    ("expr ::= modifierlist COLON expr [MODIFIER]", "fielded"),
    ("expr ::= LP expr RP", "group"),
    ("attribute ::= ATTRIBUTE COLON term", "attribute"),
    ("attribute_list ::= attribute", "attribute_list"),
    ("attribute_list ::= attribute_list SEMICOLON attribute", "attribute_list"),
    ("attribute_list ::= attribute_list SEMICOLON", "attribute_list"),
    ("attribute_list ::=", "attribute_list"),
    ("expr ::= expr ARROW LB attribute_list RB", "attributes"),
    ("expr ::= QUOTE termlist QUOTE [TERMLIST]", "quoted_phrase"),
    ("expr ::= QUOTE term QUOTE [TERMLIST]", "quoted_word"),
    ("expr ::= term [LOWEST]", "word"),
    ("expr ::= affix [PREFIX]", "text_affix"),
    ("expr ::= termlist [TERMLIST]", "words"),
    ("expr ::= STOPWORD [STOPWORD]", "stopword"),
    ("termlist ::= term term [TERMLIST]", "termlist"),
    ("termlist ::= termlist term [TERMLIST]", "termlist_more"),
    ("termlist ::= termlist STOPWORD [TERMLIST]", "termlist_stopword"),
    ("expr ::= MINUS expr", "negate"),
    ("expr ::= TILDE expr", "optional"),
    ("affix ::= PREFIX [PREFIX]", "affix"),
    ("affix ::= SUFFIX [PREFIX]", "affix"),
    ("affix ::= CONTAINS [PREFIX]", "affix"),
    ("expr ::= PERCENT term PERCENT [PREFIX]", "fuzzy"),
    ("expr ::= PERCENT PERCENT term PERCENT PERCENT [PREFIX]", "fuzzy"),
    ("expr ::= PERCENT PERCENT PERCENT term PERCENT PERCENT PERCENT [PREFIX]", "fuzzy"),
    ("expr ::= PERCENT STOPWORD PERCENT [PREFIX]", "fuzzy"),
    ("expr ::= PERCENT PERCENT STOPWORD PERCENT PERCENT [PREFIX]", "fuzzy"),
    ("expr ::= PERCENT PERCENT PERCENT STOPWORD PERCENT PERCENT PERCENT [PREFIX]", "fuzzy"),
    ("modifier ::= MODIFIER", "modifier"),
    ("modifierlist ::= modifier OR term", "modifier_list"),
    ("modifierlist ::= modifierlist OR term", "modifier_list"),
    ("expr ::= modifier COLON tag_list", "v1_tag"),
    ("tag_list ::= LB term [TAGLIST]", "v1_tag_list"),
    ("tag_list ::= LB STOPWORD [TAGLIST]", "v1_tag_list"),
    ("tag_list ::= LB affix [TAGLIST]", "v1_tag_list"),
    ("tag_list ::= LB termlist [TAGLIST]", "v1_tag_list"),
    ("tag_list ::= tag_list OR term [TAGLIST]", "tag_list_more"),
    ("tag_list ::= tag_list OR STOPWORD [TAGLIST]", "tag_list_more"),
    ("tag_list ::= tag_list OR affix [TAGLIST]", "tag_list_more"),
    ("tag_list ::= tag_list OR termlist [TAGLIST]", "tag_list_more"),
    ("tag_list ::= tag_list RB [TAGLIST]", ""),
    ("expr ::= modifier COLON numeric_range", "numeric"),
    ("numeric_range ::= LSQB num num RSQB [NUMBER]", "numeric_range"),
    ("expr ::= modifier COLON geo_filter", "geo"),
    ("geo_filter ::= LSQB num num num TERM RSQB [NUMBER]", "v1_geo_filter"),
    ("num ::= NUMBER", "num"),
    ("num ::= LP num", "v1_exclusive"),
    ("num ::= MINUS num", "num_negate"),
    ("term ::= TERM", ""),
    ("term ::= NUMBER", ""),
]


def _terminals(precedence: list[tuple[str, list[str]]], rules: list[Rule], extra: list[str]) -> list[str]:
    """Terminals in Lemon's order: as first seen in the grammar file (precedence lines first)."""
    seen: dict[str, None] = {}
    for _, names in precedence:
        for name in names:
            seen[name] = None
    for name in extra:
        seen[name] = None
    lhs = {r.lhs for r in rules}
    for r in rules:
        for sym in r.rhs:
            if sym not in lhs:
                seen[sym] = None
    return list(seen)


@cache
def tables(dialect: int) -> Tables:
    """The parse tables of DIALECT 1 or of DIALECT 2 (built once, on first use)."""
    if dialect == 1:
        rules = [rule(text, name) for text, name in _V1_RULES]
        return Grammar(_terminals(_V1_PRECEDENCE, rules, []), _V1_PRECEDENCE, rules).build()
    rules = [rule(text, name) for text, name in _V2_RULES]
    # %fallback TERM AS_T ISMISSING: where "as" or "ismissing" has no action of its own it is a term.
    return Grammar(_terminals(_V2_PRECEDENCE, rules, ["AS_T", "ISMISSING"]), _V2_PRECEDENCE, rules,
                   fallback={"AS_T": "TERM", "ISMISSING": "TERM"}).build()


# Lemon's parser stack: RediSearch sets 256 entries for DIALECT 2 (past them: an error); DIALECT 1 keeps
# Lemon's default, 100, without an overflow handler (past them the parser starts afresh, silently).
_STACK = {1: 100, 2: 256}


def tokens(text: str, dialect: int, stopwords: frozenset[str]) -> Iterator[tuple[str, Tok]]:
    data = text.encode("utf-8", "surrogateescape")
    return lex_v1(data, stopwords) if dialect == 1 else lex_v2(data)


def parse(text: str, dialect: int, stopwords: frozenset[str], handler: Any) -> Any:
    """Run the grammar of the dialect (1, or 2 for DIALECT 2 and later) over a query with ``handler``'s
    actions (its methods named as the rules' actions); the start rule's value. Raises RediSearch's
    syntax errors (and the handler's)."""
    d = 1 if dialect == 1 else 2
    try:
        return run(tables(d), tokens(text, d, stopwords), _actions(d, type(handler)), _STACK[d],
                   overflow_resets=d == 1, handler=handler)
    except ParseError as e:
        tok = e.token
        raise SearchError(f"Syntax error at offset {tok.pos} near {tok.text.decode('utf-8', 'replace')}")
    except StackOverflow:
        raise SearchError("Parser stack overflow. Try moving nested parentheses more to the left")


_ACTIONS: dict[tuple[int, type], tuple[Callable[..., Any] | None, ...]] = {}


def _actions(dialect: int, kind: type) -> tuple[Callable[..., Any] | None, ...]:
    """Each rule's action in a handler class: its unbound method of the rule's action name, if any."""
    found = _ACTIONS.get((dialect, kind))
    if found is None:
        found = tuple(getattr(kind, r.name, None) if r.name else None for r in tables(dialect).rules)
        _ACTIONS[(dialect, kind)] = found
    return found


def check_syntax(text: str, dialect: int, stopwords: frozenset[str], params: dict[str, bytes] | None = None) -> bool:
    """Raise the SearchError Redis Stack 7.4 gives for a malformed query (nothing for a well-formed one).
    Returns True where RediSearch 2.10.5 itself would crash on the query (Checker.reference_crash)."""
    checker = Checker(stopwords, params or {})
    parse(text, dialect, stopwords, checker)
    return checker.reference_crash


# -- what RediSearch checks while it parses ------------------------------------------------------------------


class Checker:
    """The actions RediSearch's grammar takes that can fail a parse: query attributes (their names and
    values), the KNN / VECTOR_RANGE / geoshape keywords, an empty field name, DIALECT 1's geo filters and
    DIALECT 2's geo units, and a missing parameter in an attribute. A clause's value here is None where
    RediSearch's is NULL (a stop word, or only stop words: query attributes on it go unchecked), "V" for
    a vector clause (it takes $yield_distance_as and the vector options as attributes) and "N" for any
    other clause."""

    def __init__(self, stopwords: frozenset[str], params: dict[str, bytes]) -> None:
        self.stopwords = stopwords
        self.params = params
        # Set where RediSearch 2.10.5 itself crashes (a NULL it dereferences): a union whose first
        # alternatives are all stop words (``the | the | cat``), an attribute list that starts with ';'.
        self.reference_crash = False

    def both(self, b: Any, *rest: Any) -> Any:
        """An intersection (or a union): the other side when one is NULL."""
        c = rest[-1]
        return "N" if b and c else (b or c)

    either = both

    def either_more(self, b: Any, op: Tok, c: Any) -> Any:
        """``union ::= union OR expr``: RediSearch adds C to B as it is (B may be NULL: it crashes)."""
        if b is None and c is not None:
            self.reference_crash = True
        return self.both(b, op, c)

    def fielded(self, m: Any, colon: Tok, c: Any) -> Any:
        return c

    def group(self, lp: Tok, b: Any, rp: Tok) -> Any:
        return b

    def node(self, *values: Any) -> str:
        return "N"

    quoted_param = quoted_phrase = quoted_word = text_affix = termlist = words = fuzzy = ismissing = node
    tag = numeric = compare = geo = node

    def stopword(self, t: Tok) -> None:
        return None

    def word(self, t: Tok) -> str | None:
        """``text_expr ::= param_term``: NULL for a stop word (DIALECT 2; DIALECT 1 has STOPWORD tokens)."""
        if t.kind != "ATTRIBUTE" and not t.quoted and \
                fold_case(t.text.decode("utf-8", "replace")) in self.stopwords:
            return None
        return "N"

    def negate(self, op: Tok, b: Any) -> Any:
        return "N" if b else None

    optional = negate

    def modifier(self, t: Tok) -> Tok:
        """RediSearch unescapes a field name in the query buffer itself (a backslash before punctuation
        or space goes); the bytes past the new end stay as they were, which later error texts show."""
        buf, src, end = t.buf, t.s, t.s + t.n
        dst = src
        while src < end:
            if buf[src] == 0x5C and src + 1 < end and (buf[src + 1] in _PUNCT or buf[src + 1] in _SPACE):
                src += 1
                continue
            buf[dst] = buf[src]
            dst += 1
            src += 1
        return Tok(buf, t.pos, t.s, dst - t.s, t.qtype, kind=t.kind)

    def modifier_list(self, head: Any, op: Tok, name: Tok) -> Any:
        """``@a|b``: an empty field name ('' or "") is a syntax error."""
        if not name.n:
            raise SearchError(f"Syntax error at offset {name.pos} near ")
        return head

    def v1_tag(self, m: Tok, colon: Tok, tags: Any) -> str:
        self.modifier(m)  # DIALECT 1 unescapes the field name of a tag clause once more
        return "N"

    def vector_command(self, t: Tok, *rest: Any) -> str:
        if t.text.upper() != b"KNN":
            raise reported("Syntax error: Expecting Vector Similarity command", t)
        return "V"

    def vector_query(self, command: Any, *rest: Any) -> Any:
        return command

    vector_query_as = vector_query

    def vector_range(self, m: Tok, colon: Tok, lsqb: Tok, command: Any, rsqb: Tok) -> Any:
        return command

    def vector_range_command(self, t: Tok, *rest: Any) -> str:
        if t.text.upper() != b"VECTOR_RANGE":
            raise reported("Syntax error: expecting vector similarity range command", t)
        return "V"

    def geometry_query(self, lsqb: Tok, t: Tok, attr: Tok, rsqb: Tok) -> str:
        if t.text.upper() not in GEOSHAPE_PREDICATES:
            raise reported("Syntax error: Expecting a geoshape predicate", Tok(attr.buf, attr.pos, 0, 0, "param"))
        return "N"

    def geometry(self, m: Tok, colon: Tok, q: Any) -> Any:
        return q

    def attribute(self, name: Tok, colon: Tok, value: Tok) -> tuple[bytes, bytes]:
        if value.kind == "ATTRIBUTE":
            key = value.text.decode("utf-8", "replace")
            if key not in self.params:
                raise SearchError(f"No such parameter `{key}`")
            return name.text, self.params[key]
        return name.text, value.text

    def attribute_list(self, *values: Any) -> list[tuple[bytes, bytes]]:
        """[] for none (RediSearch's NULL), else the attributes in order."""
        if not values:
            return []
        head = values[0]
        if isinstance(head, tuple):
            return [head]
        if len(values) == 3:
            if not head:
                self.reference_crash = True
            head.append(values[2])  # (a list value belongs to one parse stack entry: it grows in place)
        return head  # (with a trailing ';' as it was)

    def attributes(self, node: Any, arrow: Tok, lb: Tok, attrs: list[tuple[bytes, bytes]], rb: Tok) -> Any:
        if node and attrs:
            for name, value in attrs:
                check_attribute(node == "V", name, value)
        return node

    def knn_attributes(self, flt: Any, arrow: Tok, lsqb: Tok, vq: Any, rsqb: Tok, arrow2: Tok, lb: Tok,
                       attrs: list[tuple[bytes, bytes]], rb: Tok) -> Any:
        return self.attributes(vq, arrow2, lb, attrs, rb)

    def geo_filter(self, lsqb: Tok, lon: Any, lat: Any, radius: Any, unit: Tok, rsqb: Tok) -> str:
        """DIALECT 2 takes a geo filter's unit as it parses it when the unit is a number (then it is no
        unit); the rest waits for the query's evaluation."""
        if unit.kind in ("NUMBER", "SIZE"):
            raise SearchError("Invalid GeoFilter unit")
        return "N"

    def v1_geo_filter(self, lsqb: Tok, lon: float, lat: float, radius: float, unit: Tok, rsqb: Tok) -> str:
        """DIALECT 1 checks a geo filter as it parses it (GeoFilter_Validate())."""
        check_geo(lon, lat, radius, unit.text)
        return "N"

    def num(self, t: Tok) -> float:
        return number_value(t.text)

    def num_negate(self, op: Tok, v: Any) -> Any:
        return -v if isinstance(v, float) else v

    def v1_exclusive(self, lp: Tok, v: Any) -> Any:
        return v


def reported(msg: str, t: Tok) -> SearchError:
    """RediSearch's reportSyntaxError(): the token's text only for a term."""
    if t.qtype == "term":
        return SearchError(f"{msg} at offset {t.pos} near {t.text.decode('utf-8', 'replace')}")
    return SearchError(f"{msg} at offset {t.pos}")


GEOSHAPE_PREDICATES = (b"WITHIN", b"CONTAINS", b"INTERSECTS", b"DISJOINT")
VECTOR_ATTRIBUTES = (b"ef_runtime", b"epsilon", b"hybrid_policy", b"batch_size")
GEO_UNITS = (b"m", b"km", b"mi", b"ft")


def check_attribute(vector: bool, name: bytes, value: bytes) -> None:
    """QueryNode_ApplyAttribute()'s checks of one ``$name: value`` (``vector``: on a vector clause)."""
    key = name.lower()

    def invalid() -> SearchError:
        return SearchError(f"Invalid value ({value.decode('utf-8', 'replace')}) for "
                           f"`{name.decode('utf-8', 'replace')}`")

    if not value:
        raise invalid()
    if key == b"slop":
        n = c_integer(value)
        if n is None or n < -1:
            raise invalid()
    elif key in (b"inorder", b"phonetic"):
        if value.lower() not in (b"true", b"false", b"1", b"0"):
            raise invalid()
    elif key == b"weight":
        d = c_double(value)
        if d is None or d < 0:
            raise invalid()
    elif not (vector and (key == b"yield_distance_as" or key in VECTOR_ATTRIBUTES)):
        raise SearchError(f"Invalid attribute {name.decode('utf-8', 'replace')}")


def check_geo(lon: float, lat: float, radius: float, unit: bytes) -> None:
    """GeoFilter_Validate(): the unit, then the coordinates, then the radius."""
    if unit.lower() not in GEO_UNITS:
        raise SearchError("Invalid GeoFilter unit")
    if not (-180 <= lon <= 180 and -85.05112878 <= lat <= 85.05112878):
        raise SearchError("Invalid GeoFilter lat/lon")
    if radius <= 0:
        raise SearchError("Invalid GeoFilter radius")


def number_value(text: bytes) -> float:
    """A number token's value (``inf`` in any case and with a sign; DIALECT 1's quote-signed ``'inf``)."""
    body = text.lstrip(b"'")
    return float(body)


_C_INT_RE = re.compile(rb"[ \t-\r]*[+-]?[0-9]+")
_C_FLOAT_RE = re.compile(
    rb"[ \t-\r]*[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?"
    rb"|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?)", re.IGNORECASE)


def c_integer(value: bytes) -> int | None:
    """C's strtoll() over all of ``value``, None where RediSearch's ParseInteger() fails."""
    if _C_INT_RE.fullmatch(value) is None:
        return None
    n = int(value)
    return n if -(2**63) <= n < 2**63 else None


def c_double(value: bytes) -> float | None:
    """C's strtod() over all of ``value``, None where RediSearch's ParseDouble() fails (out of range
    included: an overflow, or an underflow to zero)."""
    if _C_FLOAT_RE.fullmatch(value) is None:
        return None
    text = value.strip().decode().lower()
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    if body.startswith("nan"):
        return math.nan
    if body.startswith("inf"):
        return sign * math.inf
    if body.startswith("0x"):
        d = float.fromhex(body if "p" in body else body + "p0")
        digits = body[2:].split("p")[0]
    else:
        d = float(body)
        digits = body.split("e")[0]
    if math.isinf(d) or (d == 0 and any(ch not in "0." for ch in digits)):
        return None  # ERANGE
    return sign * d
