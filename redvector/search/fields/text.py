"""Full text: a positional inverted index with stop words, stem records and BM25STD/TFIDF figures.

One inverted index covers every TEXT field of an index, as RediSearch keeps one index with field masks:
per word, its occurrences as packed records (doc id, position, field code, each as narrow as the values
allow; WordPostings), and per document, its words (a forward array of 2-byte word ids or 4-byte word id
and field code entries, for removal and TFIDF's maxFreq). Indexing appends a field's word ids to its
document's forward array and notes the call; the next read sorts the batch's occurrences into the words'
records at once (_settle). Readers get numpy arrays.
Stemming happens at query-expansion time: a query term matches every indexed term with the same stem
(RediSearch indexes ``+stem`` entries for the same effect).
"""

from __future__ import annotations

import itertools
import math
import re
import struct
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import filterfalse
from typing import Any, cast

import numpy as np
from sortedcontainers import SortedList

from redvector.search.arrays import distinct, grouped_counts, grouped_sums, run_starts
from redvector.search.fields.numbering import Numbering
from redvector.search.fields.phonetic import PREFIX as PHONETIC_PREFIX
from redvector.search.fields.phonetic import index_terms as phonetic_terms
from redvector.search.fields.postings import (
    ALIVE,
    NEVER,
    NO_IDS,
    REMOVED,
    WordPostings,
    as_numpy,
    record_type,
    wide_enough,
)
from redvector.search.fields.tokens import fuzzy_matches, tokenize
from redvector.search.fields.tokens import stem as snowball_stem

# TextIndex keeps arrays derived from at most this many occurrences (~20 bytes each: 80 MB)
ARRAY_CACHE_OCCURRENCES = 4_000_000
COUNTS_KEPT_WORDS = 4096  # words whose per-document counts _word_counts keeps (cleared past it)
# occurrences indexed before they are sorted into the words' arrays even if nothing reads them
SETTLE_BATCH = 1 << 21
# an add() call with fewer words keeps their ids in the pending arrays too; a longer one's are read back
# from its document's forward array when they settle (one Python step for many words)
INLINE_WORDS = 32
BM25_K1 = 1.2000000476837158  # RediSearch's k1 is a C float: 1.2 rounded to float32 (both BM25 scorers)
BM25_B = 0.5  # RediSearch 2.10 (default.c; FT.SEARCH ... EXPLAINSCORE shows it), not the textbook 0.75

def _f32(x: float) -> float:
    """x rounded to the nearest float32 (C float arithmetic)."""
    return _FLOAT32.unpack(_FLOAT32.pack(x))[0]


_FLOAT32 = struct.Struct("f")

# A forward entry packs a word id and a field code: 128 TEXT fields at most (schema.MAX_TEXT_FIELDS) fit
# in the low 8 bits, and word ids below WIDE_WORD_ID keep an entry in 4 bytes. A document whose words are
# all in field code 0 (the first TEXT field) with ids below NARROW_WORD_ID keeps only the word ids, in 2
# bytes each ("H"); the array is widened when a word or a field does not fit, never wrapped.
FIELD_BITS = 8
FIELD_MASK = (1 << FIELD_BITS) - 1
WIDE_WORD_ID = 1 << (32 - FIELD_BITS)
NARROW_WORD_ID = 1 << 16
_FORWARD_RANK = {"H": 0, "I": 1, "q": 2}


def _entries(forward: array[int]) -> np.ndarray:
    """A forward array's entries (word id << FIELD_BITS | field code) as int64: its buffer is 2-byte word
    ids ("H", field code 0), 4-byte entries ("I") or, past WIDE_WORD_ID, 8-byte ones ("q")."""
    if forward.typecode == "H":
        return as_numpy(forward, np.uint16) << FIELD_BITS
    return as_numpy(forward, np.uint32 if forward.typecode == "I" else np.int64)


def _retyped(forward: array[int], typecode: str) -> array[int]:
    """A forward array in a wider typecode, its entries kept."""
    return array(typecode, _entries(forward).astype(np.uint32 if typecode == "I" else np.int64).tobytes())


def stem(word: str, language: str | None, remember: bool = True) -> str:
    """tokens.stem, except that a phonetic term (``<CODE``) is its own stem: it has no +stem record."""
    return word if word.startswith(PHONETIC_PREFIX) else snowball_stem(word, language, remember)


def _unrolled(runs: np.ndarray, extra_positions: array[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pending occurrences' (doc ids, positions, field codes) from their add() calls' runs (rows of doc
    id, field code, occurrences, first position, occurrences at consecutive positions, ...; the others take
    ``extra_positions`` in order)."""
    if len(runs) == 1:  # (one field of one document: a write's settle)
        doc_id, code, count, first, consecutive = runs[0, :5].tolist()
        positions = np.arange(first, first + count, dtype=np.int32)
        if count > consecutive:
            positions[consecutive:] = as_numpy(extra_positions, np.int32, np.int32)
        return np.full(count, doc_id, dtype=np.int32), positions, np.full(count, code, dtype=np.int32)
    counts = runs[:, 2]
    docs = np.repeat(runs[:, 0].astype(np.int32), counts)
    codes = np.repeat(runs[:, 1].astype(np.int32), counts)
    run_start = np.repeat(np.cumsum(counts) - counts, counts)
    within = np.arange(len(docs), dtype=np.int64) - run_start
    positions = (np.repeat(runs[:, 3], counts) + within).astype(np.int32)
    if len(extra_positions):
        positions[within >= np.repeat(runs[:, 4], counts)] = as_numpy(extra_positions, np.int32, np.int32)
    return docs, positions, codes


@dataclass(slots=True)
class _KeptCounts:
    """A word's per-document counts as TextIndex._word_counts last left them."""

    postings: WordPostings  # the word's postings object they were counted from
    entries: int  # its entries counted
    ids: np.ndarray  # doc ids ascending
    counts: np.ndarray  # the word's occurrences in each
    code: int  # the one field they are in
    compactions: int  # postings.compactions then
    changed: int  # postings.changed then

    def update(self, postings: WordPostings, state: np.ndarray) -> tuple[np.ndarray, np.ndarray, int] | None:
        """The counts with the entries appended since and without the documents removed since; None when
        the new entries are in another field or not past the counted documents."""
        ids, counts = self.ids, self.counts
        if self.entries < postings.entries:
            if np.any(postings.codes(self.entries) != self.code):
                return None
            new_ids, new_counts = grouped_counts(postings.doc_ids(self.entries))
            if len(ids) and new_ids[0] <= ids[-1]:
                return None
            ids, counts = np.concatenate((ids, new_ids)), np.concatenate((counts, new_counts))
        alive = state[ids] == ALIVE
        if not alive.all():
            ids, counts = ids[alive], counts[alive]
        return ids, counts, self.code


class TextIndex:
    """RediSearch's full-text index for one search index: every word's occurrences (WordPostings), each
    document's words (a forward array: word ids, or word id << 8 | field code, per occurrence; _entries),
    per-doc lengths for BM25, stem -> words for query expansion. Readers get numpy arrays (occurrences,
    record_arrays), kept until a document with the word changes."""

    def __init__(self, stopwords: frozenset[str], language: str | None = None) -> None:
        self.stopwords = stopwords
        self.language = language
        self._terms: dict[str, WordPostings] = {}  # the words some document holds now (terms)
        self._ordered = SortedList()  # the same words in order: prefixes read a range of it
        # the same words by length (fuzzy matching reads only the lengths within its distance), built on
        # demand and kept while no word comes or goes: (self._word_set_changes when built, buckets)
        self._word_set_changes = 0
        self._by_length: tuple[int, dict[int, list[str]]] = (-1, {})
        self._counts_kept: dict[str, _KeptCounts] = {}  # word -> its per-document counts (_word_counts)
        self.total_len = 0.0
        self._stems: dict[str, tuple[str, ...]] = {}  # stem -> the words with it (stems)
        self._num_records = 0  # (word, document) pairs (num_records)
        # occurrences added since the last read, sorted into the words' arrays at once (_settle): per add()
        # call, (doc id, field code, occurrences, first position, occurrences at consecutive positions from
        # it, where its word ids start in the document's forward array, or -1 when they are in the next:
        # INLINE_WORDS); the positions of the others (phonetic terms); the word ids of the short calls; the
        # documents they belong to, and how many they are
        self._pending = (array("i"), array("i"), array("i"))
        self._pending_count = 0
        self._pending_docs: set[int] = set()
        self._split_docs: dict[int, set[int]] = {}  # a document indexed across a settle: its words before
        self._changes = 0  # add/remove calls
        self._stem_docs: dict[str, int] = {}  # stem -> documents in its +stem record (stem_record_docs)
        self._nostem_codes: list[int] = []  # codes of the NOSTEM fields (their words write no stem)
        # occurrences' and record_arrays' arrays: key -> (self._changes when built, arrays, occurrences
        # held); their sizes in all
        self._arrays: dict[tuple[Any, ...], tuple[int, Any, int]] = {}
        self._arrays_size = 0
        self._fields: Numbering[bytes] = Numbering(b"")
        self.field_codes = self._fields.numbers  # TEXT field name -> its number in occurrences()
        self.field_names = self._fields.values  # and back
        # word -> its number in the forward arrays, and back; a word no document holds any more is forgotten
        # (its number goes to the next new word), so the vocabulary follows the documents
        self._vocabulary: Numbering[str] = Numbering("")
        self._vocab = self._vocabulary.numbers
        self._words = self._vocabulary.values
        self._forgotten_at = 0  # the change at which a word was last forgotten (see _unchanged_since)
        # doc id -> per occurrence, its word id (2 bytes: "H", field code 0, ids below NARROW_WORD_ID), or
        # word id << FIELD_BITS | field code (4 bytes: "I"; 8: "q", past 16M words)
        self._forward: dict[int, array[int]] = {}
        self._occurrences = 0  # entries held in every WordPostings (memory_bytes)
        self._lengths = np.zeros(0)  # each document's text length by doc id (doc_len_array), 0 without text
        self._state = np.zeros(0, dtype=np.int8)  # by doc id: NEVER, ALIVE or REMOVED
        self._max_freqs: dict[int, float] = {}  # max_freq's answers, dropped as documents change
        self._max_freq_key: tuple[Any, ...] = ()
        # max_freq_array: (its key, maxFreq by doc id, the documents changed since it was filled)
        self._max_freq_array: tuple[tuple[Any, ...], np.ndarray] | None = None
        self._max_freq_changed: set[int] = set()

    def __len__(self) -> int:
        """The documents with a TEXT field (each has a forward array, empty when it holds no words)."""
        return len(self._forward)

    @property
    def terms(self) -> dict[str, WordPostings]:
        """word -> its occurrences, for the words some document holds (read it, do not change it)."""
        self._settle()
        return self._terms

    @property
    def stems(self) -> dict[str, tuple[str, ...]]:
        """stem -> the indexed words with that stem (read it, do not change it)."""
        self._settle()
        return self._stems

    @property
    def num_records(self) -> int:
        """(word, document) pairs: RediSearch's inverted-index records of the words."""
        self._settle()
        return self._num_records

    def _settle(self) -> None:
        """Sort the occurrences added since the last read into their words' arrays, all at once: the
        per-word work of indexing runs here once per batch of documents instead of once per document."""
        if not self._pending_docs:
            return
        runs_buf, extra_buf, inline_buf = self._pending
        self._pending, self._pending_count = (array("i"), array("i"), array("i")), 0
        self._pending_docs = set()
        split, self._split_docs = self._split_docs, {}
        runs = as_numpy(runs_buf, np.int32).reshape(-1, 6)
        wids = self._pending_words(runs, inline_buf)
        docs, positions, codes = _unrolled(runs, extra_buf)
        del runs_buf, extra_buf, inline_buf, runs
        # a word's occurrences stay in the order they came (a stable sort: radix on 2-byte word ids)
        order = np.argsort(wids.astype(np.uint16) if len(self._words) <= NARROW_WORD_ID else wids, kind="stable")
        wids, docs, positions, codes = wids[order], docs[order], positions[order], codes[order]
        del order
        first = np.ones(len(wids), dtype=bool)  # a word's first occurrence in a document
        first[1:] = (wids[1:] != wids[:-1]) | (docs[1:] != docs[:-1])
        if split:  # words a document held before this batch are no new records
            for i in np.flatnonzero(first & np.isin(docs, list(split))).tolist():
                if int(wids[i]) in split[int(docs[i])]:
                    first[i] = False
        starts = run_starts(wids)
        ends = np.append(starts[1:], len(wids))
        new_docs = np.add.reduceat(first, starts) if len(starts) else starts
        unordered = np.zeros(len(wids), dtype=bool)
        unordered[1:] = docs[1:] < docs[:-1]
        unordered[starts] = False  # (a run's first entry follows another word's last: no order to keep)
        unordered_runs = np.add.reduceat(unordered, starts) if len(starts) else starts
        run_last = np.maximum.reduceat(docs, starts) if len(starts) else starts
        # a word's entries in one field are appended with that code alone (no code array while they all are)
        if not len(codes) or int(codes.min()) == int(codes.max()):
            code_lo = np.full(len(starts), codes[0] if len(codes) else 0, dtype=np.int32)
            mixed = np.zeros(len(starts), dtype=bool)
        else:
            code_lo = np.minimum.reduceat(codes, starts)
            mixed = np.maximum.reduceat(codes, starts) != code_lo
        self._num_records += int(first.sum())
        terms, stems, changes, names = self._terms, self._stems, self._changes, self._words
        language = self.language
        roots: list[str | None] = []
        new_terms: list[str] = []
        # the batch's records packed at once in the narrowest layout all of them fit (every word in one field
        # but some takes its slice of them as they are: WordPostings.extend_packed)
        layout = wide_enough("H", int(run_last.max()) if len(starts) else 0)
        layout += wide_enough("B", int(positions.max()) if len(starts) else 0)
        packed = np.empty(len(docs), dtype=record_type(layout))
        packed["d"], packed["p"] = docs, positions
        packed_bytes, width = packed.view(np.uint8), packed.dtype.itemsize
        del packed
        columns = (wids[starts], starts, ends, docs[starts], unordered_runs, run_last, new_docs, code_lo, mixed)
        # the words' runs a slice at a time: the Python ints of a slice are freed before the next one's are
        # made, not left between the words' new arrays (which would keep the allocator's pages in use)
        word_runs: Iterable[tuple[Any, ...]] = itertools.chain.from_iterable(
            zip(*(column[i:i + 1024].tolist() for column in columns), strict=True)
            for i in range(0, len(starts), 1024))
        for wid, a, b, first_doc, unordered_run, last, added, code, several in word_runs:
            word = names[wid]
            postings = terms.get(word)
            if postings is None:
                # (its stem kept with it, not in the bounded stem cache, which stays for query words)
                root = stem(word, language, remember=False)
                if root == word:
                    root = word  # (the one string object, as the stems key too)
                postings = terms[word] = WordPostings(root if root != word else None)
                new_terms.append(word)
                stems[root] = (*stems.get(root, ()), word)  # (a tuple: most stems have one word)
            if postings.last > first_doc or unordered_run:
                postings.ordered = False
            postings.last = max(postings.last, last)
            if several or not postings.extend_packed(layout, code, packed_bytes[a * width:b * width]):
                postings.extend(docs[a:b], positions[a:b], code, codes[a:b] if several else None, last)
            postings.ndocs += added
            postings.changed = changes
            roots.append(postings.root)
        self._ordered.update(new_terms)
        if new_terms:
            self._word_set_changes += 1
        # +stem record counts: each document once per stem its new words have other than themselves
        root_names = sorted({r for r in roots if r is not None})
        if root_names:
            root_ids = {r: i for i, r in enumerate(root_names)}
            run_root = np.array([root_ids[r] if r is not None else -1 for r in roots], dtype=np.int64)
            # a word's first occurrence in each document; in a NOSTEM field no stem is written: then its
            # occurrences in the other fields
            pairs = np.flatnonzero(~np.isin(codes, self._nostem_codes)) if self._nostem_codes else np.flatnonzero(first)
            rids = run_root[np.searchsorted(starts, pairs, side="right") - 1]
            keep = rids >= 0
            keys = distinct((rids[keep] << 32) | docs[pairs[keep]].astype(np.int64))
            if split:  # a stem a document's earlier words already counted is not counted again
                before = {(root_ids.get(self._root_of(names[w]), -1), d) for d, had in split.items() for w in had
                          if self._root_of(names[w]) != names[w]}
                keys = np.array([k for k in keys.tolist() if (k >> 32, k & 0xFFFFFFFF) not in before], dtype=np.int64)
            counts_by_root = grouped_counts(keys >> 32)
            stem_docs = self._stem_docs
            for rid, count in zip(counts_by_root[0].tolist(), counts_by_root[1].tolist(), strict=True):
                stem_docs[root_names[rid]] = stem_docs.get(root_names[rid], 0) + count

    def _pending_words(self, runs: np.ndarray, inline: array[int]) -> np.ndarray:
        """The word ids of the pending add() calls (``runs``): a short call's from ``inline`` (theirs, in
        order), a long one's read back from its document's forward array (a view, no copy: a settle's
        small temporaries would otherwise sit in the heap under the words' new records)."""
        counts = runs[:, 2]
        short = runs[:, 5] < 0
        if short.all():
            return as_numpy(inline, np.int32, np.int32)
        wids = np.empty(int(counts.sum()), dtype=np.int32)
        if short.any():
            wids[np.repeat(short, counts)] = as_numpy(inline, np.int32, np.int32)
        forwards = self._forward
        ats = np.cumsum(counts) - counts
        for doc_id, count, start, at in np.column_stack((runs[:, [0, 2, 5]], ats))[~short].tolist():
            forward = forwards[doc_id]
            if forward.typecode == "H":
                wids[at:at + count] = np.frombuffer(forward, dtype=np.uint16, count=count, offset=2 * start)
            else:
                wids[at:at + count] = _entries(forward)[start:start + count] >> FIELD_BITS
        return wids

    def add(self, doc_id: int, field_name: bytes, text: str, start_pos: int, weight: float = 1.0,
            phonetic: bool = False, nostem: bool = False) -> int:
        """Index one field's text for doc_id; returns the next free position (positions are per doc).
        The document's length (BM25) grows by the field's weight per indexed token, stop words left out
        (RediSearch gives them no position: "a the b" has a, b adjacent). A ``phonetic`` field's words
        are indexed with their phonetic terms too, at the same positions (fields/phonetic.py); those
        add nothing to the length."""
        stopwords = self.stopwords
        tokens = list(filterfalse(stopwords.__contains__, tokenize(text))) if stopwords else tokenize(text)
        words = tokens
        if phonetic and tokens:
            extra = [(code, i) for i, t in enumerate(tokens) for code in phonetic_terms(t)]
            words = tokens + [code for code, _ in extra]
        self._changes += 1
        self._max_freqs.pop(doc_id, None)
        if self._max_freq_array is not None:
            self._max_freq_changed.add(doc_id)
        self._grow(doc_id)
        if self._state[doc_id] == REMOVED:  # a doc id indexed again: its old occurrences go first
            self._purge()
        self._state[doc_id] = ALIVE
        code = self._field_code(field_name)
        if nostem and code not in self._nostem_codes:
            self._nostem_codes.append(code)
        forward = self._forward.get(doc_id)
        if forward is None:
            forward = self._forward[doc_id] = array("H")
        elif forward and doc_id not in self._pending_docs:  # its other fields were settled already
            self._split_docs[doc_id] = set((_entries(forward) >> FIELD_BITS).tolist())
        if words:
            known = list(map(self._vocab.get, words))
            if None in known:  # words never seen: numbered now, indexed when the batch settles
                wids = [w if w is not None else self._word_id(t) for w, t in zip(known, words, strict=True)]
            else:
                wids = cast(list[int], known)
            runs, extra_positions, inline = self._pending
            if len(wids) < INLINE_WORDS:
                inline.extend(wids)
            runs.extend((doc_id, code, len(wids), start_pos + 1, len(tokens),
                         len(forward) if len(wids) >= INLINE_WORDS else -1))
            if len(wids) > len(tokens):
                extra_positions.extend([start_pos + 1 + i for _, i in extra])
            self._pending_docs.add(doc_id)
            self._pending_count += len(wids)
            top = max(wids)
            typecode = "q" if top >= WIDE_WORD_ID else "I" if code or top >= NARROW_WORD_ID else "H"
            if _FORWARD_RANK[typecode] > _FORWARD_RANK[forward.typecode]:
                forward = self._forward[doc_id] = _retyped(forward, typecode)
            if forward.typecode == "H":
                forward.extend(wids)
            else:
                forward.extend([(w << FIELD_BITS) | code for w in wids])
            if self._pending_count >= SETTLE_BATCH:  # (bounds the memory a settle needs for its sort)
                self._settle()
        self._occurrences += len(words)
        added = len(tokens) * weight
        self.total_len += added
        self._lengths[doc_id] += added
        return start_pos + len(tokens)

    def _grow(self, doc_id: int) -> None:
        if doc_id >= len(self._lengths):
            size = max(doc_id + 1, 2 * len(self._lengths), 1024)
            grown = np.zeros(size)
            grown[:len(self._lengths)] = self._lengths
            self._lengths = grown
            state = np.zeros(size, dtype=np.int8)
            state[:len(self._state)] = self._state
            self._state = state

    def _word_id(self, word: str) -> int:
        return self._vocabulary.number(word)

    def _forget(self, word: str) -> None:
        """A word the last document holding it lost: out of the vocabulary (remove() settles first, so no
        pending occurrence and no live document's forward array has its number)."""
        self._vocabulary.release(word)
        self._counts_kept.pop(word, None)
        self._forgotten_at = self._changes

    def _field_code(self, name: bytes) -> int:
        return self._fields.number(name)

    def remove(self, doc_id: int) -> None:
        self._settle()
        self._changes += 1
        self._max_freqs.pop(doc_id, None)
        if self._max_freq_array is not None:
            self._max_freq_changed.add(doc_id)
        if doc_id < len(self._lengths):
            self.total_len -= float(self._lengths[doc_id])
            self._lengths[doc_id] = 0.0
        forward = self._forward.pop(doc_id, None)
        if forward is None:
            return
        self._state[doc_id] = REMOVED
        entries = _entries(forward)
        word_ids, counts = grouped_counts(np.sort(entries >> FIELD_BITS))
        if self._nostem_codes:  # the words written in a NOSTEM field only have no +stem record there
            entries = entries[~np.isin(entries & FIELD_MASK, self._nostem_codes)]
        self._uncount_stems([self._words[w] for w in distinct(np.sort(entries >> FIELD_BITS)).tolist()])
        for wid, count in zip(word_ids.tolist(), counts.tolist(), strict=True):
            term = self._words[wid]
            postings = self._terms.get(term)
            if postings is None:
                continue
            postings.changed = self._changes
            postings.ndocs -= 1
            postings.dead += count
            self._num_records -= 1
            if not postings.ndocs:
                self._occurrences -= postings.entries
                del self._terms[term]
                self._ordered.remove(term)
                self._word_set_changes += 1
                self._forget(term)
                st = postings.root or term
                rest = tuple(w for w in self._stems.get(st, ()) if w != term)
                if rest:
                    self._stems[st] = rest
                else:
                    self._stems.pop(st, None)
            elif postings.dead * 2 > postings.entries:
                self._occurrences -= postings.compact(self._state)

    def _purge(self) -> None:
        """Drop every removed document's occurrences (before a doc id is used again)."""
        for postings in self.terms.values():  # (settled first)
            if postings.dead:
                self._occurrences -= postings.compact(self._state)
        self._state[self._state == REMOVED] = NEVER

    def doc_words(self, doc_id: int) -> frozenset[str]:
        """The words document ``doc_id`` holds."""
        forward = self._forward.get(doc_id)
        if not forward:
            return frozenset()
        words = self._words
        return frozenset(words[w] for w in distinct(np.sort(_entries(forward) >> FIELD_BITS)).tolist())

    def doc_words_by_field(self, doc_id: int) -> dict[bytes, set[str]]:
        """field name -> the words document ``doc_id`` holds in it."""
        forward = self._forward.get(doc_id)
        out: dict[bytes, set[str]] = {}
        if not forward:
            return out
        entries = distinct(np.sort(_entries(forward)))
        words, names = self._words, self.field_names
        for entry in entries.tolist():
            out.setdefault(names[entry & FIELD_MASK], set()).add(words[entry >> FIELD_BITS])
        return out

    def positions(self, word: str, doc_id: int) -> dict[bytes, list[int]]:
        """field name -> positions of ``word`` in document ``doc_id`` (empty when it has none)."""
        docs, positions, codes = self.occurrences(word)
        lo = int(docs.searchsorted(doc_id))
        hi = int(docs.searchsorted(doc_id, "right"))
        out: dict[bytes, list[int]] = {}
        names = self.field_names
        for p, c in zip(positions[lo:hi].tolist(), codes[lo:hi].tolist(), strict=True):
            held = out.get(names[c])
            if held is None:
                out[names[c]] = [p]
            else:
                held.append(p)
        return out

    def doc_ids(self, word: str) -> np.ndarray:
        """The documents holding ``word``, ascending."""
        docs = self.occurrences(word)[0]
        if not len(docs):
            return docs
        return docs[np.concatenate([[True], docs[1:] != docs[:-1]])]

    def stem_record_docs(self) -> dict[str, int]:
        """stem -> documents in its ``+stem`` record: RediSearch keeps such a record for every word whose
        stem differs from it (FT.INFO counts them in num_terms and num_records; FT.SPELLCHECK suggests
        them). Counted as documents come and go (a view: read it, do not keep it)."""
        self._settle()
        return self._stem_docs

    def _root_of(self, word: str) -> str:
        """The word's stem: kept with its postings for an indexed word."""
        postings = self._terms.get(word)
        if postings is not None:
            return postings.root or word
        return stem(word, self.language)

    def _uncount_stems(self, words: list[str]) -> None:
        """A removed document's words: one document less in the +stem record of each stem they have
        other than themselves."""
        counts = self._stem_docs
        for root in {root for word in words if (root := self._root_of(word)) != word}:
            left = counts.get(root, 0) - 1
            if left > 0:
                counts[root] = left
            else:
                counts.pop(root, None)

    def stem_records(self) -> tuple[int, int]:
        """(``+stem`` entries, their records), as FT.INFO counts them."""
        counts = self.stem_record_docs()
        return len(counts), sum(counts.values())

    # -- query-time expansion ---------------------------------------------------------------------------
    def expand(self, term: str, use_stem: bool) -> list[tuple[str, bool]]:
        """Indexed terms matching ``term``: itself, and (unless verbatim) those with the same stem.
        Each is paired with whether it is an exact match (NOSTEM fields accept only exact ones)."""
        out = [(term, True)] if term in self.terms else []
        if use_stem:
            for t in self.stems.get(stem(term, self.language), ()):
                if t != term:
                    out.append((t, False))
        return out

    def prefix(self, prefix: str, limit: int | None = None) -> list[str]:
        """The indexed words starting with ``prefix``, in order (the first ``limit`` of them): a range of
        the ordered words, however large the vocabulary."""
        self._settle()
        found = itertools.takewhile(lambda t: t.startswith(prefix), self._ordered.irange(minimum=prefix))
        return list(found if limit is None else itertools.islice(found, limit))

    def suffix(self, suffix: str) -> list[str]:
        return [t for t in self.terms if t.endswith(suffix)]

    def contains(self, infix: str) -> list[str]:
        return [t for t in self.terms if infix in t]

    def fuzzy(self, term: str, distance: int) -> list[str]:
        """The words within ``distance`` edits of ``term``: only those whose length is within ``distance``
        of its own can be (an edit changes the length by one at most)."""
        terms = self.terms  # (settled first)
        built_at, buckets = self._by_length
        if built_at != self._word_set_changes:
            buckets = {}
            for word in terms:
                buckets.setdefault(len(word), []).append(word)
            self._by_length = (self._word_set_changes, buckets)
        found: list[str] = []
        for length in range(max(0, len(term) - distance), len(term) + distance + 1):
            words = buckets.get(length)
            if words:
                found.extend(words[i] for i in fuzzy_matches(term, words, distance))
        return found

    def wildcard(self, pattern: str) -> list[str]:
        rx = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + r"\Z")
        return [t for t in self.terms if rx.match(t)]

    # -- scoring ------------------------------------------------------------------------------------------
    def idf(self, num_docs: int, docs_with_term: int) -> float:
        """BM25STD's IDF, log(1 + (N - n + 0.5) / (n + 0.5)), with RediSearch's float arithmetic inside
        the log (its constants are C floats, so the sums and the quotient are float32)."""
        quotient = _f32(_f32(num_docs - docs_with_term + 0.5) / _f32(docs_with_term + 0.5))
        return math.log(_f32(1.0 + quotient))

    @staticmethod
    def tfidf_idf(num_docs: int, docs_with_term: int) -> float:
        """TFIDF's (and SCORER BM25's) IDF in RediSearch: logb(1 + N / n), the binary exponent (default.c),
        where N is the document table's size: one more than the ``num_docs`` documents, since doc id 0 is
        never used (8 documents, a word in 3: logb(1 + 9 / 3) = 2 in Redis Stack, not 1)."""
        return float(math.floor(math.log2(1 + (num_docs + 1) / (docs_with_term or 1))))

    def avg_doc_len(self, num_docs: int) -> float:
        """RediSearch's avgDocLen: the text length of all documents over all the index's documents,
        those without text included."""
        return self.total_len / num_docs if num_docs else 0.0

    def bm25(self, tf: float, doc_id: int, idf: float, num_docs: int) -> float:
        return self.bm25_for_length(tf, self.doc_length(doc_id), idf, num_docs)

    def doc_length(self, doc_id: int) -> float:
        """The document's text length (BM25's dl): its indexed tokens, each weighted by its field."""
        return float(self._lengths[doc_id]) if doc_id < len(self._lengths) else 0.0

    def bm25std_terms(self, num_docs: int) -> tuple[float, float] | None:
        """BM25STD = idf x tf x (k1 + 1) / (tf + base + slope x dl), dl the document's text length:
        (base, slope) in an index of ``num_docs``; None in an index without text, where C's 0 / 0 makes
        every BM25STD figure nan, as in RediSearch. The one place the formula's constants live."""
        avg = self.avg_doc_len(num_docs)
        if not avg:
            return None
        return BM25_K1 * (1 - BM25_B), BM25_K1 * BM25_B / avg

    def bm25_for_length(self, tf: float, dl: float, idf: float, num_docs: int) -> float:
        """BM25STD of a frequency in a document of weighted length ``dl``, in an index of ``num_docs``."""
        terms = self.bm25std_terms(num_docs)
        if terms is None:
            return math.nan
        base, slope = terms
        return idf * tf * (BM25_K1 + 1) / (tf + base + slope * dl)

    def bm25_classic(self, tf: float, idf: float, num_docs: int) -> float:
        """RediSearch's older BM25 scorer (SCORER BM25) for one record: idf x tf / (tf + k1 x (1 - b + b x
        avgDocLen)). It uses the average length where BM25STD uses the document's over the average (as
        default.c has it), so it does not depend on the document; a record without a term (a tag, a range,
        ``*``) has IDF 1."""
        denom = tf + BM25_K1 * (1 - BM25_B + BM25_B * self.avg_doc_len(num_docs))
        return idf * tf / denom if denom else 0.0

    def tfidf(self, tf: float, doc_id: int, idf: float) -> float:
        return tf * idf

    def max_freq(self, doc_id: int, weights: dict[bytes, float], nostem_fields: frozenset[bytes]) -> float:
        """RediSearch's maxFreq of a document (TFIDF's norm): the largest record frequency it has, a word's
        occurrences weighted by their fields, or a stem record's (``+stem``: the other words with that stem,
        one per occurrence). Remembered until the document changes."""
        key = (tuple(sorted(weights.items())), nostem_fields)
        if key != self._max_freq_key:
            self._max_freq_key, self._max_freqs = key, {}
        known = self._max_freqs.get(doc_id)
        if known is None:
            known = self._max_freqs[doc_id] = self._compute_max_freq(doc_id, weights, nostem_fields)
        return known

    def max_freq_array(self, weights: dict[bytes, float], nostem_fields: frozenset[bytes]) -> np.ndarray:
        """max_freq of every document by doc id (0 without text), refreshed for the documents changed
        since (a view: read it, do not keep it). Filled word by word from the occurrence arrays."""
        key = (tuple(sorted(weights.items())), nostem_fields)
        held = self._max_freq_array
        if held is None or held[0] != key:
            array_ = np.zeros(len(self._lengths))
            by_code = self._weight_by_code(weights)
            # weights with few binary digits add up exactly in any order, so runs may be summed directly
            exact = all((w * 1024).is_integer() and abs(w) < 1 << 20 for w in by_code.tolist())
            for word, postings in self.terms.items():
                if exact and postings.ordered and not postings.dead and postings.entries:
                    docs = postings.doc_ids(out=np.int32)
                    starts = run_starts(docs)
                    figures = by_code[postings.codes()]
                    np.maximum.at(array_, docs[starts], np.add.reduceat(figures, starts))
                    continue
                ids, freqs = self._frequencies([word], frozenset(), weights, True, cache=False)
                np.maximum.at(array_, ids, freqs)
            skip = self._codes(nostem_fields)
            for root, group in self.stems.items():  # a +stem record: one per occurrence outside NOSTEM fields
                parts = []
                for word in group:
                    other = self.terms.get(word)
                    if word == root or other is None:
                        continue
                    if other.dead or skip:
                        docs, _, codes = other.live(self._state)
                        parts.append(docs[~np.isin(codes, skip)] if skip else docs)
                    else:
                        parts.append(other.doc_ids())
                if parts:
                    ids, counts = grouped_counts(np.sort(np.concatenate(parts)))
                    np.maximum.at(array_, ids, counts)
        else:
            array_ = held[1]
            if len(array_) < len(self._lengths):
                array_ = np.concatenate([array_, np.zeros(len(self._lengths) - len(array_))])
            for doc_id in self._max_freq_changed:
                array_[doc_id] = self.max_freq(doc_id, weights, nostem_fields) if doc_id in self._forward else 0.0
        self._max_freq_changed = set()
        self._max_freq_array = (key, array_)
        return array_

    def _compute_max_freq(self, doc_id: int, weights: dict[bytes, float], nostem_fields: frozenset[bytes]) -> float:
        forward = self._forward.get(doc_id)
        if not forward:
            return 0.0
        keys, counts = grouped_counts(np.sort(_entries(forward)))  # per (word, field)
        word_ids, codes = keys >> FIELD_BITS, keys & FIELD_MASK
        best = float(grouped_sums(word_ids, counts * self._weight_by_code(weights)[codes])[1].max())
        skip = self._codes(nostem_fields)
        stems: dict[str, float] = {}
        words = self._words
        for wid, code, count in zip(word_ids.tolist(), codes.tolist(), counts.tolist(), strict=True):
            word = words[wid]
            root = self._root_of(word)
            if root != word and code not in skip:
                stems[root] = stems.get(root, 0.0) + count
        return max(best, max(stems.values(), default=0.0))

    def _weight_by_code(self, weights: dict[bytes, float]) -> np.ndarray:
        return np.array([weights.get(name, 1.0) for name in self.field_names] or [1.0])

    def _codes(self, fields: Iterable[bytes]) -> list[int]:
        codes = self.field_codes
        return [codes[f] for f in fields if f in codes]

    def term_docs(self, terms: Iterable[tuple[str, bool]], fields: frozenset[bytes] | None,
                  nostem_fields: frozenset[bytes], weights: dict[bytes, float]) -> dict[int, float]:
        """doc id -> weighted term frequency over the given expansions, restricted to ``fields``."""
        out: dict[int, float] = {}
        left_out = set(self.field_codes.values()) - set(self._codes(fields)) if fields is not None else set()
        nostem = set(self._codes(nostem_fields))
        for term, exact in terms:
            skip = left_out if exact else left_out | nostem
            ids, freqs = self._frequencies([term], frozenset(self.field_names[c] for c in skip), weights, True)
            for d, f in zip(ids.tolist(), freqs.tolist(), strict=True):
                out[d] = out.get(d, 0.0) + f
        return out

    def bm25std_records(self, term: str, use_stem: bool, fields: frozenset[bytes] | None,
                        nostem_fields: frozenset[bytes], weights: dict[bytes, float],
                        phonetic: str | None = None) -> list[tuple[dict[int, float], int]]:
        """The inverted-index records RediSearch's BM25STD scores a query term by, one (doc -> frequency,
        documents in the record) pair each, summed by the scorer:

        - the term itself: its occurrences weighted by their fields' weights;
        - its phonetic term (``phonetic``, ``<CODE``) on a PHONETIC field, weighted as the term;
        - unless verbatim, the stem record ``+stem``: every other word with the term's stem (one per
          occurrence, unweighted; none from NOSTEM fields), and the stem itself where it was written.

        A document matches a record through an occurrence in ``fields`` (all when None); its frequency
        counts every field, as a record's frequency does."""
        records: list[tuple[dict[int, float], int]] = []
        for words, skip_fields, weighted in self.record_specs(term, use_stem, nostem_fields, phonetic):
            record = self._record(words, fields, skip_fields, weights, weighted)
            if record is not None:
                records.append(record)
        return records

    def record_specs(self, term: str, use_stem: bool, nostem_fields: frozenset[bytes],
                     phonetic: str | None = None) -> list[tuple[list[str], frozenset[bytes], bool]]:
        """(words, fields left out, weighted) of each record bm25std_records reads."""
        specs: list[tuple[list[str], frozenset[bytes], bool]] = [([term], frozenset(), True)]
        if phonetic is not None and phonetic != term:
            specs.append(([phonetic], frozenset(), True))
        if use_stem:
            root = stem(term, self.language)
            specs.append(([t for t in self.stems.get(root, ()) if t != root], nostem_fields, False))
            if root != term:
                specs.append(([root], frozenset(), True))
        return specs

    def record_arrays(self, term: str, use_stem: bool, nostem_fields: frozenset[bytes], weights: dict[bytes, float],
                      fields: frozenset[bytes] | None = None,
                      phonetic: str | None = None) -> list[tuple[np.ndarray, np.ndarray, int]]:
        """bm25std_records as (doc ids ascending, frequencies, documents in the record) arrays, for
        vectorised scoring (a record with none of its documents in ``fields`` stays, empty, so that the
        word's own record is the first when it has documents); kept while no document with the words
        changes."""
        records = (self._record_arrays(words, fields, skip_fields, weights, weighted)
                   for words, skip_fields, weighted in self.record_specs(term, use_stem, nostem_fields, phonetic))
        return [record for record in records if record is not None]

    def _record_arrays(self, words: list[str], fields: frozenset[bytes] | None, skip_fields: frozenset[bytes],
                       weights: dict[bytes, float], weighted: bool) -> tuple[np.ndarray, np.ndarray, int] | None:
        """One record as (doc ids ascending, frequencies, documents in the record): the documents holding
        ``words`` in ``fields`` (outside ``skip_fields``), their frequencies counting every field
        (_frequencies); None when no document holds the words at all. Kept as occurrences are."""
        ids, freqs = self._frequencies(words, skip_fields, weights, weighted)
        if not len(ids):
            return None
        if fields is None:
            return ids, freqs, len(ids)
        if len(words) == 1 and (counted := self._word_counts(words[0])) is not None:
            # one word in one field: in ``fields`` or not, every document alike
            if self.field_names[counted[2]] in fields:
                return ids, freqs, len(ids)
            return NO_IDS, np.zeros(0), len(ids)

        def build() -> tuple[np.ndarray, ...]:
            keep = np.isin(ids, self.docs_with(words, fields, skip_fields)[1])
            return ids[keep], freqs[keep]

        key = ("record in fields", tuple(sorted(words)), skip_fields, fields, weighted,
               tuple(sorted(weights.items())) if weighted else ())
        matched, matched_freqs = self._cached(key, words, build)
        return matched, matched_freqs, len(ids)

    def occurrences(self, word: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every live occurrence of ``word`` as (doc ids, positions, field codes) arrays ordered by doc id
        then position (field_codes numbers the fields), kept until a document with the word changes."""
        docs, positions, codes = self._cached(("occurrences", word), [word], lambda: self._live(word))
        return docs, positions, codes

    def _live(self, word: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        postings = self.terms.get(word)
        if postings is None:
            return NO_IDS, NO_IDS, np.zeros(0, dtype=np.int32)
        return postings.live(self._state)

    def occurrence_keys(self, word: str) -> np.ndarray:
        """occurrences() as sorted doc << 32 | position keys (every field), kept as they are."""

        def build() -> tuple[np.ndarray, ...]:
            docs, positions, _ = self.occurrences(word)
            return ((docs << 32) | positions,)

        (keys,) = self._cached(("occurrence keys", word), [word], build)
        return keys

    def record_keys(self, words: list[str], skip_fields: frozenset[bytes],
                    fields: frozenset[bytes] | None = None) -> np.ndarray:
        """A record's positions (record_specs: its words, outside ``skip_fields``) as sorted doc << 32 |
        position keys, of the documents holding one of the words in ``fields`` (every field when None);
        kept as occurrences are."""
        if len(words) == 1 and not skip_fields and fields is None:
            return self.occurrence_keys(words[0])

        def build() -> tuple[np.ndarray, ...]:
            skip = self._codes(skip_fields)
            parts = []
            for word in words:
                docs, positions, codes = self.occurrences(word)
                if skip:
                    keep = ~np.isin(codes, skip)
                    docs, positions = docs[keep], positions[keep]
                parts.append((docs << 32) | positions)
            keys = distinct(np.concatenate(parts)) if parts else NO_IDS
            if fields is not None:
                keys = keys[np.isin(keys >> 32, self.docs_with(words, fields, skip_fields)[1])]
            return (keys,)

        (keys,) = self._cached(("record keys", tuple(sorted(words)), skip_fields, fields), words, build)
        return keys

    def first_word_frequencies(self, words: list[str], skip_fields: frozenset[bytes],
                               weights: dict[bytes, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For a quick-exit union of ``words`` (in this order): (doc ids ascending, the index of the first
        word each document holds outside ``skip_fields``, that word's weighted frequency there, and per
        word the documents with it there), from the raw occurrence arrays of all the words at once; kept
        until a document with one of the words changes."""
        key = ("first word", tuple(words), skip_fields, tuple(sorted(weights.items())))
        ids, ranks, freqs, holders = self._cached(key, words, lambda: self._first_words(words, skip_fields, weights))
        return ids, ranks, freqs, holders

    def _first_words(self, words: list[str], skip_fields: frozenset[bytes],
                     weights: dict[bytes, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        doc_parts, code_parts, counts = [], [], []
        for word in words:
            postings = self.terms.get(word)
            if postings is None or not postings.entries:
                counts.append(0)
                continue
            doc_parts.append(postings.doc_ids())
            code_parts.append(postings.codes())
            counts.append(postings.entries)
        nothing = (NO_IDS, NO_IDS, np.zeros(0), np.zeros(len(words), dtype=np.int64))
        if not doc_parts:
            return nothing
        docs, codes = np.concatenate(doc_parts), np.concatenate(code_parts)
        ranks = np.repeat(np.arange(len(words)), counts)
        keep = self._state[docs] == ALIVE
        skip = self._codes(skip_fields)
        if skip:
            keep &= ~np.isin(codes, skip)
        docs, codes, ranks = docs[keep], codes[keep], ranks[keep]
        # per (word, document, field): the count times the field's weight, then per (word, document)
        order = np.lexsort((codes, docs, ranks))
        docs, codes, ranks = docs[order], codes[order], ranks[order]
        edges = np.ones(len(docs), dtype=bool)
        edges[1:] = (docs[1:] != docs[:-1]) | (codes[1:] != codes[:-1]) | (ranks[1:] != ranks[:-1])
        starts = np.flatnonzero(edges)
        figures = np.diff(np.append(starts, len(docs))) * self._weight_by_code(weights)[codes[starts]]
        docs, ranks = docs[starts], ranks[starts]
        pair = np.ones(len(docs), dtype=bool)
        pair[1:] = (docs[1:] != docs[:-1]) | (ranks[1:] != ranks[:-1])
        group = np.cumsum(pair) - 1
        freqs = np.bincount(group, weights=figures)
        docs, ranks = docs[pair], ranks[pair]
        nonzero = freqs != 0
        docs, ranks, freqs = docs[nonzero], ranks[nonzero], freqs[nonzero]
        holders = np.bincount(ranks, minlength=len(words))
        first = np.lexsort((ranks, docs))  # by document, then word: the first word of each document
        docs, ranks, freqs = docs[first], ranks[first], freqs[first]
        lead = np.ones(len(docs), dtype=bool)
        lead[1:] = docs[1:] != docs[:-1]
        return docs[lead], ranks[lead], freqs[lead], holders

    def _frequencies(self, words: list[str], skip_fields: frozenset[bytes], weights: dict[bytes, float],
                     weighted: bool, cache: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(doc ids ascending, the record's frequency) over every field but ``skip_fields`` (each occurrence
        weighted by its field, or one each), for every document with ``words``; none where it is 0. Kept
        as occurrences are (unless not ``cache``)."""
        if cache and len(words) == 1:
            counted = self._word_counts(words[0])
            if counted is not None:  # one word in one field: counts kept from query to query
                ids, counts, code = counted
                if code in self._codes(skip_fields):
                    return NO_IDS, np.zeros(0)
                figures = counts * self._weight_by_code(weights)[code] if weighted else counts.astype(np.float64)
                keep = figures != 0
                return ids[keep], figures[keep]
        key = ("frequencies", tuple(sorted(words)), skip_fields, weighted,
               tuple(sorted(weights.items())) if weighted else ())

        def build() -> tuple[np.ndarray, ...]:
            skip = self._codes(skip_fields)
            parts = []
            for word in words:
                docs, _, codes = self.occurrences(word) if cache else self._live(word)
                if skip:
                    keep = ~np.isin(codes, skip)
                    docs, codes = docs[keep], codes[keep]
                parts.append((docs << 16) | codes)
            if not parts:
                return NO_IDS, np.zeros(0)
            keys, counts = grouped_counts(np.sort(np.concatenate(parts)))  # per (doc, field)
            figures = counts * self._weight_by_code(weights)[keys & 0xFFFF] if weighted else counts.astype(np.float64)
            ids, freqs = grouped_sums(keys >> 16, figures)
            keep = freqs != 0
            return ids[keep], freqs[keep]

        if not cache:
            ids, freqs = build()
        else:
            ids, freqs = self._cached(key, words, build)
        return ids, freqs

    def _word_counts(self, word: str) -> tuple[np.ndarray, np.ndarray, int] | None:
        """(doc ids ascending, the word's occurrences in each, its field code) for a word whose live
        occurrences all lie in one field (a single TEXT field's index); None otherwise. Kept from query to
        query and brought up to date from what changed: the entries appended since (new documents come in
        doc id order) and the documents removed since, not every occurrence again (a frequent word has
        hundreds of thousands, and any write of a document holding it would have them all read again)."""
        postings = self.terms.get(word)  # (settled first)
        if postings is None:
            return None
        kept = self._counts_kept.get(word)
        if kept is not None and not (kept.postings is postings and kept.entries <= postings.entries
                                     and kept.compactions == postings.compactions and postings.ordered):
            kept = None  # rewritten arrays, or out of doc id order: counted again
        if kept is not None and kept.changed == postings.changed:
            return kept.ids, kept.counts, kept.code  # no document with the word added or removed since
        counted = kept.update(postings, self._state) if kept is not None else None
        if counted is None:
            docs, _, codes = postings.live(self._state)
            if not len(docs) or codes.min() != codes.max():
                self._counts_kept.pop(word, None)
                return None
            ids, counts = grouped_counts(docs)
            counted = ids, counts, int(codes[0])
        if len(self._counts_kept) >= COUNTS_KEPT_WORDS and word not in self._counts_kept:
            self._counts_kept.clear()
        self._counts_kept[word] = _KeptCounts(postings, postings.entries, *counted, postings.compactions,
                                              postings.changed)
        return counted

    def _cached(self, key: tuple[Any, ...], words: list[str],
                build: Callable[[], tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
        """Arrays derived from ``words``' occurrences: kept until a document with one of the words changes
        (then built again, which numpy does quickly from the occurrence arrays)."""
        cached = self._arrays.get(key)
        if cached is not None and self._unchanged_since(cached[0], words):
            arrays: tuple[np.ndarray, ...] = cached[1]
            return arrays
        now = self._changes
        arrays = build()
        self._cache_arrays(key, arrays, len(arrays[0]), now)
        return arrays

    def kept(self, key: tuple[Any, ...], words: list[str], stamp: Any,
             build: Callable[[], tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
        """Arrays derived from ``words``' occurrences and figures of the whole index (``stamp``: the
        document count, the average length, ...): kept as _cached keeps its arrays, and built again when
        the stamp differs (one entry a key: a write elsewhere replaces it, it does not add one). The
        arrays are made read-only: every query shares them."""
        cached = self._arrays.get(key)
        if cached is not None and cached[1][0] == stamp and self._unchanged_since(cached[0], words):
            arrays: tuple[np.ndarray, ...] = cached[1][1]
            return arrays
        now = self._changes
        arrays = build()
        for part in arrays:
            part.flags.writeable = False
        self._cache_arrays(key, (stamp, arrays), len(arrays[0]), now)
        return arrays

    def _cache_arrays(self, key: tuple[Any, ...], arrays: Any, size: int, built: int) -> None:
        if self._arrays_size + size > ARRAY_CACHE_OCCURRENCES:
            self._arrays.clear()
            self._arrays_size = 0
        if size <= ARRAY_CACHE_OCCURRENCES:
            old = self._arrays.pop(key, None)
            if old is not None:
                self._arrays_size -= old[2]
            self._arrays[key] = (built, arrays, size)
            self._arrays_size += size

    def doc_len_array(self) -> np.ndarray:
        """Every document's text length indexed by doc id (0 without text); kept up to date by add and
        remove (a view: read it, do not keep it)."""
        return self._lengths

    def _unchanged_since(self, built: int, words: Iterable[str]) -> bool:
        """Whether no document with any of ``words`` was added or removed after change ``built`` (a word
        not in the vocabulary may have been forgotten since: then only when none was forgotten since)."""
        terms, forgotten = self._terms, self._forgotten_at
        return all((p.changed if (p := terms.get(w)) is not None else forgotten) <= built for w in words)

    def _record(self, words: list[str], fields: frozenset[bytes] | None, skip_fields: frozenset[bytes],
                weights: dict[bytes, float], weighted: bool) -> tuple[dict[int, float], int] | None:
        """_record_arrays as (doc -> frequency, documents in the record)."""
        record = self._record_arrays(words, fields, skip_fields, weights, weighted)
        if record is None:
            return None
        ids, freqs, with_term = record
        return dict(zip(ids.tolist(), freqs.tolist(), strict=True)), with_term

    def doc_count(self, words: list[str]) -> int:
        """How many documents hold one of ``words``."""
        if len(words) == 1:
            postings = self.terms.get(words[0])
            return postings.ndocs if postings is not None else 0
        return len(self.docs_with(words, None, frozenset())[0])

    def docs_with(self, words: list[str], fields: frozenset[bytes] | None,
                  skip_fields: frozenset[bytes]) -> tuple[np.ndarray, np.ndarray]:
        """(the documents with an occurrence of ``words`` outside ``skip_fields``, those of them with one in
        ``fields`` too (all when None)), ascending."""
        skip, wanted = self._codes(skip_fields), self._codes(fields) if fields is not None else None
        present, matched = [], []
        for word in words:
            docs, _, codes = self.occurrences(word)
            if skip:
                keep = ~np.isin(codes, skip)
                docs, codes = docs[keep], codes[keep]
            present.append(docs)
            matched.append(docs if wanted is None else docs[np.isin(codes, wanted)])
        if not present:
            return NO_IDS, NO_IDS
        return distinct(np.concatenate(present)), distinct(np.concatenate(matched))

    def memory_bytes(self) -> int:
        """An estimate: ~3-7 bytes of record and 2-4 of forward entry an occurrence (postings.py), ~300
        bytes a word (its postings object, records array, vocabulary and stem entries), ~100 a document."""
        return self._occurrences * 6 + len(self.terms) * 300 + len(self._forward) * 100


