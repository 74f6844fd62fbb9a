"""FT.* commands (RediSearch-compatible): one group, split by family across this package's modules."""

from __future__ import annotations

from redvector.commands.search import (
    aggregate,
    dictionaries,
    indexes,
    info,
    internal,
    legacy,
    profile,
    queries,
    spellcheck,
    suggest,
    synonyms,
)
from redvector.commands.search.common import group

__all__ = [
    "aggregate", "dictionaries", "group", "indexes", "info", "internal", "legacy", "profile", "queries", "spellcheck", "suggest", "synonyms",
]
