"""RediSearch's tokenizer (separators, escapes, case folding), Snowball stemming and fuzzy distance:
what turns a field's text, or a query's word, into the terms the text index holds."""

from __future__ import annotations

import re
from collections.abc import Sequence

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

# src/toksep.h: a space, a tab and these punctuation characters separate tokens ('_' does not, nor a newline
# or another control character, nor a backslash, which escapes the next character)
SEPARATORS = " \t,.<>{}[]\"':;!@#$%^&*()-+=~|/?`"
_SPLIT_RE = re.compile("[" + re.escape(SEPARATORS) + "]+")
_PLAIN_RE = re.compile(r"[^\x00-\x08\x0a-\x1f\x7f\\]*\Z")  # text without control characters or backslashes

_STEMMERS: dict[str, snowballstemmer.stemmer] = {}


def stemmer_for(language: str | None) -> snowballstemmer.stemmer | None:
    """Snowball's stemmer for a language (snowballstemmer hands out PyStemmer's C one when it is
    installed: the same algorithms), None for one it does not know."""
    lang = (language or "english").lower()
    if lang not in _STEMMERS:
        try:
            stemmer = snowballstemmer.stemmer(lang)
        except KeyError:
            stemmer = None
        if hasattr(stemmer, "maxCacheSize"):  # PyStemmer's own cache of 10000 words: _STEM_CACHE is the one
            stemmer.maxCacheSize = 0
        _STEMMERS[lang] = stemmer
    return _STEMMERS[lang]


def stem(word: str, language: str | None = None, remember: bool = True) -> str:
    """Snowball's stem of ``word`` (remembered: PyStemmer's call costs ~1 us against ~0.1 us for the
    lookup, and scoring asks for the same words document after document; not when ``remember`` is False,
    as for a new word the text index keeps the stem of itself)."""
    key = (word, language)
    known = _STEM_CACHE.get(key)
    if known is None:
        s = stemmer_for(language)
        known = s.stemWord(word) if s is not None else word
        if not remember:
            return known
        if len(_STEM_CACHE) >= STEM_CACHE_SIZE:
            _STEM_CACHE.clear()
        _STEM_CACHE[key] = known
    return known


# Bounded (~250 bytes an entry): a vocabulary of unique tokens (ids, numbers) would otherwise fill it with
# stems asked for once; cleared when full.
STEM_CACHE_SIZE = 20_000
_STEM_CACHE: dict[tuple[str, str | None], str] = {}


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# ASCII text's bytes: A-Z folded, a separator made a space; the control characters (a tab is a separator)
# and the backslash, which need token_spans
_ASCII_TOKENS = bytes(32 if chr(b) in SEPARATORS else b + 32 if 65 <= b <= 90 else b for b in range(256))
_ASCII_SPECIAL = bytes(b for b in [*range(32), 127, 92] if chr(b) != "\t")


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
    if text.isascii():
        # bytes.translate folds A-Z and turns every separator into a space in one C pass (4x the regex's
        # speed); a control character or a backslash (deleted by it: the length changes) takes the long way
        raw = text.encode()
        plain = raw.translate(_ASCII_TOKENS, _ASCII_SPECIAL)
        if len(plain) == len(raw):
            return plain.decode().split()  # (the only whitespace left is the space)
    elif _PLAIN_RE.match(text):
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


def fuzzy_matches(query: str, candidates: Sequence[str], distance: int) -> list[int]:
    """The positions in ``candidates`` (ascending) of the words within ``distance`` edits of ``query`` as
    RediSearch's fuzzy matching (``%word%``, FT.SPELLCHECK) counts them: Levenshtein's distance, except
    that swapping the query's last two letters counts as one edit (``%fxo%`` finds "fox"; a swap anywhere
    else costs two). rapidfuzz scores the whole list at once (C++): the query, then the swapped query
    within one edit less."""
    if distance < 1:
        return [i for i, c in enumerate(candidates) if c == query]
    found = {i for _, _, i in process.extract(query, candidates, scorer=Levenshtein.distance, processor=None,
                                              score_cutoff=distance, limit=None)}
    if len(query) >= 2 and query[-1] != query[-2]:
        swapped = query[:-2] + query[-1] + query[-2]
        found.update(i for _, _, i in process.extract(swapped, candidates, scorer=Levenshtein.distance,
                                                      processor=None, score_cutoff=distance - 1, limit=None))
    return sorted(found)
