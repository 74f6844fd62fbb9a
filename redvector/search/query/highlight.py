"""FT.SEARCH HIGHLIGHT: the query's terms wrapped in tags inside the returned text fields.

As RediSearch 2.10 does it (checked against Redis Stack 7.4): every token of a highlighted field whose
lower-cased form is one of the query's terms, or whose stem is the stem of one of its plain terms, is
wrapped in the open/close tags (``<b>``/``</b>`` by default); the rest of the text, separators and case
included, stays as it was. Terms come from every positive clause of the query; negated clauses give
none. RediSearch marks what the document's records matched: a clause restricted to some fields (``@t:``,
INFIELDS) matches its word only where the document holds it in those fields, and then the word is marked in
every field; its ``+stem`` record only where a stemmed one of them holds a word of that stem. A NOSTEM
field holds no ``+stem`` records: a token there is marked as a query word or a stem taken as a word
(``run``), never by its stem. A prefix, suffix or fuzzy term
highlights its literal text only (``run*`` marks ``run``, not ``running``); tag, numeric, geo and vector
clauses highlight nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from redvector.search.fields.tokens import SEPARATORS, fold_case, normalized, stem
from redvector.search.query.ast import Node, Phrase, Term, clause_leaves

_TOKEN_RE = re.compile("[^" + re.escape(SEPARATORS) + "]+")


@dataclass(frozen=True, slots=True)
class HighlightSpec:
    """FT.SEARCH's HIGHLIGHT [FIELDS n f ...] [TAGS open close]; fields None: every returned TEXT field."""

    fields: tuple[bytes, ...] | None = None
    open_tag: bytes = b"<b>"
    close_tag: bytes = b"</b>"


@dataclass(frozen=True, slots=True)
class HighlightTerms:
    exact: frozenset[str]  # lower-cased tokens highlighted as they are
    stems: frozenset[str]  # stems (``+stem`` records): a token with one of these stems is highlighted
    # the words of each prefix, suffix, infix, fuzzy or wildcard clause, in lexical order: a document
    # highlights the first of them it holds (for_doc)
    expanded: tuple[tuple[str, ...], ...] = ()
    # the stems that are words of their own in a NOSTEM field (those of the clauses without a field
    # restriction; a restricted clause's are resolved per document)
    stem_words: frozenset[str] = frozenset()
    # the clauses restricted to some fields (``@t:word``, INFIELDS): (word, its stem or None, the fields,
    # those of them that are stemmed). RediSearch marks what the document's records matched, and a
    # record of such a clause matches only when the document holds it in those fields (resolve).
    restricted: tuple[tuple[str, str | None, frozenset[bytes], frozenset[bytes]], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.exact or self.stems or self.expanded or self.restricted)

    def in_nostem_field(self) -> HighlightTerms:
        """The terms for a NOSTEM field, which holds its words as they are and no ``+stem`` records: a
        token there matches a query word, or a stem as a word of its own (``run`` for ``running``), never
        by its stem (``runs`` does not)."""
        return HighlightTerms(self.exact | self.stem_words, frozenset(), self.expanded)

    def for_doc(self, words: Collection[str]) -> HighlightTerms:
        """The terms for a document holding ``words``: each expanding clause adds the first of its words
        (lexically) the document holds, as RediSearch's quick-exit union of them stops at that one."""
        if not self.expanded:
            return self
        found = {next((w for w in options if w in words), "") for options in self.expanded} - {""}
        return HighlightTerms(self.exact | found, self.stems, (), self.stem_words, self.restricted)

    def resolve(self, by_field: Mapping[bytes, Collection[str]], stem_of: Callable[[str], str]) -> HighlightTerms:
        """The restricted clauses' records this document matched (``by_field``: its words in each field):
        the word, or its stem as a word, where one of the clause's fields holds it (marked in every field
        then); the ``+stem`` record where a stemmed one of them holds a word of that stem."""
        if not self.restricted:
            return self
        exact, stems = set(self.exact), set(self.stems)
        for word, root, fields, stemmed in self.restricted:
            held = [by_field.get(f, ()) for f in fields]
            if any(word in h for h in held):
                exact.add(word)
            if root is not None:
                if any(root in h for h in held):
                    exact.add(root)
                if root not in stems and any(stem_of(w) == root for f in stemmed for w in by_field.get(f, ())):
                    stems.add(root)
        return HighlightTerms(frozenset(exact), frozenset(stems), self.expanded, self.stem_words)


def query_terms(node: Node, language: str | None = None, verbatim: bool = False,
                expand: Callable[[Term], list[str]] | None = None,
                text_fields: Mapping[bytes, bool] | None = None,
                infields: Collection[bytes] | None = None) -> HighlightTerms:
    """The words HIGHLIGHT marks for a parsed query (see the module doc); ``expand``: the indexed words a
    prefix, suffix, infix, fuzzy or wildcard clause stands for (without it, its literal text);
    ``text_fields``: the index's TEXT fields, each with whether it is stemmed (not NOSTEM); ``infields``:
    INFIELDS, restricting every clause."""
    exact: set[str] = set()
    stems: set[str] = set()
    expanded: list[tuple[str, ...]] = []
    restricted: list[tuple[str, str | None, frozenset[bytes], frozenset[bytes]]] = []

    def add(word: str, stemmed: bool, fields: tuple[bytes, ...] | None = None) -> None:
        word = fold_case(word)
        root = stem(word, language) if stemmed else None
        chosen = _clause_fields(fields, infields)
        if chosen is None or text_fields is None:
            exact.add(word)
            if root is not None:
                stems.add(root)
            return
        restricted.append((word, root, chosen, frozenset(f for f in chosen if text_fields.get(f))))

    # A negated clause matches no word of the results: NOT is not walked; tags carry no text.
    for n in clause_leaves(node):
        if isinstance(n, Term):
            if n.kind != "exact" and expand is not None:
                expanded.append(tuple(sorted(expand(n))))
            else:
                add(n.text, n.kind == "exact" and not (n.verbatim or verbatim), n.fields)
        elif isinstance(n, Phrase):
            for _, word in n.terms:
                add(word, not (n.verbatim or verbatim), n.fields)
    return HighlightTerms(frozenset(exact), frozenset(stems), tuple(expanded), frozenset(stems), tuple(restricted))


def _clause_fields(fields: tuple[bytes, ...] | None, infields: Collection[bytes] | None) -> frozenset[bytes] | None:
    """The fields a clause's words are looked up in (None: every field)."""
    if fields is None:
        return None if infields is None else frozenset(infields)
    return frozenset(f for f in fields if infields is None or f in infields)


def highlight(value: bytes, terms: HighlightTerms, spec: HighlightSpec, language: str | None = None) -> bytes:
    """``value`` with every token that ``terms`` covers wrapped in the spec's tags."""
    if not terms:
        return value
    text = value.decode("utf-8", "surrogateescape")
    open_tag = spec.open_tag.decode("utf-8", "surrogateescape")
    close_tag = spec.close_tag.decode("utf-8", "surrogateescape")
    exact, stems = terms.exact, terms.stems
    changed = False

    def mark(match: re.Match[str]) -> str:
        nonlocal changed
        token = match.group(0)
        lower = normalized(token)
        if lower in exact or (stems and stem(lower, language) in stems):
            changed = True
            return open_tag + token + close_tag
        return token

    out = _TOKEN_RE.sub(mark, text)
    return out.encode("utf-8", "surrogateescape") if changed else value
