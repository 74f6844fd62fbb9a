"""FT.SEARCH SUMMARIZE: a returned text field cut down to the fragments around the query's terms.

As RediSearch 2.10 does it (src/fragmenter.c and src/highlight_processor.c; checked against Redis Stack 7.4.1):

* Matches (``field_tokens``): the field's tokens in index order (stop words have no position), those that the
  query's terms cover (``query_terms`` in highlight.py) with the term that matched and its IDF. A match covers
  the bytes from its start up to the next separator byte.
* Fragments: a match at most 8 positions after the previous one joins its fragment, a farther one starts a new
  fragment. A fragment runs from its first match to the end of its last; its score adds up the IDF of each
  distinct term in it once.
* Selection: the FRAGS best-scoring fragments (the earlier one on a tie), written in document order, each one
  followed by the SEPARATOR (the last one too). FRAGS 0 gives an empty string.
* Context: LEN words, less the fragment's own non-matching tokens, halved for each side and counted as 6 bytes
  a word. Each edge then moves inwards to a whole word (a word that the edge lands on is dropped, even a
  complete one), and never goes past a neighbouring selected fragment. Inside a written fragment every run of
  whitespace becomes one space.
* No match in the field (or a field that is not a TEXT attribute): SUMMARIZE alone gives the field's head
  (``head``); with HIGHLIGHT as well, the field comes back whole.

Only the separators of RediSearch's src/toksep.h count when the fragment edges and match lengths are found:
newlines and other control whitespace do not, nor does a backslash.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from redvector.search.fields.tokens import SEPARATORS, stem, token_spans
from redvector.search.query.highlight import HighlightTerms

_TOKSEP = frozenset(SEPARATORS.encode())
_SPACES_RE = re.compile(rb"[ \t\n\v\f\r]+")  # C's isspace()
MAX_DISTANCE = 8  # positions between two matches of one fragment (FragmentList_Init(&frags, 8, 6))
WORD_BYTES = 6  # the bytes a context word is estimated at
_SIZE_T = 2**64


@dataclass(frozen=True, slots=True)
class SummarizeSpec:
    """FT.SEARCH's SUMMARIZE [FIELDS n f ...] [FRAGS n] [LEN n] [SEPARATOR s]; fields None: every returned
    field."""

    fields: tuple[bytes, ...] | None = None
    frags: int = 3
    length: int = 20  # LEN: the context, in words, around each fragment
    separator: bytes = b"... "


@dataclass(frozen=True, slots=True)
class Token:
    start: int  # byte offset in the field's text
    term: str | None = None  # the query term it matches (a stem as "+stem"), None for other words
    idf: float = 0.0


@dataclass(slots=True)
class _Fragment:
    start: int
    end: int
    last_pos: int
    tokens: int = 0  # tokens from the first match to the last, both in
    score: float = 0.0
    matches: list[tuple[int, int]] = field(default_factory=list)  # (start, end) byte offsets
    terms: set[str] = field(default_factory=set)


def field_tokens(value: bytes, terms: HighlightTerms, stopwords: frozenset[str], idf: Callable[[str], float],
                 language: str | None = None) -> list[Token]:
    """The indexed tokens of a field's text, as positions 1, 2, ... (TextIndex.add's order), each with the query
    term it matches: the word itself when the query has it (or has a word it is the stem of), else ``+stem``
    (RediSearch's record for the words of one stem). ``idf`` gives a term's IDF."""
    text = value.decode("utf-8", "surrogateescape")
    ascii_only = text.isascii()
    out: list[Token] = []
    char_at = byte_at = 0
    for start, word in token_spans(text):
        if word in stopwords:
            continue
        if not ascii_only:
            byte_at += len(text[char_at:start].encode("utf-8", "surrogateescape"))
            char_at = start
        term = _matched_term(word, terms, language)
        offset = start if ascii_only else byte_at
        out.append(Token(offset) if term is None else Token(offset, term, idf(term)))
    return out


def _matched_term(word: str, terms: HighlightTerms, language: str | None) -> str | None:
    if word in terms.exact:
        return word
    if terms.stems:
        root = stem(word, language)
        if root in terms.stems:
            return word if root == word else "+" + root
    return None


def _word_end(value: bytes, start: int) -> int:
    end = start
    while end < len(value) and value[end] not in _TOKSEP:
        end += 1
    return end


def _fragments(value: bytes, tokens: list[Token]) -> list[_Fragment]:
    """FragmentList_FragmentizeIter: the matches grouped into fragments (see the module doc). A match that
    starts inside the previous one (its bytes already taken) is skipped, and counts as no token."""
    frags: list[_Fragment] = []
    since = 0  # non-matching tokens since the last match
    taken = 0
    for pos, tok in enumerate(tokens, 1):
        if tok.term is None:
            since += 1
            continue
        if tok.start < taken or tok.start >= len(value):
            continue
        end = _word_end(value, tok.start)
        frag = frags[-1] if frags else None
        if frag is None or pos - frag.last_pos > MAX_DISTANCE:
            frag = _Fragment(tok.start, end, pos)
            frags.append(frag)
            since = 0
        if tok.term not in frag.terms:
            frag.terms.add(tok.term)
            frag.score += tok.idf
        frag.end, frag.last_pos = end, pos
        frag.matches.append((tok.start, end))
        frag.tokens += since + 1
        since = 0
        taken = end
    return frags


def _context(value: bytes, frag: _Fragment, low: int, high: int, length: int) -> tuple[int, int]:
    """FragmentList_FindContext: the fragment's bounds with its context, ``low``..``high`` (inclusive) the
    most it may take."""
    inner = frag.tokens - len(frag.matches)
    if length <= inner:
        return frag.start, frag.end
    width = (length - inner) // 2 * WORD_BYTES
    low = max(frag.start - width, low)
    high = min(frag.end + width, high)
    while low < frag.start and value[low] not in _TOKSEP:  # into the next word...
        low += 1
    while low < frag.start and value[low] in _TOKSEP:  # ...and to its first byte
        low += 1
    while high > frag.end and value[high] not in _TOKSEP:
        high -= 1
    while high > frag.end and value[high] in _TOKSEP:
        high -= 1
    return low, max(high + 1, frag.end)


def _marked(value: bytes, start: int, end: int, matches: list[tuple[int, int]],
            tags: tuple[bytes, bytes] | None) -> bytes:
    """``value[start:end]`` with the matches (all inside it) wrapped in the tags."""
    if tags is None:
        return value[start:end]
    parts: list[bytes] = []
    at = start
    for m_start, m_end in matches:
        parts += (value[at:m_start], tags[0], value[m_start:m_end], tags[1])
        at = m_end
    parts.append(value[at:end])
    return b"".join(parts)


def summarize(value: bytes, tokens: list[Token], spec: SummarizeSpec,
              tags: tuple[bytes, bytes] | None = None) -> bytes | None:
    """The field's fragments with their context, each followed by the separator, the matches wrapped in
    ``tags`` (HIGHLIGHT as well). None where the field has no match: then SUMMARIZE alone gives its ``head``,
    and with HIGHLIGHT it stays whole."""
    frags = _fragments(value, tokens)
    if not frags:
        return None
    best = sorted(range(len(frags)), key=lambda i: (-frags[i].score, i))[:spec.frags]
    chosen = [frags[i] for i in sorted(best)]
    out: list[bytes] = []
    for k, frag in enumerate(chosen):
        low = chosen[k - 1].end if k else 0
        high = chosen[k + 1].start if k + 1 < len(chosen) else len(value) - 1
        start, end = _context(value, frag, low, high, spec.length)
        out.append(_SPACES_RE.sub(b" ", _marked(value, start, end, frag.matches, tags)))
        out.append(spec.separator)
    return b"".join(out)


def mark_all(value: bytes, tokens: list[Token], tags: tuple[bytes, bytes]) -> bytes:
    """HIGHLIGHT alone over the matches ``tokens`` give (FragmentList_HighlightWholeDocV): the whole text, every
    match wrapped in the tags."""
    matches = [m for frag in _fragments(value, tokens) for m in frag.matches]
    return _marked(value, 0, len(value), matches, tags) if matches else value


def head(value: bytes, spec: SummarizeSpec) -> bytes:
    """trimField: the first 6 x (LEN x FRAGS + 1) bytes (a C size_t product), whitespace runs made one space,
    cut back to the last separator byte (at least one byte stays), trailing whitespace dropped."""
    size = min((WORD_BYTES * spec.length * spec.frags + WORD_BYTES) % _SIZE_T, len(value))
    out = _SPACES_RE.sub(b" ", value[:size])
    n = len(out)
    while n > 1 and out[n - 1] not in _TOKSEP:
        n -= 1
    return out[:n].rstrip(b" \t\n\v\f\r")
