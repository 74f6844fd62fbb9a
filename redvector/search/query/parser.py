"""DIALECT 2 query parser: a scannerless recursive descent over the query string -> AST (ast.py).

Grammar (redisearch.md §3.2): ``|`` binds loosest, juxtaposition intersects, ``-`` negates, ``~`` makes a
clause optional, ``@f:`` modifies one atom; ``{tags}``, ``[lo hi]``, ``[lon lat r unit]``,
``[VECTOR_RANGE r $b]``, ``"phrases"``, ``prefix*``, ``%fuzzy%``, ``$params``; a top-level
``<filter>=>[KNN k @v $b ...]`` and ``=>{$attr: value; ...}`` attributes. Parameters are substituted here.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

from redvector.errors import SearchError
from redvector.search.fields.text import SEPARATORS, token_spans, tokenize
from redvector.search.query.ast import (
    Empty,
    GeoRadius,
    Intersect,
    Knn,
    Missing,
    Node,
    Not,
    NumericRange,
    Optional,
    Phrase,
    Tag,
    TagValue,
    Term,
    Union,
    VectorRange,
    Wildcard,
    walk,
)
from redvector.search.schema import FieldType, IndexDefinition

_TERM_STOP = set(SEPARATORS) - {"\\"} | {"*"}
# Punctuation that is no query operator is skipped between clauses, as RediSearch's lexer does
# ("don't" is don AND t, "stop, books." is stop AND books); ``=`` only when no ``>`` follows, and ``@``,
# ``$`` and ``\`` only when no word follows them.
_SKIPPED = frozenset("'.,!?#/`&^<+>")
# A number is one term, as RediSearch's lexer reads it (``3.14``, ``-5``, ``1e5``: not 3 AND 14, not NOT 5).
_NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?")
_SKIPPED_ALONE = frozenset("@$\\")
_WS_RE = re.compile(r"\s*")
_BRACKET_TOKEN_RE = re.compile(r"[^\s\]]+")
_GEO_UNITS = ("m", "km", "mi", "ft")


class QueryParser:
    def __init__(self, text: str, definition: IndexDefinition, params: dict[str, bytes],
                 stopwords: frozenset[str] | None = None, verbatim: bool = False, dialect: int = 2) -> None:
        self.s = text
        self.dialect = dialect
        self.pos = 0
        self.definition = definition
        self.params = params
        self.stopwords = definition.stopword_set if stopwords is None else stopwords
        self.verbatim = verbatim
        # Every parameter the query read -> how: "blob" (only as the KNN clause's vector) or "value".
        # The query cache (query/cache.py) keys on the values and leaves the KNN vector as a slot.
        self.param_uses: dict[str, str] = {}

    # -- helpers -----------------------------------------------------------------------------------------
    def error(self, at: int | None = None) -> SearchError:
        p = self.pos if at is None else at
        near = self.s[p:p + 16].split(" ")[0] if p < len(self.s) else ""
        return SearchError(f"Syntax error at offset {p} near {near}")

    def ws(self) -> None:
        m = _WS_RE.match(self.s, self.pos)
        if m:
            self.pos = m.end()

    def skip(self) -> None:
        """Whitespace and the punctuation that separates clauses without meaning anything (_SKIPPED)."""
        s, n = self.s, len(self.s)
        while True:
            self.ws()
            if self.pos >= n:
                return
            ch = s[self.pos]
            nxt = s[self.pos + 1] if self.pos + 1 < n else " "
            if ch in _SKIPPED or (ch == "=" and nxt != ">") or \
                    (ch in _SKIPPED_ALONE and (nxt.isspace() or nxt in _TERM_STOP)):
                self.pos += 1
                continue
            return

    def peek(self, text: str) -> bool:
        return self.s.startswith(text, self.pos)

    def eat(self, text: str) -> bool:
        if self.s.startswith(text, self.pos):
            self.pos += len(text)
            return True
        return False

    def expect(self, text: str) -> None:
        self.ws()
        if not self.eat(text):
            raise self.error()

    def at_end(self) -> bool:
        return self.pos >= len(self.s)

    def param(self, name: str, use: str = "value") -> bytes:
        if name not in self.params:
            raise SearchError(f"No such parameter `{name}`")
        seen = self.param_uses.get(name)
        self.param_uses[name] = use if seen is None or seen == use else "value"
        return self.params[name]

    def number_ahead(self) -> str | None:
        """The number token at the cursor (not followed by a term character), if any."""
        m = _NUMBER_RE.match(self.s, self.pos)
        if m is None:
            return None
        end = m.end()
        if end < len(self.s) and not (self.s[end] in _TERM_STOP or self.s[end].isspace()):
            return None
        return m.group()

    def word(self, keep_escapes: bool = False) -> str:
        """A run of term characters with backslash escapes (no separators); ``keep_escapes``: the
        backslashes kept, for tokenize() to keep an escaped separator inside the term."""
        out = []
        s, n = self.s, len(self.s)
        while self.pos < n:
            ch = s[self.pos]
            if ch == "\\" and self.pos + 1 < n:
                out.append(s[self.pos:self.pos + 2] if keep_escapes else s[self.pos + 1])
                self.pos += 2
                continue
            if ch in _TERM_STOP or ch.isspace():
                break
            out.append(ch)
            self.pos += 1
        return "".join(out)

    def bracket_token(self) -> str:
        """A whitespace-delimited token inside [...] (stops at ']')."""
        self.ws()
        m = _BRACKET_TOKEN_RE.match(self.s, self.pos)
        if not m:
            raise self.error()
        self.pos = m.end()
        return m.group()

    # -- grammar -----------------------------------------------------------------------------------------
    def parse(self) -> Node:
        self.ws()
        if self.at_end():
            raise self.error()
        self.skip()
        if self.at_end():
            return Empty()  # punctuation only
        node = self.group(None)
        self.ws()
        if self.peek("=>[") or (self.peek("=>") and self.s[self.pos + 2:].lstrip().startswith("[")):
            self.eat("=>")
            self.ws()
            self.eat("[")
            node = self.knn(node)
            self.ws()
            if self.eat("=>"):
                self.ws()
                attrs = self.attrs()
                node = self._knn_attrs(node, attrs)
        self.ws()
        if not self.at_end():
            raise self.error()
        return node

    def group(self, fields: tuple[bytes, ...] | None) -> Node:
        """A whole query or a parenthesised group, in the request's dialect."""
        return self.v1_sequence(fields) if self.dialect == 1 else self.union(fields)

    # -- DIALECT 1 ---------------------------------------------------------------------------------------
    # RediSearch's first grammar groups differently from DIALECT 2 (checked clause by clause against
    # Redis Stack 7.4 with FT.EXPLAIN): plain words next to each other bind tightest, then ``|``, then the
    # juxtaposition of anything else (tags, ranges, groups, phrases, prefixes), which intersects; and a
    # prefix ``-`` or ``~`` or a field modifier before a word takes everything after it up to the next
    # prefix operator: ``-a b | c`` is NOT(a b | c), ``a | b @n:[1 2]`` is (a | b) AND @n, ``@t:a b`` is
    # @t:(a b).
    def _v1_prefix_ahead(self) -> bool:
        if self.peek("~") or (self.peek("-") and self.number_ahead() is None):
            return True
        if not self.peek("@"):
            return False
        save = self.pos
        try:
            self.field_names()
            self.ws()
            if not self.eat(":"):
                return False
            self.ws()
            return not (self.at_end() or self.s[self.pos] in "{[(-")
        except SearchError:
            return False
        finally:
            self.pos = save

    def v1_sequence(self, fields: tuple[bytes, ...] | None, operand: bool = False) -> Node:
        chains: list[list[list[Node]]] = []  # intersected; each a union of alternatives; each an intersection
        text_run = False  # the current alternative is plain words that a next plain word joins
        after_or = True
        while True:
            self.skip()
            if self.at_end() or self.peek(")") or self.peek("=>"):
                break
            if self.peek("|"):
                self.pos += 1
                after_or = True
                continue
            prefix = self._v1_prefix_ahead()
            if prefix and operand and not after_or:
                break  # the enclosing prefix operator's operand ends here
            if prefix:
                node = self._v1_prefixed(fields)
                plain = False
            else:
                item = self.unary(fields)
                node = item if item is not None else Empty()
                plain = (isinstance(node, Term) and node.kind == "exact") or isinstance(node, Empty)
            if after_or and chains:
                chains[-1].append([node])
            elif plain and text_run and chains:
                chains[-1][-1].append(node)
            else:
                chains.append([[node]])
            text_run = plain
            after_or = False
        if not chains:
            raise self.error()
        return _v1_tree(chains)

    def _v1_prefixed(self, fields: tuple[bytes, ...] | None) -> Node:
        if self.eat("-"):
            return Not(unexpanded(self.v1_sequence(fields, operand=True)))
        if self.eat("~"):
            return Optional(unexpanded(self.v1_sequence(fields, operand=True)))
        names = self.field_names()
        self.ws()
        self.expect(":")
        return self.v1_sequence(names, operand=True)

    # -- DIALECT 2 ---------------------------------------------------------------------------------------
    def union(self, fields: tuple[bytes, ...] | None) -> Node:
        children = [self.intersect(fields)]
        while True:
            self.ws()
            if self.peek("|"):
                self.pos += 1
                children.append(self.intersect(fields))
            else:
                break
        kept = [c for c in children if not isinstance(c, Empty)]
        if not kept:
            return Empty()
        return kept[0] if len(kept) == 1 else Union(tuple(kept))

    def intersect(self, fields: tuple[bytes, ...] | None) -> Node:
        items: list[Node] = []
        saw_any = False
        while True:
            self.skip()
            if self.at_end() or self.peek(")") or self.peek("|") or self.peek("=>["):
                break
            if self.peek("=>") and self.s[self.pos + 2:].lstrip().startswith("["):
                break
            saw_any = True
            node = self.unary(fields)
            if node is not None:
                items.append(node)
        if not saw_any:
            raise self.error()
        kept = [i for i in items if not isinstance(i, Empty)]
        if not kept:
            return Empty()
        return kept[0] if len(kept) == 1 else Intersect(tuple(kept))

    def unary(self, fields: tuple[bytes, ...] | None) -> Node | None:
        number = self.number_ahead()
        if number is not None:
            self.pos += len(number)
            if self.dialect >= 2:  # RediSearch's second grammar neither stems nor expands a number
                return Term(number.lower(), fields, verbatim=True)
            return self._term_from_text(number, fields, whole=True)
        if self.eat("-"):
            self.ws()
            inner = self.unary(fields)
            return Not(unexpanded(inner) if inner is not None else Empty())
        if self.eat("~"):
            self.ws()
            inner = self.unary(fields)
            return Optional(unexpanded(inner) if inner is not None else Empty())
        node = self.atom(fields)
        if self.peek("=>{") or (self.peek("=>") and self.s[self.pos + 2:].lstrip().startswith("{")):
            self.eat("=>")
            self.ws()
            node = self._apply_attrs(node, self.attrs())
        return node

    def atom(self, fields: tuple[bytes, ...] | None) -> Node | None:
        self.ws()
        start = self.pos
        if self.eat("("):
            node = self.group(fields)
            self.ws()
            if not self.eat(")"):
                raise self.error()
            return node
        if self.peek("@"):
            return self.modifier()
        if self.peek('"'):
            return self.phrase(fields)
        if self.peek("%"):
            return self.fuzzy(fields)
        if self.peek("w'"):
            self.pos += 2
            end = self.s.find("'", self.pos)
            if end < 0:
                raise self.error(start)
            pattern = self.s[self.pos:end].lower()
            self.pos = end + 1
            return Term(pattern, fields, "wildcard", verbatim=self.verbatim)
        if self.s[self.pos:self.pos + 10].lower() == "ismissing(":
            self.pos += 10
            self.ws()
            if not self.eat("@"):
                raise self.error()
            name = self.word()
            self.ws()
            if not name or not self.eat(")"):
                raise self.error(start)
            if self.definition.field(name.encode()) is None:
                raise SearchError(f"Unknown field at offset {start} near {name}")
            return Missing(name.encode())
        if self.peek("*"):
            self.pos += 1
            w = self.word()
            if not w:
                return Wildcard()
            if self.eat("*"):
                return Term(w.lower(), fields, "infix", verbatim=self.verbatim)
            return Term(w.lower(), fields, "suffix", verbatim=self.verbatim)
        if self.peek("$"):
            self.pos += 1
            name = self.word()
            value = self.param(name).decode("utf-8", "replace")
            return self._term_from_text(value, fields)
        raw = self.word(keep_escapes=True)
        if not raw:
            raise self.error(start)
        if self.eat("*"):
            return Term(_unescape(raw).lower(), fields, "prefix", verbatim=self.verbatim)
        return self._term_from_text(raw, fields)

    def _term_from_text(self, text: str, fields: tuple[bytes, ...] | None, whole: bool = False) -> Node:
        """A word of the query (backslash escapes keep a separator inside one term, as RediSearch does:
        ``sci\\-fi`` is the term "sci-fi"), or a parameter's text; ``whole``: one term as it is (a number)."""
        tokens = [text.lower()] if whole else tokenize(text)
        if not tokens:
            return Empty()
        if len(tokens) > 1:
            return self._phrase_from_tokens(tokens, fields)
        tok = tokens[0]
        if tok in self.stopwords:
            return Empty()
        return Term(tok, fields, verbatim=self.verbatim)

    def _phrase_from_tokens(self, tokens: list[str], fields: tuple[bytes, ...] | None,
                            exact: bool = False) -> Node:
        # Stop words take no position in the index (TextIndex.add), so the others are adjacent.
        terms = tuple(enumerate(t for t in tokens if t not in self.stopwords))
        if not terms:
            return Empty()
        if len(terms) == 1:
            return Term(terms[0][1], fields, verbatim=self.verbatim or exact)
        # A quoted phrase is exact: its terms are not stemmed (RediSearch).
        return Phrase(terms, fields, verbatim=self.verbatim or exact)

    def phrase(self, fields: tuple[bytes, ...] | None) -> Node:
        start = self.pos
        self.pos += 1
        out = []
        while self.pos < len(self.s) and self.s[self.pos] != '"':
            if self.s[self.pos] == "\\" and self.pos + 1 < len(self.s):
                out.append(self.s[self.pos:self.pos + 2])
                self.pos += 2
                continue
            out.append(self.s[self.pos])
            self.pos += 1
        if not self.eat('"'):
            raise self.error(start)
        tokens = tokenize("".join(out))
        if not tokens:
            return Empty()
        stops = [i for i, t in enumerate(tokens) if t in self.stopwords]
        if stops:
            # RediSearch keeps stop words out of the index, so a quoted stop word matches nothing in DIALECT
            # 2. DIALECT 1's grammar refuses one among a phrase's first two words (a phrase starts as
            # `term term`) and skips those after them.
            if self.dialect >= 2:
                return Phrase(tuple(enumerate(tokens)), fields, verbatim=True)
            first = stops[0]
            if first < 2:
                at = start + 1 + token_spans(self.s[start + 1:self.pos - 1])[first][0]
                raise SearchError(f"Syntax error at offset {at} near {tokens[first]}")
            tokens = [t for t in tokens if t not in self.stopwords]
        if len(tokens) == 1:
            return Term(tokens[0], fields, verbatim=True)
        return self._phrase_from_tokens(tokens, fields, exact=True)

    def fuzzy(self, fields: tuple[bytes, ...] | None) -> Node:
        start = self.pos
        level = 0
        while self.eat("%"):
            level += 1
        w = self.word()
        for _ in range(level):
            if not self.eat("%"):
                raise self.error(start)
        if not w or level > 3:
            raise self.error(start)
        return Term(w.lower(), fields, "fuzzy", fuzz=level)

    def field_names(self) -> tuple[bytes, ...]:
        names = []
        while True:
            self.eat("@")
            start = self.pos
            name = self.word()
            if not name:
                raise self.error(start)
            names.append(name.encode())
            if self.peek("|") and not self.peek("||"):
                self.pos += 1
                continue
            break
        return tuple(names)

    def modifier(self) -> Node:
        start = self.pos
        names = self.field_names()
        self.ws()
        for op in ("==", "!=", ">=", "<=", ">", "<"):
            if self.eat(op):
                self.ws()
                num = self.number(self.bracket_token_plain())
                return self._compare(names[0], op, num)
        if not self.eat(":"):
            raise self.error(start)
        self.ws()
        if self.peek("{"):
            return self.tags(names[0])
        if self.peek("["):
            return self.bracket(names[0], start)
        if self.peek("("):
            self.pos += 1
            node = self.group(names)
            self.ws()
            if not self.eat(")"):
                raise self.error()
            return node
        if self.eat("-"):
            inner = self.atom(names)
            return Not(unexpanded(inner) if inner is not None else Empty())
        last = self.atom(names)
        return last if last is not None else Empty()

    def bracket_token_plain(self) -> str:
        start = self.pos
        while self.pos < len(self.s) and not self.s[self.pos].isspace() and self.s[self.pos] not in ")|":
            self.pos += 1
        return self.s[start:self.pos]

    def _compare(self, field: bytes, op: str, num: float) -> Node:
        if op == "==":
            return NumericRange(field, num, num)
        if op == "!=":
            return Not(NumericRange(field, num, num))
        if op == ">":
            return NumericRange(field, num, math.inf, lo_excl=True)
        if op == ">=":
            return NumericRange(field, num, math.inf)
        if op == "<":
            return NumericRange(field, -math.inf, num, hi_excl=True)
        return NumericRange(field, -math.inf, num)

    def tags(self, field: bytes) -> Node:
        start = self.pos
        self.pos += 1
        values: list[TagValue] = []
        buf: list[str] = []
        escaped_tail = False
        s = self.s
        while True:
            if self.pos >= len(s):
                raise self.error(start)
            ch = s[self.pos]
            if ch == "\\" and self.pos + 1 < len(s):
                buf.append(s[self.pos + 1])
                self.pos += 2
                escaped_tail = True
                continue
            if ch in "|}":
                values.append(self._tag_value("".join(buf), escaped_tail))
                buf = []
                escaped_tail = False
                self.pos += 1
                if ch == "}":
                    break
                continue
            buf.append(ch)
            escaped_tail = False
            self.pos += 1
        kept = tuple(v for v in values if v.text or v.prefix)
        return Tag(field, kept)

    def _tag_value(self, raw: str, escaped_tail: bool) -> TagValue:
        text = raw.strip() if not escaped_tail else raw.lstrip()
        if text.startswith("$") and len(text) > 1 and " " not in text:
            return TagValue(self.param(text[1:]))
        prefix = suffix = False
        if text.startswith("w'") and text.endswith("'") and len(text) >= 3:
            return TagValue(text[2:-1].encode(), wildcard=True)
        if text.endswith("*") and not escaped_tail:
            prefix = True
            text = text[:-1]
        if text.startswith("*"):
            suffix = True
            text = text[1:]
        return TagValue(text.encode(), prefix=prefix, suffix=suffix)

    def number(self, tok: str) -> float:
        if tok.startswith("$"):
            tok = self.param(tok[1:]).decode("latin-1")
        t = tok.lower()
        if t in ("inf", "+inf"):
            return math.inf
        if t == "-inf":
            return -math.inf
        try:
            return float(tok)
        except ValueError:
            raise SearchError(f"Syntax error at offset {self.pos} near {tok}")

    def bracket(self, field: bytes, start: int) -> Node:
        self.pos += 1
        tokens: list[str] = []
        while True:
            self.ws()
            if self.eat("]"):
                break
            if self.at_end():
                raise self.error(start)
            tokens.append(self.bracket_token())
        if tokens and tokens[0].upper() == "VECTOR_RANGE":
            return self.vector_range(field, tokens)
        spec = self.definition.field(field)
        if len(tokens) == 4 or (spec is not None and spec.type is FieldType.GEO):
            if len(tokens) != 4:
                raise self.error(start)
            unit = tokens[3].lower()
            if unit not in _GEO_UNITS:
                raise SearchError(f"Syntax error at offset {start} near {tokens[3]}")
            return GeoRadius(field, self.number(tokens[0]), self.number(tokens[1]), self.number(tokens[2]), unit)
        if len(tokens) == 1:
            tokens = [tokens[0], tokens[0]]
        if len(tokens) != 2:
            raise self.error(start)
        lo_excl = tokens[0].startswith("(")
        hi_excl = tokens[1].startswith("(")
        lo = self.number(tokens[0].lstrip("("))
        hi = self.number(tokens[1].lstrip("("))
        return NumericRange(field, lo, hi, lo_excl, hi_excl)

    def vector_range(self, field: bytes, tokens: list[str]) -> Node:
        spec = self.definition.field(field)
        if spec is None:
            raise SearchError(f"Unknown field at offset {self.pos} near {field.decode('utf-8', 'replace')}")
        if spec.type is not FieldType.VECTOR:
            raise SearchError(f"Expected a VECTOR field at offset {self.pos} near {field.decode('utf-8', 'replace')}")
        if len(tokens) != 3 or not tokens[2].startswith("$"):
            raise self.error()
        radius = self.number(tokens[1])
        if radius < 0:
            raise SearchError(f"Error parsing vector similarity query: negative radius ({tokens[1]}) given in a range query")
        blob = self.param(tokens[2][1:])
        return VectorRange(field, radius, blob, blob_param=tokens[2][1:])

    def knn(self, flt: Node) -> Node:
        tokens: list[str] = []
        start = self.pos
        while True:
            self.ws()
            if self.eat("]"):
                break
            if self.at_end():
                raise self.error(start)
            tokens.append(self.bracket_token())
        if len(tokens) < 4 or tokens[0].upper() != "KNN":
            raise SearchError(f"Syntax error at offset {start} near {tokens[0] if tokens else ''}")
        k_tok = tokens[1]
        if k_tok.startswith("$"):
            k_raw = self.param(k_tok[1:]).decode("latin-1")
            if not k_raw.isdigit():
                raise SearchError("Invalid numeric value")
            k = int(k_raw)
        elif k_tok.isdigit():
            k = int(k_tok)
        else:
            raise SearchError(f"Syntax error at offset {start} near {k_tok}")
        if k >= 2**59:
            raise SearchError("KNN K parameter is too large")
        if not tokens[2].startswith("@"):
            raise SearchError(f"Syntax error at offset {start} near {tokens[2]}")
        field = tokens[2][1:].encode()
        spec = self.definition.field(field)
        if spec is None:
            raise SearchError(f"Unknown field at offset {start} near {field.decode('utf-8', 'replace')}")
        if spec.type is not FieldType.VECTOR:
            raise SearchError(f"Expected a VECTOR field at offset {start} near {field.decode('utf-8', 'replace')}")
        if not tokens[3].startswith("$"):
            raise SearchError(f"Syntax error at offset {start} near {tokens[3]}")
        blob = self.param(tokens[3][1:], "blob")
        opts: dict[str, str] = {}
        score_as: str | None = None
        i = 4
        while i < len(tokens):
            name = tokens[i].upper()
            if i + 1 >= len(tokens):
                raise SearchError(f"Syntax error at offset {start} near {tokens[i]}")
            value = tokens[i + 1]
            if value.startswith("$"):
                value = self.param(value[1:]).decode("utf-8", "replace")
            if name == "AS":
                score_as = value
            else:
                if name not in ("EF_RUNTIME", "EPSILON", "HYBRID_POLICY", "BATCH_SIZE", "SHARD_K_RATIO"):
                    raise SearchError("Error parsing vector similarity parameters: Invalid option")
                if name in opts:
                    raise SearchError("Error parsing vector similarity parameters: Parameter was specified twice")
                opts[name] = value
            i += 2
        return replace(self._make_knn(flt, k, field, blob, score_as, opts), blob_param=tokens[3][1:])

    def _make_knn(self, flt: Node, k: int, field: bytes, blob: bytes, score_as: str | None,
                  opts: dict[str, str]) -> Knn:
        spec = self.definition.field(field)
        assert spec is not None and spec.vector is not None
        if "EPSILON" in opts:
            raise SearchError(
                "Error parsing vector similarity parameters: range query attributes were sent for a non-range query")
        hybrid = isinstance(flt, Wildcard)
        policy = opts.get("HYBRID_POLICY")
        batch = opts.get("BATCH_SIZE")
        if (policy is not None or batch is not None) and hybrid:
            raise SearchError(
                "Error parsing vector similarity parameters: hybrid query attributes were sent for a non-hybrid query")
        if policy is not None:
            policy = policy.upper()
            if policy not in ("BATCHES", "ADHOC_BF"):
                raise SearchError("Error parsing vector similarity parameters: invalid hybrid policy was given")
            if policy == "ADHOC_BF" and batch is not None:
                raise SearchError(
                    "Error parsing vector similarity parameters: 'batch size' is irrelevant for 'ADHOC_BF' policy")
            if policy == "ADHOC_BF" and "EF_RUNTIME" in opts:
                raise SearchError(
                    "Error parsing vector similarity parameters: 'EF_RUNTIME' is irrelevant for 'ADHOC_BF' policy")
        ef: int | None = None
        if "EF_RUNTIME" in opts:
            if spec.vector.algorithm != "HNSW":
                raise SearchError("Error parsing vector similarity parameters: Invalid option")
            if not opts["EF_RUNTIME"].isdigit() or int(opts["EF_RUNTIME"]) < 1:
                raise SearchError("Error parsing vector similarity parameters: Invalid value was given")
            ef = int(opts["EF_RUNTIME"])
        batch_size: int | None = None
        if batch is not None:
            if not batch.isdigit() or int(batch) < 1:
                raise SearchError("Error parsing vector similarity parameters: Invalid value was given")
            batch_size = int(batch)
        if len(blob) != spec.vector.blob_size and not spec.csv_vectors:
            raise SearchError(
                f"Error parsing vector similarity query: query vector blob size ({len(blob)}) does not match "
                f"index's expected size ({spec.vector.blob_size}).")
        name = score_as or f"__{field.decode('utf-8', 'replace')}_score"
        if score_as is not None and self.definition.field(score_as.encode()) is not None:
            raise SearchError(f"Property `{score_as}` already exists in schema")
        return Knn(unexpanded(flt), k, field, blob, name, ef, policy, batch_size)

    def _knn_attrs(self, node: Node, attrs: dict[str, str]) -> Node:
        assert isinstance(node, Knn)
        opts: dict[str, str] = {}
        score_as = None
        for key, value in attrs.items():
            lk = key.lower()
            if lk == "yield_distance_as":
                score_as = value
            elif lk in ("ef_runtime", "epsilon", "hybrid_policy", "batch_size", "shard_k_ratio"):
                opts[lk.upper()] = value
            else:
                raise SearchError("Error parsing vector similarity parameters: Invalid option")
        if score_as is not None and not node.score_as.startswith("__"):
            raise SearchError(
                f"Distance field was specified twice for vector query: {node.score_as} and {score_as}")
        if "EF_RUNTIME" in opts and node.ef_runtime is not None:
            raise SearchError("Error parsing vector similarity parameters: Parameter was specified twice")
        merged = {k: v for k, v in (("EF_RUNTIME", str(node.ef_runtime) if node.ef_runtime else None),
                                    ("HYBRID_POLICY", node.hybrid_policy),
                                    ("BATCH_SIZE", str(node.batch_size) if node.batch_size else None)) if v}
        merged.update(opts)
        made = self._make_knn(node.filter, node.k, node.field, node.blob,
                              score_as or (None if node.score_as.startswith("__") else node.score_as), merged)
        return replace(made, blob_param=node.blob_param)

    def attrs(self) -> dict[str, str]:
        start = self.pos
        if not self.eat("{"):
            raise self.error()
        end = self.s.find("}", self.pos)
        if end < 0:
            raise self.error(start)
        body = self.s[self.pos:end]
        self.pos = end + 1
        out: dict[str, str] = {}
        for part in body.split(";"):
            part = part.strip()
            if not part:
                continue
            if ":" not in part or not part.startswith("$"):
                raise self.error(start)
            key, value = part.split(":", 1)
            value = value.strip()
            if value.startswith("$"):
                value = self.param(value[1:]).decode("utf-8", "replace")
            out[key.strip()[1:]] = value
        return out

    def _apply_attrs(self, node: Node | None, attrs: dict[str, str]) -> Node | None:
        if isinstance(node, VectorRange):
            yield_as = node.yield_as
            epsilon = node.epsilon
            for key, value in attrs.items():
                lk = key.lower()
                if lk == "yield_distance_as":
                    yield_as = value
                elif lk == "epsilon":
                    spec = self.definition.field(node.field)
                    if spec is not None and spec.vector is not None and spec.vector.algorithm != "HNSW":
                        raise SearchError("Error parsing vector similarity parameters: Invalid option")
                    try:
                        epsilon = float(value)
                    except ValueError:
                        raise SearchError("Error parsing vector similarity parameters: Invalid value was given")
                    if epsilon <= 0:
                        raise SearchError("Error parsing vector similarity parameters: Invalid value was given")
                elif lk in ("hybrid_policy", "batch_size"):
                    raise SearchError(
                        "Error parsing vector similarity parameters: hybrid query attributes were sent for a "
                        "non-hybrid query")
                else:
                    raise SearchError("Error parsing vector similarity parameters: Invalid option")
            return VectorRange(node.field, node.radius, node.blob, yield_as, epsilon, node.blob_param)
        weight = None
        for key, value in attrs.items():
            if key.lower() == "weight":
                try:
                    weight = float(value)
                except ValueError:
                    raise SearchError(f"Invalid value ({value}) for `weight`")
        if weight is not None and isinstance(node, Term):
            return Term(node.text, node.fields, node.kind, node.fuzz, weight, node.verbatim)
        if weight is not None and isinstance(node, Phrase):
            return Phrase(node.terms, node.fields, node.slop, node.inorder, weight, node.verbatim)
        return node


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _v1_tree(chains: list[list[list[Node]]]) -> Node:
    """DIALECT 1's groups as nodes: an intersection of unions of intersections, stop words dropped."""
    def both(kind: type[Union] | type[Intersect], nodes: list[Node]) -> Node:
        kept = [n for n in nodes if not isinstance(n, Empty)]
        if not kept:
            return Empty()
        return kept[0] if len(kept) == 1 else kind(tuple(kept))
    return both(Intersect, [both(Union, [both(Intersect, alt) for alt in chain]) for chain in chains])


def unexpanded(node: Node) -> Node:
    """``node`` with its words matched as written: RediSearch does not run its stemming expander under NOT
    or OPTIONAL, nor in a KNN's filter (``(run)=>[KNN ...]`` matches no "running"; ``-run`` keeps it)."""
    if isinstance(node, Term):
        return node if node.verbatim or node.kind != "exact" else replace(node, verbatim=True)
    if isinstance(node, (Union, Intersect)):
        return replace(node, children=tuple(unexpanded(c) for c in node.children))
    if isinstance(node, (Not, Optional)):
        return replace(node, child=unexpanded(node.child))
    return node


def parse_query(text: str, definition: IndexDefinition, params: dict[str, bytes], dialect: int = 2,
                verbatim: bool = False, stopwords: frozenset[str] | None = None) -> Node:
    """Parse a query string. DIALECT 1 groups with its own precedence (QueryParser.v1_sequence) and has no
    vector clauses; DIALECT 2 and later share the rest."""
    return parse_query_uses(text, definition, params, dialect, verbatim, stopwords)[0]


def parse_query_uses(text: str, definition: IndexDefinition, params: dict[str, bytes], dialect: int = 2,
                     verbatim: bool = False, stopwords: frozenset[str] | None = None) -> tuple[Node, dict[str, str]]:
    """parse_query, and how each parameter it read was used (QueryParser.param_uses)."""
    parser = QueryParser(text, definition, params, stopwords, verbatim, dialect)
    node = parser.parse()
    if dialect == 1 and _has_vector(node):
        # DIALECT 1 has no vector syntax: RediSearch fails at the "=>" or at VECTOR_RANGE.
        at = text.find("=>")
        if at >= 0:
            raise SearchError(f"Syntax error at offset {at} near {text[at + 1:at + 3]}")
        at = text.upper().find("VECTOR_RANGE")
        raise SearchError(f"Syntax error at offset {max(at, 0)} near VECTOR_RANGE")
    return node, parser.param_uses


def _has_vector(node: Node) -> bool:
    return any(isinstance(n, Knn | VectorRange) for n in walk(node))
