"""Which keys an index covers: ON HASH, PREFIX (plain startswith), FILTER (an aggregation expression)."""

from __future__ import annotations

from redvector.errors import SearchError
from redvector.search.query.expr import Expr, parse_expr, truthy
from redvector.search.schema import IndexDefinition


class IndexRule:
    """The compiled PREFIX/FILTER of a definition."""

    def __init__(self, definition: IndexDefinition) -> None:
        self.prefixes = tuple(definition.prefixes) or (b"",)
        self.match_all = b"" in self.prefixes
        self.filter: Expr | None = None
        if definition.filter is not None:
            self.filter = parse_expr(definition.filter.decode("utf-8", "replace"))
        # FILTER reads hash fields by identifier; map them once.
        self._aliases = {f.name.decode("utf-8", "replace"): f.identifier for f in definition.fields}

    def key_matches(self, key: bytes) -> bool:
        return self.match_all or key.startswith(self.prefixes)

    def value_matches(self, key: bytes, value: dict[bytes, bytes]) -> bool:
        if self.filter is None:
            return True
        row: dict[str, object] = {"__key": key}
        for name in self.filter.properties:
            ident = self._aliases.get(name, name.encode())
            if ident in value:
                row[name] = value[ident]
        try:
            return truthy(self.filter.evaluate(row))
        except SearchError:  # a property the hash lacks: the document is not indexed (no error)
            return False
