"""Synonym groups of an index (FT.SYNUPDATE) and the query-time expansion of a word through them.

RediSearch indexes a ``~<group id>`` record next to every word that belongs to a group, and expands a
query word to the ``~<group id>`` records of its groups. Expanding the word to the other words of its
groups at query time finds the same documents (except documents indexed before an FT.SYNUPDATE
SKIPINITIALSCAN, which RediSearch does not re-index).
"""

from __future__ import annotations

from collections.abc import Iterable

from redvector.search.fields.text import TextIndex

Groups = dict[bytes, list[bytes]]  # lower-cased term -> group ids, in insertion order


def add_group(groups: Groups, group_id: bytes, terms: Iterable[bytes]) -> None:
    for raw in terms:
        term = raw.decode("utf-8", "surrogateescape").lower().encode("utf-8", "surrogateescape")
        ids = groups.setdefault(term, [])
        if group_id not in ids:
            ids.append(group_id)


def synonyms_of(groups: Groups, word: str) -> list[str]:
    """The other words sharing a group with ``word`` (lower-case), in a stable order."""
    ids = groups.get(word.encode("utf-8", "surrogateescape"))
    if not ids:
        return []
    wanted = set(ids)
    return [t.decode("utf-8", "surrogateescape") for t, g in groups.items()
            if t.decode("utf-8", "surrogateescape") != word and wanted.intersection(g)]


def expansion_labels(groups: Groups, word: str) -> list[str]:
    """FT.EXPLAIN's ``~<group id>`` lines for a word."""
    return ["~" + g.decode("utf-8", "surrogateescape") for g in groups.get(word.encode("utf-8", "surrogateescape"), [])]


def group_records(text: TextIndex, groups: Groups, word: str, fields: frozenset[bytes] | None,
                  weights: dict[bytes, float]) -> list[tuple[dict[int, float], int]]:
    """BM25STD's ``~<group id>`` records for a query word: per group of the word, the occurrences of the
    group's words (RediSearch indexes one such record next to each of them)."""
    records = []
    for gid in groups.get(word.encode("utf-8", "surrogateescape"), []):
        words = [t.decode("utf-8", "surrogateescape") for t, ids in groups.items() if gid in ids]
        record = text._record(words, fields, frozenset(), weights, weighted=True)
        if record is not None:
            records.append(record)
    return records
