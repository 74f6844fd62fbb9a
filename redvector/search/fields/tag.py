"""TAG fields: exact-match values split on a separator, A-Z lower-cased unless CASESENSITIVE."""

from __future__ import annotations

import fnmatch


def split_tags(value: bytes, separator: bytes, casesensitive: bool) -> list[bytes]:
    """RediSearch: split on the separator (none: the value is one tag), trim whitespace, drop empty tags,
    fold case."""
    out = []
    for part in value.split(separator) if separator else (value,):
        tag = part.strip()
        if not tag:
            continue
        out.append(tag if casesensitive else _fold(tag))
    return out


def _fold(tag: bytes) -> bytes:
    """RediSearch 2.10 folds a tag's A-Z only (bytes.lower()): "ÜNÏCÖDÉ" is the tag "ÜnÏcÖdÉ", as
    Redis Stack 7.4.1's FT.TAGVALS shows."""
    return tag.lower()


class Postings(set[int]):
    """The doc ids with one tag; ``tag`` is the tag's one shared bytes object."""

    __slots__ = ("tag",)

    def __init__(self, tag: bytes) -> None:
        super().__init__()
        self.tag = tag


class TagIndex:
    """value -> doc ids, and each doc's values (to remove it).

    Memory per document matters (an index often covers every key): each distinct tag is one bytes object
    (the key of ``values``) that every document with it shares, and a document with one tag stores that
    object itself in ``doc_values`` rather than a one-element list.
    """

    def __init__(self, separator: bytes = b",", casesensitive: bool = False) -> None:
        self.separator = separator
        self.casesensitive = casesensitive
        self.values: dict[bytes, Postings] = {}
        self.doc_values: dict[int, bytes | tuple[bytes, ...]] = {}

    def __len__(self) -> int:
        return len(self.doc_values)

    def add(self, doc_id: int, raw: bytes | tuple[bytes, ...]) -> None:
        """Index a document's value: one string, or several (a JSON array), each split on the separator."""
        if isinstance(raw, bytes):
            tags = split_tags(raw, self.separator, self.casesensitive)
        else:
            tags = list(dict.fromkeys(t for value in raw for t in split_tags(value, self.separator, self.casesensitive)))
        if not tags:
            return
        shared = []
        for tag in tags:
            docs = self.values.get(tag)
            if docs is None:
                self.values[tag] = docs = Postings(tag)
            docs.add(doc_id)
            shared.append(docs.tag)
        self.doc_values[doc_id] = shared[0] if len(shared) == 1 else tuple(shared)

    def remove(self, doc_id: int) -> None:
        held = self.doc_values.pop(doc_id, None)
        if held is None:
            return
        for tag in (held,) if isinstance(held, bytes) else held:
            docs = self.values.get(tag)
            if docs is not None:
                docs.discard(doc_id)
                if not docs:
                    del self.values[tag]

    def fold(self, tag: bytes) -> bytes:
        return tag if self.casesensitive else _fold(tag)

    def match(self, tag: bytes, prefix: bool = False, suffix: bool = False, wildcard: bool = False,
              limit: int | None = None) -> set[int]:
        """The documents with ``tag``, or with the values a prefix, suffix, infix or wildcard pattern
        matches (at most ``limit`` of them, the first in byte order, as RediSearch's MAXPREFIXEXPANSIONS)."""
        t = self.fold(tag)
        if not prefix and not suffix and not wildcard:
            return set(self.values.get(t, ()))
        out: set[int] = set()
        for value in self.expand(t, prefix, suffix, wildcard, limit):
            out |= self.values[value]
        return out

    def expand(self, folded: bytes, prefix: bool, suffix: bool, wildcard: bool,
               limit: int | None = None) -> list[bytes]:
        """The values a pattern matches, in byte order, the first ``limit`` of them."""
        if wildcard:
            pattern = folded.decode("utf-8", "replace")
            found = [v for v in self.values if fnmatch.fnmatchcase(v.decode("utf-8", "replace"), pattern)]
        elif prefix and suffix:
            found = [v for v in self.values if folded in v]
        elif prefix:
            found = [v for v in self.values if v.startswith(folded)]
        else:
            found = [v for v in self.values if v.endswith(folded)]
        found.sort()
        return found if limit is None else found[:limit]

    def memory_bytes(self) -> int:
        return sum(len(v) * 16 + 48 for v in self.values.values())

