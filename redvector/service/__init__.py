"""The transport-neutral vector API shared by REST and gRPC (collections are search indexes, points hashes)."""

from __future__ import annotations

from redvector.commands.dispatcher import Dispatcher
from redvector.server.server import Server
from redvector.service.aliases import Aliases
from redvector.service.collections import Collections
from redvector.service.metrics import Metrics
from redvector.service.points import Points
from redvector.service.product import ProductAPI
from redvector.service.qdrant import QDRANT_VERSION, QdrantAPI
from redvector.service.store import Store


class VectorAPI:
    """One per App: the store (internal client), collections, points and the two API flavours."""

    def __init__(self, server: Server, dispatcher: Dispatcher, qdrant_version: str = QDRANT_VERSION) -> None:
        self.server = server
        self.store = Store(server, dispatcher)
        self.collections = Collections(self.store)
        self.points = Points(self.store, self.collections)
        self.aliases = Aliases(self.collections)
        self.qdrant = QdrantAPI(self.collections, self.points)
        self.product = ProductAPI(self.collections, self.points)
        self.qdrant_version = qdrant_version
        self.metrics = Metrics(server)


__all__ = ["VectorAPI"]
