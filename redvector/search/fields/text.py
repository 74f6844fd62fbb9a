"""Full text: RediSearch's tokenizer, stop words, Snowball stemming, a positional inverted index and BM25STD.

One inverted index covers every TEXT field of an index (``term -> doc id -> field -> positions``), as
RediSearch keeps one index with field masks. Stemming happens at query-expansion time: a query term
matches every indexed term with the same stem (RediSearch indexes ``+stem`` entries for the same effect).
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import snowballstemmer

# src/toksep.h: a space, a tab and these punctuation characters separate tokens ('_' does not, nor a newline
# or another control character, nor a backslash, which escapes the next character)
SEPARATORS = " \t,.<>{}[]\"':;!@#$%^&*()-+=~|/?`"
_SPLIT_RE = re.compile("[" + re.escape(SEPARATORS) + "]+")
_PLAIN_RE = re.compile(r"[^\x00-\x08\x0a-\x1f\x7f\\]*\Z")  # text without control characters or backslashes

# record_arrays keeps at most this many postings (16 bytes each: 32 MB)
ARRAY_CACHE_POSTINGS = 2_000_000
# documents logged per word for patching its cached arrays (TextIndex._change_logs)
CHANGE_LOG_CAP = 4096
BM25_K1 = 1.2000000476837158  # RediSearch's k1 is a C float: 1.2 rounded to float32 (both BM25 scorers)
BM25_B = 0.5  # RediSearch 2.10 (default.c; FT.SEARCH ... EXPLAINSCORE shows it), not the textbook 0.75

_STEMMERS: dict[str, snowballstemmer.stemmer] = {}


def stemmer_for(language: str | None) -> snowballstemmer.stemmer | None:
    lang = (language or "english").lower()
    if lang not in _STEMMERS:
        try:
            _STEMMERS[lang] = snowballstemmer.stemmer(lang)
        except KeyError:
            _STEMMERS[lang] = None
    return _STEMMERS[lang]


def stem(word: str, language: str | None = None) -> str:
    """Snowball's stem of ``word`` (remembered: a stem costs ~10 us, and scoring asks for the same words
    document after document)."""
    key = (word, language)
    known = _STEM_CACHE.get(key)
    if known is None:
        s = stemmer_for(language)
        known = s.stemWord(word) if s is not None else word
        if len(_STEM_CACHE) >= STEM_CACHE_SIZE:
            _STEM_CACHE.clear()
        _STEM_CACHE[key] = known
    return known


STEM_CACHE_SIZE = 200_000
_STEM_CACHE: dict[tuple[str, str | None], str] = {}


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold_case(text: str) -> str:
    """RediSearch 2.10's case folding of terms: A-Z only (C's tolower() byte by byte); other letters keep
    their case, so "ÜNÏCÖDÉ" is the term "ÜnÏcÖdÉ" (Redis Stack 7.4.1 indexes and queries it so)."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def normalized(token: str) -> str:
    """A raw token as RediSearch's DefaultNormalize leaves it: control characters (a newline too) dropped,
    a backslash dropped and the character after it kept, A-Z folded: "hello\\nworld" is "helloworld"."""
    if _PLAIN_RE.match(token):
        return fold_case(token)
    return fold_case("".join(t for _, t in token_spans(token)))


def tokenize(text: str) -> list[str]:
    """Case-folded tokens of a field's text as RediSearch's tokenizer reads it: split at SEPARATORS (an
    escaped one, ``hello\\-world``, stays inside its token), normalized; the text ends at a NUL byte, as
    the C string it is there."""
    if _PLAIN_RE.match(text):
        return [t for t in _SPLIT_RE.split(fold_case(text)) if t]
    return [t for _, t in token_spans(text)]


def token_spans(text: str) -> list[tuple[int, str]]:
    """tokenize()'s tokens with the offset each begins at in ``text``: a separator splits unless the
    character before it is a backslash (toksep); within a token, control characters go, a backslash goes
    and escapes the next character (DefaultNormalize)."""
    text = text.split("\x00", 1)[0]
    spans: list[tuple[int, str]] = []
    cur: list[str] = []
    start = -1
    escaped = False
    for i, ch in enumerate(text):
        if ch in SEPARATORS and not (i and text[i - 1] == "\\"):
            if start >= 0 and cur:
                spans.append((start, fold_case("".join(cur))))
            cur, start, escaped = [], -1, False
            continue
        if start < 0:
            start = i
        if ch < " " or ch == "\x7f":
            pass  # a control character (not a tab: a separator) is dropped, escaped or not
        elif ch == "\\" and not escaped:
            escaped = True
            continue
        else:
            cur.append(ch)
        escaped = False
    if start >= 0 and cur:
        spans.append((start, fold_case("".join(cur))))
    return spans


Postings = dict[int, dict[bytes, list[int]]]  # doc id -> field name -> positions


def _f32(x: float) -> float:
    """x rounded to the nearest float32 (C float arithmetic)."""
    return _FLOAT32.unpack(_FLOAT32.pack(x))[0]


_FLOAT32 = struct.Struct("f")


class TextIndex:
    """term -> postings; per-doc lengths for BM25; stem -> terms for query expansion."""

    def __init__(self, stopwords: frozenset[str], language: str | None = None) -> None:
        self.stopwords = stopwords
        self.language = language
        self.terms: dict[str, Postings] = {}
        self.doc_terms: dict[int, set[str]] = {}
        self.doc_len: dict[int, float] = {}
        self.total_len = 0.0
        self.stems: dict[str, set[str]] = {}
        self.num_records = 0
        self._changes = 0  # add/remove calls, so that stem_records() can reuse its last count
        # word -> self._changes when a document with it was last added or removed: a cached array of the
        # word's postings stays valid until then (a write leaves the arrays of other words alone)
        self._word_changed: dict[str, int] = {}
        # word -> (change from which the log is complete, [(change, doc id), ...]): the documents written
        # with a word that has cached arrays, so that a stale array is patched (_patched) rather than
        # rebuilt; at most CHANGE_LOG_CAP entries a word (past it, the word's arrays are rebuilt)
        self._change_logs: dict[str, tuple[int, list[tuple[int, int]]]] = {}
        self._stem_docs: tuple[int, dict[str, int]] = (-1, {})
        # record_arrays' and occurrences' cache: key -> (self._changes when built, arrays or None, postings
        # or occurrences held); their sizes in all
        self._arrays: dict[tuple[Any, ...], tuple[int, Any, int]] = {}
        self._arrays_size = 0
        self.field_codes: dict[bytes, int] = {}  # TEXT field name -> its number in occurrences()
        self._lengths = np.zeros(0)  # doc_len by doc id (doc_len_array), kept up to date by add/remove
        self._max_freqs: dict[int, float] = {}  # max_freq's answers, dropped as documents change
        self._max_freq_key: tuple[Any, ...] = ()
        # max_freq_array: (its key, maxFreq by doc id, the documents changed since it was filled)
        self._max_freq_array: tuple[tuple[Any, ...], np.ndarray] | None = None
        self._max_freq_changed: set[int] = set()

    def __len__(self) -> int:
        return len(self.doc_len)

    def add(self, doc_id: int, field_name: bytes, text: str, start_pos: int, weight: float = 1.0) -> int:
        """Index one field's text for doc_id; returns the next free position (positions are per doc).
        The document's length (BM25) grows by the field's weight per indexed token, stop words left out,
        as RediSearch counts it."""
        pos = start_pos
        terms = self.doc_terms.setdefault(doc_id, set())
        indexed = 0
        self._changes += 1
        self._max_freqs.pop(doc_id, None)
        if self._max_freq_array is not None:
            self._max_freq_changed.add(doc_id)
        changes, changed = self._changes, self._word_changed
        for tok in tokenize(text):
            if tok in self.stopwords:  # RediSearch gives stop words no position: "a the b" has a, b adjacent
                continue
            pos += 1
            indexed += 1
            changed[tok] = changes
            postings = self.terms.get(tok)
            if postings is None:
                postings = self.terms[tok] = {}
                self.stems.setdefault(stem(tok, self.language), set()).add(tok)
            per_field = postings.get(doc_id)
            if per_field is None:
                per_field = postings[doc_id] = {}
                self.num_records += 1
            positions = per_field.get(field_name)
            if positions is None:
                per_field[field_name] = [pos]
                if tok in self._change_logs:
                    self._log_change(tok, doc_id)
            else:
                positions.append(pos)
            terms.add(tok)
        added = indexed * weight
        self.doc_len[doc_id] = length = self.doc_len.get(doc_id, 0) + added
        self.total_len += added
        if doc_id >= len(self._lengths):
            grown = np.zeros(max(doc_id + 1, 2 * len(self._lengths), 1024))
            grown[:len(self._lengths)] = self._lengths
            self._lengths = grown
        self._lengths[doc_id] = length
        return pos

    def remove(self, doc_id: int) -> None:
        self._changes += 1
        self._max_freqs.pop(doc_id, None)
        if self._max_freq_array is not None:
            self._max_freq_changed.add(doc_id)
        if doc_id < len(self._lengths):
            self._lengths[doc_id] = 0.0
        for term in self.doc_terms.pop(doc_id, ()):
            self._word_changed[term] = self._changes
            if term in self._change_logs:
                self._log_change(term, doc_id)
            postings = self.terms.get(term)
            if postings is None:
                continue
            if postings.pop(doc_id, None) is not None:
                self.num_records -= 1
            if not postings:
                del self.terms[term]
                st = stem(term, self.language)
                group = self.stems.get(st)
                if group is not None:
                    group.discard(term)
                    if not group:
                        del self.stems[st]
        self.total_len -= self.doc_len.pop(doc_id, 0)

    def stem_record_docs(self) -> dict[str, int]:
        """stem -> documents in its ``+stem`` record: RediSearch keeps such a record for every word whose
        stem differs from it (FT.INFO counts them in num_terms and num_records; FT.SPELLCHECK suggests
        them). Recounted only after the index changed."""
        changes, counts = self._stem_docs
        if changes != self._changes:
            counts = {}
            for root, words in self.stems.items():
                docs: set[int] = set()
                for word in words:
                    if word != root:
                        docs.update(self.terms.get(word, ()))
                if docs:
                    counts[root] = len(docs)
            self._stem_docs = (self._changes, counts)
        return counts

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

    def prefix(self, prefix: str) -> list[str]:
        return [t for t in self.terms if t.startswith(prefix)]

    def suffix(self, suffix: str) -> list[str]:
        return [t for t in self.terms if t.endswith(suffix)]

    def contains(self, infix: str) -> list[str]:
        return [t for t in self.terms if infix in t]

    def fuzzy(self, term: str, distance: int) -> list[str]:
        return [t for t in self.terms if abs(len(t) - len(term)) <= distance and fuzzy_distance(term, t) <= distance]

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
        return self.bm25_for_length(tf, self.doc_len.get(doc_id, 0), idf, num_docs)

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
        since (a view: read it, do not keep it)."""
        key = (tuple(sorted(weights.items())), nostem_fields)
        held = self._max_freq_array
        if held is None or held[0] != key:
            array = np.zeros(len(self._lengths))
            for doc_id in self.doc_terms:
                array[doc_id] = self.max_freq(doc_id, weights, nostem_fields)
        else:
            array = held[1]
            if len(array) < len(self._lengths):
                array = np.concatenate([array, np.zeros(len(self._lengths) - len(array))])
            for doc_id in self._max_freq_changed:
                array[doc_id] = self.max_freq(doc_id, weights, nostem_fields) if doc_id in self.doc_terms else 0.0
        self._max_freq_changed = set()
        self._max_freq_array = (key, array)
        return array

    def _compute_max_freq(self, doc_id: int, weights: dict[bytes, float], nostem_fields: frozenset[bytes]) -> float:
        best = 0.0
        stems: dict[str, float] = {}
        for term in self.doc_terms.get(doc_id, ()):
            per_field = self.terms.get(term, {}).get(doc_id)
            if not per_field:
                continue
            best = max(best, sum(len(ps) * weights.get(f, 1.0) for f, ps in per_field.items()))
            root = stem(term, self.language)
            if root != term:
                stems[root] = stems.get(root, 0.0) + sum(len(ps) for f, ps in per_field.items()
                                                          if f not in nostem_fields)
        return max(best, max(stems.values(), default=0.0))

    def term_docs(self, terms: Iterable[tuple[str, bool]], fields: frozenset[bytes] | None,
                  nostem_fields: frozenset[bytes], weights: dict[bytes, float]) -> dict[int, float]:
        """doc id -> weighted term frequency over the given expansions, restricted to ``fields``."""
        out: dict[int, float] = {}
        for term, exact in terms:
            for doc_id, per_field in self.terms.get(term, {}).items():
                tf = 0.0
                for fname, positions in per_field.items():
                    if fields is not None and fname not in fields:
                        continue
                    if not exact and fname in nostem_fields:
                        continue
                    tf += len(positions) * weights.get(fname, 1.0)
                if tf:
                    out[doc_id] = out.get(doc_id, 0.0) + tf
        return out

    def bm25std_records(self, term: str, use_stem: bool, fields: frozenset[bytes] | None,
                        nostem_fields: frozenset[bytes], weights: dict[bytes, float]) -> list[tuple[dict[int, float], int]]:
        """The inverted-index records RediSearch's BM25STD scores a query term by, one (doc -> frequency,
        documents in the record) pair each, summed by the scorer:

        - the term itself: its occurrences weighted by their fields' weights;
        - unless verbatim, the stem record ``+stem``: every other word with the term's stem (one per
          occurrence, unweighted; none from NOSTEM fields), and the stem itself where it was written.

        A document matches a record through an occurrence in ``fields`` (all when None); its frequency
        counts every field, as a record's frequency does."""
        records: list[tuple[dict[int, float], int]] = []
        for words, skip_fields, weighted in self.record_specs(term, use_stem, nostem_fields):
            record = self._record(words, fields, skip_fields, weights, weighted)
            if record is not None:
                records.append(record)
        return records

    def record_specs(self, term: str, use_stem: bool,
                      nostem_fields: frozenset[bytes]) -> list[tuple[list[str], frozenset[bytes], bool]]:
        """(words, fields left out, weighted) of each record bm25std_records reads."""
        specs: list[tuple[list[str], frozenset[bytes], bool]] = [([term], frozenset(), True)]
        if use_stem:
            root = stem(term, self.language)
            specs.append(([t for t in self.stems.get(root, ()) if t != root], nostem_fields, False))
            if root != term:
                specs.append(([root], frozenset(), True))
        return specs

    def record_arrays(self, term: str, use_stem: bool, nostem_fields: frozenset[bytes],
                      weights: dict[bytes, float]) -> list[tuple[np.ndarray, np.ndarray, int]]:
        """bm25std_records over every field as (doc ids ascending, frequencies, documents in the record)
        arrays, for vectorised scoring; kept while no document with the words changes, and patched for
        the few that did (a word in 100k documents takes ~100 ms to gather, ~1 ms to score)."""
        out = []
        weights_key = tuple(sorted(weights.items()))
        for words, skip_fields, weighted in self.record_specs(term, use_stem, nostem_fields):
            key = (tuple(sorted(words)), skip_fields, weighted, weights_key if weighted else ())

            def gather(docs: Iterable[int] | None, words: list[str] = words, skip: frozenset[bytes] = skip_fields,
                       weighted: bool = weighted) -> tuple[np.ndarray, ...]:
                freq = self._frequencies(words, skip, weights, weighted, docs)
                ids = np.fromiter(freq.keys(), dtype=np.int64, count=len(freq))
                return ids, np.fromiter(freq.values(), dtype=np.float64, count=len(freq))

            ids, freqs = self._cached(key, words, gather)
            if len(ids):
                out.append((ids, freqs, len(ids)))
        return out

    def occurrences(self, word: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every occurrence of ``word`` as (doc ids ascending, positions, field codes) arrays (field_codes
        numbers the fields), for vectorised phrase matching; kept as record_arrays are."""

        def gather(docs: Iterable[int] | None) -> tuple[np.ndarray, ...]:
            doc_ids: list[int] = []
            positions: list[int] = []
            codes: list[int] = []
            field_codes = self.field_codes
            postings = self.terms.get(word, {})
            for doc_id in (postings if docs is None else docs):
                for fname, ps in postings.get(doc_id, {}).items():
                    code = field_codes.get(fname)
                    if code is None:
                        code = field_codes[fname] = len(field_codes)
                    doc_ids.extend([doc_id] * len(ps))
                    positions.extend(ps)
                    codes.extend([code] * len(ps))
            return (np.array(doc_ids, dtype=np.int64), np.array(positions, dtype=np.int64),
                    np.array(codes, dtype=np.int32))

        docs, positions, codes = self._cached(("occurrences", word), [word], gather)
        return docs, positions, codes

    def occurrence_keys(self, word: str) -> np.ndarray:
        """occurrences() as sorted doc << 32 | position keys (every field), kept as record_arrays are."""

        def gather(docs: Iterable[int] | None) -> tuple[np.ndarray, ...]:
            ids, positions, _ = self.occurrences(word)
            if docs is not None:
                inside = np.isin(ids, np.fromiter(docs, dtype=np.int64))
                ids, positions = ids[inside], positions[inside]
            return ((ids << 32) | positions,)

        (keys,) = self._cached(("occurrence keys", word), [word], gather, by_key=True)
        return keys

    def _frequencies(self, words: list[str], skip_fields: frozenset[bytes], weights: dict[bytes, float],
                     weighted: bool, docs: Iterable[int] | None) -> dict[int, float]:
        """doc id -> the record's frequency over every field but ``skip_fields`` (weighted by field, or
        one per occurrence), for every document with ``words`` or only ``docs``; none where it is 0."""
        freq: dict[int, float] = {}
        weight_of = weights.get
        for word in words:
            postings = self.terms.get(word, {})
            for doc_id in (postings if docs is None else docs):
                per_field = postings.get(doc_id)
                if not per_field:
                    continue
                f = 0.0
                for fname, positions in per_field.items():
                    if fname not in skip_fields:
                        f += len(positions) * (weight_of(fname, 1.0) if weighted else 1.0)
                if f:
                    freq[doc_id] = freq.get(doc_id, 0.0) + f
        return freq

    def _cached(self, key: tuple[Any, ...], words: list[str],
                gather: Callable[[Iterable[int] | None], tuple[np.ndarray, ...]],
                by_key: bool = False) -> tuple[np.ndarray, ...]:
        """Arrays derived from ``words``' postings, the first one doc ids (``by_key``: doc << 32 | x keys),
        sorted: from the cache when no document with the words changed since, patched when few did (the
        changed documents' rows dropped and gathered again), else gathered whole. ``gather(docs)``: the
        rows of ``docs`` (None: of every document), in any order."""
        cached = self._arrays.get(key)
        now = self._changes
        arrays: tuple[np.ndarray, ...] | None = None
        if cached is not None:
            built, arrays = cached[0], cached[1]
            if self._unchanged_since(built, words):
                return arrays
            changed = self._changed_docs(built, words)
            if changed is None:
                arrays = None
            else:
                changed_ids = np.fromiter(changed, dtype=np.int64, count=len(changed))
                owners = arrays[0] >> 32 if by_key else arrays[0]
                keep = ~np.isin(owners, changed_ids)
                fresh = gather(changed)
                arrays = tuple(np.concatenate([old[keep], new]) for old, new in zip(arrays, fresh, strict=True))
        if arrays is None:
            arrays = gather(None)
        order = np.argsort(arrays[0], kind="stable")
        arrays = tuple(a[order] for a in arrays)
        self._cache_arrays(key, arrays, len(arrays[0]))
        for w in words:  # from now on, log the documents written with these words
            if w not in self._change_logs:
                self._change_logs[w] = (now, [])
        return arrays

    def _changed_docs(self, built: int, words: list[str]) -> set[int] | None:
        """The documents with ``words`` added or removed after change ``built``; None when a word's log
        does not reach back that far."""
        out: set[int] = set()
        for w in words:
            if self._word_changed.get(w, 0) <= built:
                continue
            log = self._change_logs.get(w)
            if log is None or log[0] > built:
                return None
            out.update(d for change, d in log[1] if change > built)
        return out

    def _log_change(self, word: str, doc_id: int) -> None:
        entries = self._change_logs[word][1]
        entries.append((self._changes, doc_id))
        if len(entries) > CHANGE_LOG_CAP:  # a long burst of writes: the word's arrays will be gathered whole
            del self._change_logs[word]

    def _cache_arrays(self, key: tuple[Any, ...], arrays: Any, size: int) -> None:
        if self._arrays_size + size > ARRAY_CACHE_POSTINGS:
            self._arrays.clear()
            self._arrays_size = 0
            self._change_logs.clear()
        if size <= ARRAY_CACHE_POSTINGS:
            old = self._arrays.pop(key, None)
            if old is not None:
                self._arrays_size -= old[2]
            self._arrays[key] = (self._changes, arrays, size)
            self._arrays_size += size

    def doc_len_array(self) -> np.ndarray:
        """Every document's text length indexed by doc id (0 without text); kept up to date by add and
        remove (a view: read it, do not keep it)."""
        return self._lengths

    def _unchanged_since(self, built: int, words: Iterable[str]) -> bool:
        """Whether no document with any of ``words`` was added or removed after change ``built``."""
        changed = self._word_changed
        return all(changed.get(w, 0) <= built for w in words)

    def _record(self, words: list[str], fields: frozenset[bytes] | None, skip_fields: frozenset[bytes],
                weights: dict[bytes, float], weighted: bool) -> tuple[dict[int, float], int] | None:
        """(doc -> frequency, documents in the record) of the documents holding ``words`` in ``fields``
        (outside ``skip_fields``); their frequencies count every field (_frequencies)."""
        freq = self._frequencies(words, skip_fields, weights, weighted, None)
        if not freq:
            return None
        if fields is None:
            return freq, len(freq)
        matched = {d for word in words for d, per_field in self.terms.get(word, {}).items()
                   if any(f in fields and f not in skip_fields for f in per_field)}
        return {d: f for d, f in freq.items() if d in matched}, len(freq)

    def memory_bytes(self) -> int:
        return self.num_records * 64 + len(self.terms) * 80


def fuzzy_distance(query: str, term: str) -> int:
    """The edit distance RediSearch's fuzzy matching (``%word%``, FT.SPELLCHECK) applies: Levenshtein's,
    except that swapping the query's last two letters counts as one edit (``%fxo%`` finds "fox"; a swap
    anywhere else costs two)."""
    d = levenshtein(query, term)
    if d > 1 and len(query) >= 2 and query[-1] != query[-2]:
        d = min(d, 1 + levenshtein(query[:-2] + query[-1] + query[-2], term))
    return d


def levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
