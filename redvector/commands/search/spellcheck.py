"""FT.SPELLCHECK: suggestions for the query's words that the index does not know, as RediSearch 2.10
answers them (checked against Redis Stack 7.4).

Every word of the query (plain, quoted, negated, or a tag value) that is not in the index's term
dictionary gets an entry; a word the index knows gets none. Suggestions are the dictionary's entries
within DISTANCE edits (1 to 4, default 1), the stem records ``+stem`` included, each scored by the share
of documents that contain it, best first, ties in byte order. TERMS INCLUDE dict adds the dictionary's
entries within DISTANCE (compared case-insensitively) as suggestions scored 0; TERMS EXCLUDE dict drops
the query words the dictionary holds (exactly) from the reply. A missing dictionary is an error.
"""

from __future__ import annotations

from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.search.common import get_index, group, registry
from redvector.commands.search.queries import build_query, parse_dialect
from redvector.commands.spec import Flag, KeySpec
from redvector.errors import SearchError
from redvector.replies import ByProtocol, Map, SimpleString
from redvector.search.fields.text import TextIndex
from redvector.search.fields.tokens import fuzzy_matches
from redvector.search.query.ast import Node, Phrase, Tag, Term, clause_leaves

MAX_DISTANCE = 4


def query_words(node: Node) -> list[str]:
    """The words FT.SPELLCHECK checks, in query order, each once."""
    words: list[str] = []

    def add(word: str) -> None:
        if word not in words:
            words.append(word)

    for n in clause_leaves(node, negated=True):
        if isinstance(n, Term):
            if n.kind == "exact":
                add(n.text.lower())
        elif isinstance(n, Phrase):
            for _, word in n.terms:
                add(word.lower())
        elif isinstance(n, Tag):
            for value in n.values:
                if not (value.prefix or value.suffix or value.wildcard):
                    add(value.text.decode("utf-8", "replace").lower())
    return words


def dictionary(text: TextIndex) -> dict[str, int]:
    """The index's term dictionary as RediSearch keeps it: every word and every stem record ``+stem``,
    each with the number of documents holding it."""
    entries = {term: len(postings) for term, postings in text.terms.items()}
    entries.update(("+" + root, count) for root, count in text.stem_record_docs().items())
    return entries


@group.command("FT.SPELLCHECK", -3, Flag.READONLY | Flag.MODULE, KeySpec(0, 0, 0),
               summary="Suggest spelling corrections for a query's words")
def ft_spellcheck(ctx: CommandContext, argv: list[bytes]) -> Any:
    index = get_index(ctx, argv[1], "drop")
    distance = 1
    dialect = None
    include: list[bytes] = []
    exclude: list[bytes] = []
    i = 3
    while i < len(argv):
        tok = argv[i].upper()
        if tok == b"DISTANCE":
            try:
                distance = int(argv[i + 1])
            except (IndexError, ValueError):
                distance = 0
            if not 1 <= distance <= MAX_DISTANCE:
                raise SearchError("bad distance given, distance must be a natural number between 1 to 4")
            i += 2
        elif tok == b"TERMS":
            if i + 2 >= len(argv):
                raise SearchError("TERM arg is given but no TERM params comes after")
            mode = argv[i + 1].upper()
            if mode not in (b"INCLUDE", b"EXCLUDE"):
                raise SearchError("bad format, exlude/include operation was not given")
            (include if mode == b"INCLUDE" else exclude).append(argv[i + 2])
            i += 3
        elif tok == b"DIALECT":
            dialect = parse_dialect(argv, i + 1)
            i += 2
        else:
            raise SearchError(f"Unknown argument `{argv[i].decode('utf-8', 'replace')}` at position {i - 3} for <main>")
    node, _ = build_query(ctx, index, argv[2], {}, dialect, True)
    entries = dictionary(index.text)
    total = max(len(index.docs), 1)
    dicts = registry(ctx).dictionaries
    for name in include + exclude:
        if name not in dicts:
            raise SearchError(f"Dict does not exist: {name.decode('utf-8', 'replace')}")
    included = [t.decode("utf-8", "replace") for name in include for t in sorted(dicts.get(name, ()))]
    excluded = {t.decode("utf-8", "replace") for name in exclude for t in dicts.get(name, ())}
    results: list[tuple[str, list[tuple[float, str]]]] = []
    for word in query_words(node):
        if word in entries or word in excluded:
            continue
        vocabulary = list(entries)
        found = [(entries[vocabulary[i]] / total, vocabulary[i]) for i in fuzzy_matches(word, vocabulary, distance)]
        known = {term.lower() for _, term in found}  # one suggestion per case-folded word
        folded = [term.lower() for term in included]
        for i in fuzzy_matches(word, folded, distance):
            if folded[i] not in known:
                known.add(folded[i])
                found.append((0.0, included[i]))
        found.sort(key=lambda st: (-st[0], st[1].encode()))
        results.append((word, found))
    resp2 = [[SimpleString(b"TERM"), word.encode(), [[score, term.encode()] for score, term in found]] for word, found in results]
    resp3 = Map([(SimpleString(b"results"), Map([(word.encode(), [Map([(term.encode(), score)]) for score, term in found])
                                   for word, found in results]))])
    return ByProtocol(resp2, resp3)

