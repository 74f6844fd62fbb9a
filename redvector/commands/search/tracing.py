"""The hooks through which FT.PROFILE (profile.py) watches FT.SEARCH's and FT.AGGREGATE's own code run a
query: ``run_search`` (queries.py) and ``run_aggregate`` (aggregate.py) take a SearchTrace and call it at
the points below. Without one they run as they always do; this base class does nothing either."""

from __future__ import annotations

from typing import Any

from redvector.search.index import SearchIndex
from redvector.search.query.executor import Executor, QueryOptions


class SearchTrace:
    def executor(self, index: SearchIndex, opts: QueryOptions) -> Executor:
        """The executor the query runs on (FT.PROFILE's records what each clause matched, and when)."""
        return Executor(index, opts)

    def ordered(self) -> None:
        """FT.SEARCH has put its matches in reply order; it builds the page's rows next."""

    def pipeline(self, steps: list[Any], opts: dict[str, Any], loader: Any) -> list[Any]:
        """FT.AGGREGATE's parsed steps (aggregate.Step; ``opts``: its other options, ``loader``: what reads
        the documents' fields), before the query is parsed: the steps to run in their place."""
        return steps
