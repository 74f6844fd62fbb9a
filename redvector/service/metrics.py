"""Prometheus metrics for GET /metrics: a collector that reads the live server on each scrape, plus the
search latency histogram that REST and gRPC searches observe. One registry per server (no globals)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from redvector.server.server import Server
from redvector.service import engine

LATENCY_BUCKETS_S = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


def rss_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


class ServerCollector(Collector):
    def __init__(self, server: Server) -> None:
        self.server = server

    def collect(self) -> Iterator[Metric]:
        server = self.server
        commands = CounterMetricFamily("redvector_commands_processed", "Commands processed, per command",
                                       labels=["command"])
        for name, calls in sorted(server.stats.command_calls.items()):
            commands.add_metric([name.lower()], calls)
        yield commands
        total = CounterMetricFamily("redvector_commands_processed_all", "Commands processed in total")
        total.add_metric([], server.stats.total_commands)
        yield total
        clients = GaugeMetricFamily("redvector_connected_clients", "Connected RESP clients")
        clients.add_metric([], sum(1 for c in server.clients.values() if not c.internal))
        yield clients
        keys = GaugeMetricFamily("redvector_db_keys", "Keys per database", labels=["db"])
        for db in server.databases:
            if len(db):
                keys.add_metric([str(db.index)], len(db))
        yield keys
        memory = GaugeMetricFamily("redvector_memory_rss_bytes", "Resident memory of the server process")
        memory.add_metric([], rss_bytes())
        yield memory
        docs = GaugeMetricFamily("redvector_index_documents", "Documents per search index", labels=["index"])
        reg = engine.registry(server)
        if reg is not None:
            for name in engine.index_names(server):
                index: Any = reg.get(name.encode())
                if index is None:
                    continue
                value = index.num_docs
                docs.add_metric([name], int(value() if callable(value) else value))
        yield docs


class Metrics:
    def __init__(self, server: Server) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(ServerCollector(server))
        self.search_latency = Histogram(
            "redvector_search_latency_seconds", "Vector search latency through the REST and gRPC APIs",
            labelnames=["protocol"], buckets=LATENCY_BUCKETS_S, registry=self.registry,
        )

        self._children: dict[str, Any] = {}

    def observe_search(self, protocol: str, seconds: float) -> None:
        child = self._children.get(protocol)
        if child is None:
            child = self._children[protocol] = self.search_latency.labels(protocol)
        child.observe(seconds)
