"""TextIndex's compact occurrence arrays against a plain model (doc -> field -> tokens) through random
adds and removes: occurrences settle into the words' arrays in batches (a read may come between two fields
of one document), removed documents' occurrences are compacted away, a doc id indexed again (as a reload
does) starts clean, ids may arrive out of order, and every reader sees exactly the live documents."""

from __future__ import annotations

import random

import numpy as np
import pytest

from redvector.search.fields import text as text_module
from redvector.search.fields.text import TextIndex
from redvector.search.fields.tokens import fuzzy_matches, stem

WORDS = ["run", "runs", "running", "apple", "apples", "red", "blue", "sky", "the"]
FIELDS = [b"a", b"b"]
WEIGHTS = {b"a": 1.0, b"b": 2.0}


def _model_positions(doc: list[tuple[bytes, list[str]]]) -> dict[str, dict[bytes, list[int]]]:
    out: dict[str, dict[bytes, list[int]]] = {}
    pos = 0
    for field, tokens in doc:
        for tok in tokens:
            if tok == "the":  # a stop word: no position
                continue
            pos += 1
            out.setdefault(tok, {}).setdefault(field, []).append(pos)
    return out


@pytest.mark.parametrize(("batch", "wide", "churn"), [(1 << 21, 1 << 24, False), (7, 1 << 24, False),
                                                    (1 << 21, 5, False), (7, 1 << 24, True), (1 << 21, 5, True)],
                         ids=["one-batch", "small-batches", "wide-word-ids", "churning-words",
                              "churning-wide-word-ids"])
def test_occurrence_arrays_follow_random_writes(batch: int, wide: int, churn: bool,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """``churn``: a third of the words are new ones that few documents share, so words leave the
    vocabulary as their last documents go and new words take their numbers."""
    monkeypatch.setattr(text_module, "SETTLE_BATCH", batch)  # 7: batches settle in the middle of documents
    monkeypatch.setattr(text_module, "WIDE_WORD_ID", wide)  # 5: most documents' forward arrays go 8-byte
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
    next_id = 1
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
            pos = 0
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
                index.add(doc_id, b"a", " ".join(fields[0][1]), 0, 1.0)
                model[doc_id] = fields
        if step % 50 == 0 or step == 1499:
            _check(index, model)


def _check(index: TextIndex, model: dict[int, list[tuple[bytes, list[str]]]]) -> None:
    positions = {d: _model_positions(doc) for d, doc in model.items()}
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
