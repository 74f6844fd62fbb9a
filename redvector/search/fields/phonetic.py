"""PHONETIC text fields: RediSearch's double-metaphone terms.

A word of a ``PHONETIC dm:*`` field is indexed with its phonetic term as well, ``<`` and its primary code
of at most four letters (``jean``: ``<JN``; the secondary code, ``AN``, is not used), at the word's
position, weighted by the field as the word is. A query word on such a field expands to a union of itself, its primary code
(``jon``: ``<JN``) and its stem record, as RediSearch's default expander builds it; ``$phonetic: false``
turns that off for a clause, and ``$phonetic`` on a clause none of whose fields is phonetic is an error.
The codes are Lawrence Philips' Double Metaphone, the algorithm RediSearch ships (the language in
``dm:en`` / ``dm:fr`` / ... does not change them).
"""

from __future__ import annotations

from functools import lru_cache

from doublemetaphone import doublemetaphone

from redvector.errors import SearchError
from redvector.search.schema import FieldType, IndexDefinition

PREFIX = "<"
CODE_LENGTH = 4


@lru_cache(maxsize=65536)
def _codes(word: str) -> tuple[str, str]:
    primary, secondary = doublemetaphone(word)
    return primary[:CODE_LENGTH], secondary[:CODE_LENGTH]


def index_terms(word: str) -> tuple[str, ...]:
    """The phonetic terms a word of a PHONETIC field is indexed with: its primary code (RediSearch's
    tokenizer computes no other), none for a word without one."""
    primary = _codes(word)[0]
    return (PREFIX + primary,) if primary else ()


def query_term(definition: IndexDefinition, fields: tuple[bytes, ...] | None, attribute: bool | None,
               word: str) -> str | None:
    """The phonetic term a query word expands to, or None: by default when one of the clause's fields
    (every TEXT field without ``@field:``) is phonetic; ``attribute`` is the clause's ``$phonetic``,
    which needs such a field either way."""
    specs = [f for f in definition.fields if f.type is FieldType.TEXT and (fields is None or f.name in fields)]
    phonetic = any(f.phonetic for f in specs)
    if attribute is not None and not phonetic:
        raise SearchError("field does not support phonetics")
    if not (phonetic if attribute is None else attribute):
        return None
    primary = _codes(word)[0]
    return PREFIX + primary if primary else None
