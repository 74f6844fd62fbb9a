"""TextIndex's compact occurrence arrays against a plain model (doc -> field -> tokens) through random
adds and removes: occurrences settle into the words' arrays in batches (a read may come between two fields
of one document), removed documents' occurrences are compacted away, a doc id indexed again (as a reload
does) starts clean, ids may arrive out of order, and every reader sees exactly the live documents."""

from __future__ import annotations

import random

import numpy as np
import pytest

from redvector.search.fields import text as text_module
from redvector.search.fields.postings import WordPostings
from redvector.search.fields.text import TextIndex
from redvector.search.fields.tokens import fuzzy_matches, stem

WORDS = ["run", "runs", "running", "apple", "apples", "red", "blue", "sky", "the"]
FIELDS = [b"a", b"b"]
WEIGHTS = {b"a": 1.0, b"b": 2.0}


def _model_positions(doc: list[tuple[bytes, list[str]]], pos: int = 0) -> dict[str, dict[bytes, list[int]]]:
    out: dict[str, dict[bytes, list[int]]] = {}
    for field, tokens in doc:
        for tok in tokens:
            if tok == "the":  # a stop word: no position
                continue
            pos += 1
            out.setdefault(tok, {}).setdefault(field, []).append(pos)
    return out


@pytest.mark.parametrize(("batch", "wide", "churn", "id_base", "pos_base", "inline"),
                         [(1 << 21, 1 << 24, False, 0, 0, 32), (7, 1 << 24, False, 0, 0, 3),
                          (1 << 21, 5, False, 0, 0, 3), (7, 1 << 24, True, 0, 0, 32), (1 << 21, 5, True, 0, 0, 32),
                          (7, 1 << 24, True, 65000, 252, 3), (1 << 21, 1 << 24, False, 64400, 65533, 32)],
                         ids=["one-batch", "small-batches", "wide-word-ids", "churning-words",
                              "churning-wide-word-ids", "ids-and-positions-past-narrow-types", "positions-past-2-bytes"])
def test_occurrence_arrays_follow_random_writes(batch: int, wide: int, churn: bool, id_base: int, pos_base: int,
                                                inline: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """``churn``: a third of the words are new ones that few documents share, so words leave the
    vocabulary as their last documents go and new words take their numbers. ``id_base``, ``pos_base``: doc
    ids and positions start there, so that they pass 65536 and 256 / 65536 mid-test (postings.py keeps
    them in 2 and 1 bytes until then: the records widen, never wrap)."""
    monkeypatch.setattr(text_module, "SETTLE_BATCH", batch)  # 7: batches settle in the middle of documents
    monkeypatch.setattr(text_module, "WIDE_WORD_ID", wide)  # 5: most documents' forward arrays go 8-byte
    # 3: a field of 3 words or more settles from its document's forward array, a shorter one from the batch's
    monkeypatch.setattr(text_module, "INLINE_WORDS", inline)
    rng = random.Random(5)
    index = TextIndex(frozenset({"the"}))
    pool = list(WORDS)

    def words(k: int) -> list[str]:
        if churn and rng.random() < 0.5:
            pool.append(f"u{len(pool)}")
        out = rng.choices(WORDS, k=k)
        if churn:
            out = [rng.choice(pool[-6:]) if rng.random() < 0.35 else w for w in out]
        return out

    model: dict[int, list[tuple[bytes, list[str]]]] = {}
    starts: dict[int, int] = {}  # doc id -> the position its first field starts after
    next_id = id_base + 1
    for step in range(1500):
        roll = rng.random()
        if roll < 0.55 or not model:
            doc_id = next_id
            next_id += 1
            if rng.random() < 0.1:  # out of order, as restored ids may come
                doc_id = next_id + 500
                next_id += 1
            if doc_id in model:
                continue
            fields = [(f, words(rng.randint(0, 6))) for f in FIELDS if rng.random() < 0.8]
            pos = starts[doc_id] = pos_base + rng.randint(0, 6) if pos_base else 0
            for f, tokens in fields:
                pos = index.add(doc_id, f, " ".join(tokens), pos, WEIGHTS[f])
                if rng.random() < 0.05:  # a read between two fields of one document settles the first
                    index.stem_record_docs()
            model[doc_id] = fields
        else:
            doc_id = rng.choice(sorted(model))
            index.remove(doc_id)
            del model[doc_id]
            if rng.random() < 0.05:  # the same id indexed again (a reload reuses saved ids)
                fields = [(b"a", words(3))]
                starts[doc_id] = 0
                index.add(doc_id, b"a", " ".join(fields[0][1]), 0, 1.0)
                model[doc_id] = fields
        if step % 50 == 0 or step == 1499:
            _check(index, model, starts)
    layouts = {postings.layout for postings in index.terms.values()}
    assert any(len(layout) == 3 for layout in layouts)  # words in both fields keep a code per occurrence
    if id_base:
        assert any(layout[0] == "i" for layout in layouts)
    if pos_base:
        assert any(layout[1] == ("i" if pos_base > (1 << 16) - 10 else "H") for layout in layouts)


def _check(index: TextIndex, model: dict[int, list[tuple[bytes, list[str]]]], starts: dict[int, int]) -> None:
    positions = {d: _model_positions(doc, starts[d]) for d, doc in model.items()}
    words = {w for per_doc in positions.values() for w in per_doc}
    assert set(index.terms) == words
    # the vocabulary holds the words documents hold (and those of documents not settled yet): no more
    assert set(index._vocab) == words
    for prefix in ("", "r", "ru", "run", "runs", "a", "u", "u1", "zz"):  # prefixes read the ordered words
        assert index.prefix(prefix) == sorted(w for w in words if w.startswith(prefix))
        assert index.prefix(prefix, 2) == sorted(w for w in words if w.startswith(prefix))[:2]
    assert sorted(index._vocab.values()) == sorted(set(range(len(index._words))) - set(index._vocabulary.free))
    listed = sorted(words)
    for query, distance in (("run", 1), ("u1", 1), ("runs", 2), ("x", 1), ("nur", 1)):  # words kept by length
        expected = sorted(listed[i] for i in fuzzy_matches(query, listed, distance))
        assert sorted(index.fuzzy(query, distance)) == expected
    assert index.num_records == sum(len(p) for p in positions.values())
    for word in words:
        holders = sorted(d for d, p in positions.items() if word in p)
        assert len(index.terms[word]) == len(holders)
        assert index.doc_ids(word).tolist() == holders
        docs, pos, _codes = index.occurrences(word)
        expected = sorted((d, p) for d in holders for ps in positions[d][word].values() for p in ps)
        assert list(zip(docs.tolist(), pos.tolist(), strict=True)) == expected
        for d in holders:
            assert index.positions(word, d) == positions[d][word]
        ids, freqs = index._frequencies([word], frozenset(), WEIGHTS, True)
        assert ids.tolist() == holders
        assert freqs.tolist() == [sum(len(ps) * WEIGHTS[f] for f, ps in positions[d][word].items()) for d in holders]
    for d in model:
        assert index.doc_words(d) == frozenset(positions[d])
        best = max((sum(len(ps) * WEIGHTS[f] for f, ps in per_field.items()) for per_field in positions[d].values()),
                   default=0.0)
        stems: dict[str, float] = {}
        for word, per_field in positions[d].items():
            if stem(word) != word:
                stems[stem(word)] = stems.get(stem(word), 0.0) + sum(len(ps) for ps in per_field.values())
        expected = max(best, max(stems.values(), default=0.0))
        assert index.max_freq(d, WEIGHTS, frozenset()) == expected
        assert index.max_freq_array(WEIGHTS, frozenset())[d] == expected
    stem_docs: dict[str, int] = {}
    for per_doc in positions.values():
        for root in {stem(w) for w in per_doc if stem(w) != w}:
            stem_docs[root] = stem_docs.get(root, 0) + 1
    assert index.stem_record_docs() == stem_docs
    array_ = index.max_freq_array(WEIGHTS, frozenset())
    assert not np.any(np.delete(array_, sorted(model)))  # documents gone (or never there) have none


def test_records_widen_for_word_ids_positions_and_doc_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Word ids past the 2-byte forward arrays, positions and doc ids past their narrow types, a word in
    128 fields (the schema's most): every value reads back as written, before and after compaction."""
    monkeypatch.setattr(text_module, "NARROW_WORD_ID", 40)  # forward arrays widen past 40 words
    index = TextIndex(frozenset())
    fields = [f"f{i}".encode() for i in range(128)]
    model: dict[int, list[tuple[bytes, list[str]]]] = {}
    starts: dict[int, int] = {}
    for k in range(300):
        doc_id = 1 + k * 300  # past 65535 from the 220th document
        field = fields[k % len(fields)]
        tokens = ["shared", f"own{k % 50}", "shared"]
        starts[doc_id] = 70_000 if k % 7 == 0 else 200  # positions of 4 bytes for some, 1 or 2 for others
        index.add(doc_id, field, " ".join(tokens), starts[doc_id])
        model[doc_id] = [(field, tokens)]
    weights = {field: 1.0 + (k % 3) for k, field in enumerate(fields)}

    def check() -> None:
        docs, positions, codes = index.occurrences("shared")
        expected = [(d, starts[d] + p, index.field_codes[model[d][0][0]]) for d in sorted(model) for p in (1, 3)]
        assert list(zip(docs.tolist(), positions.tolist(), codes.tolist(), strict=True)) == expected
        ids, freqs = index._frequencies(["shared"], frozenset(), weights, True)
        assert ids.tolist() == sorted(model)
        assert freqs.tolist() == [2 * weights[model[d][0][0]] for d in ids.tolist()]
        for d in sorted(model)[::37]:
            assert index.positions("shared", d) == {model[d][0][0]: [starts[d] + 1, starts[d] + 3]}
            assert index.doc_words(d) == frozenset(model[d][0][1])
            assert index.max_freq(d, weights, frozenset()) == 2 * weights[model[d][0][0]]
        assert index.doc_ids("own1").tolist() == sorted(d for d in model if "own1" in model[d][0][1])

    check()
    assert index.terms["shared"].layout == "iiB"
    assert {forward.typecode for forward in index._forward.values()} == {"H", "I"}
    for d in sorted(model)[::2]:  # removals compact the widened records, which stay readable
        index.remove(d)
        del model[d]
    check()


def test_word_postings_widen_every_column() -> None:
    """WordPostings on its own: appends that do not fit widen the records (field codes past 255 too: 4
    bytes), a first occurrence in a second field adds the code column, and compaction narrows again."""
    postings = WordPostings()
    written: list[tuple[int, int, int]] = []

    def append(docs: list[int], positions: list[int], codes: list[int]) -> None:
        several = len(set(codes)) > 1
        postings.extend(np.array(docs), np.array(positions), codes[0], np.array(codes) if several else None)
        written.extend(zip(docs, positions, codes, strict=True))

    def read() -> list[tuple[int, int, int]]:
        docs, positions, codes = postings.live(np.ones(1 << 20, dtype=np.int8))
        return list(zip(docs.tolist(), positions.tolist(), codes.tolist(), strict=True))

    append([1, 1, 2], [1, 2, 255], [3, 3, 3])
    assert (postings.layout, postings.code) == ("HB", 3)
    append([3], [256], [3])
    assert postings.layout == "HH"
    append([4, 5], [1, 1], [3, 7])
    assert postings.layout == "HHB"
    append([70_000], [1 << 16], [300])
    assert postings.layout == "iii"
    append([1_000_000], [(1 << 31) - 1], [0])
    assert read() == written
    assert postings.entries == len(written)
    state = np.ones(1 << 20, dtype=np.int8)
    state[[3, 5, 70_000]] = 2
    state[1_000_000] = 2
    postings.dead = 4
    assert postings.compact(state) == 4
    assert read() == [w for w in written if w[0] not in (3, 5, 70_000, 1_000_000)]
    assert (postings.layout, postings.code) == ("HB", 3)  # one field, small values left: narrow again
