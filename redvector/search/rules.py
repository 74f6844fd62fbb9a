"""Which keys an index covers: ON HASH / ON JSON, PREFIX (plain startswith), FILTER (an aggregation
expression over the document's fields: hash fields by identifier, JSON values by path)."""

from __future__ import annotations

from typing import Any

from redvector.errors import SearchError
from redvector.search.json_documents import filter_value
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
        self._json = definition.on == "JSON"

    def key_matches(self, key: bytes) -> bool:
        return self.match_all or key.startswith(self.prefixes)

    def value_matches(self, key: bytes, value: Any) -> bool:
        if self.filter is None:
            return True
        row: dict[str, object] = {"__key": key}
        for name in self.filter.properties:
            ident = self._aliases.get(name, name.encode())
            if self._json:
                v = filter_value(value.root, ident)
                if v is not None:
                    row[name] = v
            elif ident in value:
                row[name] = value[ident]
        try:
            return truthy(self.filter.evaluate(row))
        except SearchError:  # a property the document lacks: RediSearch indexes it (the FILTER failed, not false)
            return True
