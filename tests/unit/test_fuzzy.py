"""fuzzy_matches (rapidfuzz over a whole vocabulary) against the edit distance it stands for, written out
plainly here: Levenshtein's, with a swap of the query's last two letters counting as one edit."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from redvector.search.fields.tokens import fuzzy_matches


def _levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _distance(query: str, term: str) -> int:
    d = _levenshtein(query, term)
    if d > 1 and len(query) >= 2 and query[-1] != query[-2]:
        d = min(d, 1 + _levenshtein(query[:-2] + query[-1] + query[-2], term))
    return d


_WORDS = st.text(alphabet="abcdé", max_size=6)


@settings(max_examples=300, deadline=None)
@given(query=_WORDS, vocabulary=st.lists(_WORDS, max_size=30), distance=st.integers(min_value=1, max_value=3))
def test_matches_the_plain_distance(query: str, vocabulary: list[str], distance: int) -> None:
    expected = [i for i, term in enumerate(vocabulary) if _distance(query, term) <= distance]
    assert fuzzy_matches(query, vocabulary, distance) == expected


def test_examples() -> None:
    words = ["fox", "box", "fix", "fxo", "foxes", "of", "xof", "fo"]
    assert [words[i] for i in fuzzy_matches("fxo", words, 1)] == ["fox", "fxo", "fo"]
    assert [words[i] for i in fuzzy_matches("fox", words, 1)] == ["fox", "box", "fix", "fxo", "fo"]
    assert [words[i] for i in fuzzy_matches("fox", words, 2)] == ["fox", "box", "fix", "fxo", "foxes", "of", "xof", "fo"]
    assert fuzzy_matches("fox", [], 1) == []
