"""TAG fields: exact-match values split on a separator, lower-cased unless CASESENSITIVE."""

from __future__ import annotations

import fnmatch


def split_tags(value: bytes, separator: bytes, casesensitive: bool) -> list[bytes]:
    """RediSearch: split on the separator, trim whitespace, drop empty tags, fold case."""
    out = []
    for part in value.split(separator):
        tag = part.strip()
        if not tag:
            continue
        out.append(tag if casesensitive else tag.decode("utf-8", "replace").lower().encode())
    return out


class TagIndex:
    """value -> doc ids, and each doc's values (to remove it)."""

    def __init__(self, separator: bytes = b",", casesensitive: bool = False) -> None:
        self.separator = separator
        self.casesensitive = casesensitive
        self.values: dict[bytes, set[int]] = {}
        self.doc_values: dict[int, list[bytes]] = {}

    def __len__(self) -> int:
        return len(self.doc_values)

    def add(self, doc_id: int, raw: bytes) -> None:
        tags = split_tags(raw, self.separator, self.casesensitive)
        if not tags:
            return
        self.doc_values[doc_id] = tags
        for tag in tags:
            self.values.setdefault(tag, set()).add(doc_id)

    def remove(self, doc_id: int) -> None:
        for tag in self.doc_values.pop(doc_id, ()):
            docs = self.values.get(tag)
            if docs is not None:
                docs.discard(doc_id)
                if not docs:
                    del self.values[tag]

    def fold(self, tag: bytes) -> bytes:
        return tag if self.casesensitive else tag.decode("utf-8", "replace").lower().encode()

    def match(self, tag: bytes, prefix: bool = False, suffix: bool = False, wildcard: bool = False) -> set[int]:
        t = self.fold(tag)
        if wildcard:
            pattern = t.decode("utf-8", "replace")
            out: set[int] = set()
            for value, docs in self.values.items():
                if fnmatch.fnmatchcase(value.decode("utf-8", "replace"), pattern):
                    out |= docs
            return out
        if not prefix and not suffix:
            return set(self.values.get(t, ()))
        out = set()
        for value, docs in self.values.items():
            if (prefix and suffix and t in value) or (prefix and not suffix and value.startswith(t)) or \
                    (suffix and not prefix and value.endswith(t)):
                out |= docs
        return out

    def memory_bytes(self) -> int:
        return sum(len(v) * 16 + 48 for v in self.values.values())
