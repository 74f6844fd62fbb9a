"""matched_terms() for FT.AGGREGATE: the query terms each matched document holds, in the order RediSearch
walks its index result (IndexResult_GetMatchedTerms): a union's matching clauses in query order, an
intersection's in its iterator's order (fewest estimated documents first), a word before its stem record
(``+stem``), a prefix / suffix / fuzzy word as the first expansion the document holds, a tag value as
the index holds it. Numeric, geo, vector and wildcard clauses hold no terms; what is under a NOT
gives none."""

from __future__ import annotations

from redvector.search.fields.tokens import stem
from redvector.search.index import SearchIndex
from redvector.search.query.ast import Intersect, Knn, Node, Optional, Phrase, Tag, Term, Union
from redvector.search.query.executor import Executor
from redvector.search.schema import FieldType


class MatchedTerms:
    """The matched terms of a query's documents, worked out clause by clause (each clause's documents
    from the executor or the text index, once)."""

    def __init__(self, index: SearchIndex, executor: Executor, node: Node, verbatim: bool) -> None:
        self.index = index
        self.executor = executor
        self.verbatim = verbatim
        self.text_fields = frozenset(f.name for f in index.definition.fields if f.type is FieldType.TEXT)
        self.nostem = frozenset(f.name for f in index.definition.fields if f.type is FieldType.TEXT and f.nostem)
        self.weights = {f.name: 1.0 for f in index.definition.fields if f.type is FieldType.TEXT}
        # in walk order: (term, the documents holding it), or (None, document -> the word of an expanded
        # clause it holds first)
        self.leaves: list[tuple[str, set[int]] | tuple[None, dict[int, str]]] = []
        self._walk(node)

    def of(self, doc_id: int) -> list[str]:
        out: list[str] = []
        for term, docs in self.leaves:
            if term is None:
                word = docs.get(doc_id)  # type: ignore[union-attr]
                if word is not None:
                    out.append(word)
            elif doc_id in docs:
                out.append(term)
        return out

    def _docs(self, node: Node) -> set[int]:
        return set(self.executor.run(node).scores)

    def _estimate(self, node: Node) -> int:
        """RediSearch's estimate of a clause's documents, which orders an intersection: a union's is the
        sum of its clauses', an intersection's the least of them."""
        if isinstance(node, Union):
            return sum(self._estimate(c) for c in node.children)
        if isinstance(node, Intersect):
            return min((self._estimate(c) for c in node.children), default=0)
        if isinstance(node, Tag):
            return sum(len(self._docs(Tag(node.field, (v,)))) for v in node.values)
        return len(self._docs(node))

    def _walk(self, node: Node) -> None:
        if isinstance(node, Union):
            for child in node.children:
                self._walk(child)
        elif isinstance(node, Intersect):
            if node.inorder:
                children = list(node.children)
            else:
                sizes = {id(c): self._estimate(c) for c in node.children}
                children = sorted(node.children, key=lambda c: sizes[id(c)])
            for child in children:
                self._walk(child)
        elif isinstance(node, Optional):
            self._walk(node.child)
        elif isinstance(node, Knn):
            self._walk(node.filter)
        elif isinstance(node, Term):
            self._term(node)
        elif isinstance(node, Phrase):
            for _, word in node.terms:
                self._word(word, node.fields, node.verbatim)
        elif isinstance(node, Tag):
            for value in node.values:
                if not (value.prefix or value.suffix or value.wildcard):
                    single = Tag(node.field, (value,))
                    self.leaves.append((value.text.decode("utf-8", "replace"), self._docs(single)))
        # Not, numeric and geo ranges, vectors, the wildcard: no terms

    def _fields(self, fields: tuple[bytes, ...] | None) -> frozenset[bytes] | None:
        return None if fields is None else frozenset(fields)

    def _term(self, node: Term) -> None:
        if node.kind == "exact":
            self._word(node.text, node.fields, node.verbatim)
            return
        # a prefix, suffix, infix, fuzzy or wildcard word: the first expansion (lexically) a document holds
        text = self.index.text
        words = self.executor.expanded_words(node)
        fields = self._fields(node.fields)
        first: dict[int, str] = {}
        for word in sorted(words):
            for d in text.term_docs([(word, True)], fields, self.nostem, self.weights):
                first.setdefault(d, word)
        self.leaves.append((None, first))

    def _word(self, word: str, fields: tuple[bytes, ...] | None, verbatim: bool) -> None:
        """A word: its own record, then its stem's (``+stem``, which every word with that stem other than
        the stem itself is also indexed under) unless verbatim."""
        text = self.index.text
        chosen = self._fields(fields)
        self.leaves.append((word, set(text.term_docs([(word, True)], chosen, self.nostem, self.weights))))
        if verbatim or self.verbatim:
            return
        root = stem(word, text.language)
        if root == word:
            return
        holders = [(t, False) for t in text.stems.get(root, ()) if t != root]
        self.leaves.append(("+" + root, set(text.term_docs(holders, chosen, self.nostem, self.weights))))
