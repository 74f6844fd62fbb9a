"""The pub/sub hub: channel, pattern and shard-channel subscriptions, and message fan-out.

Messages leave as ``Push`` values through ``client.deliver`` (RESP3 push frames, RESP2 arrays); the
transport disconnects a subscriber that stops reading once its output passes
``client-output-buffer-limit pubsub``. Subscriptions are dropped on RESET and on disconnect.
"""

from __future__ import annotations

from redvector.keyspace.glob import glob_match
from redvector.replies import Push
from redvector.server.client import ClientState
from redvector.server.server import Server

Subscribers = dict[bytes, dict[ClientState, None]]  # channel -> subscribers in subscription order


class PubSubHub:
    """Who listens to what. Kinds: ``channels`` (SUBSCRIBE), ``patterns`` (PSUBSCRIBE), ``shard`` (SSUBSCRIBE)."""

    def __init__(self) -> None:
        self.channels: Subscribers = {}
        self.patterns: Subscribers = {}
        self.shard: Subscribers = {}

    # -- subscriptions ------------------------------------------------------------------------------------------
    @staticmethod
    def _add(table: Subscribers, mine: set[bytes], client: ClientState, name: bytes) -> bool:
        if name in mine:
            return False
        mine.add(name)
        table.setdefault(name, {})[client] = None
        client.refresh_gate()
        return True

    @staticmethod
    def _remove(table: Subscribers, mine: set[bytes], client: ClientState, name: bytes) -> bool:
        if name not in mine:
            return False
        mine.discard(name)
        client.refresh_gate()
        subscribers = table.get(name)
        if subscribers is not None:
            subscribers.pop(client, None)
            if not subscribers:
                del table[name]
        return True

    def subscribe(self, client: ClientState, channel: bytes) -> bool:
        return self._add(self.channels, client.channels, client, channel)

    def unsubscribe(self, client: ClientState, channel: bytes) -> bool:
        return self._remove(self.channels, client.channels, client, channel)

    def psubscribe(self, client: ClientState, pattern: bytes) -> bool:
        return self._add(self.patterns, client.patterns, client, pattern)

    def punsubscribe(self, client: ClientState, pattern: bytes) -> bool:
        return self._remove(self.patterns, client.patterns, client, pattern)

    def ssubscribe(self, client: ClientState, channel: bytes) -> bool:
        return self._add(self.shard, client.shard_channels, client, channel)

    def sunsubscribe(self, client: ClientState, channel: bytes) -> bool:
        return self._remove(self.shard, client.shard_channels, client, channel)

    def drop_client(self, client: ClientState) -> None:
        """Forget every subscription of a client (RESET, disconnect); no confirmations are sent."""
        for channel in list(client.channels):
            self.unsubscribe(client, channel)
        for pattern in list(client.patterns):
            self.punsubscribe(client, pattern)
        for channel in list(client.shard_channels):
            self.sunsubscribe(client, channel)

    def counts(self) -> tuple[int, int]:
        """(active channels, patterns), as INFO's pubsub_channels and pubsub_patterns."""
        return len(self.channels), len(self.patterns)

    # -- publishing -------------------------------------------------------------------------------------------------
    def publish(self, channel: bytes, message: bytes) -> int:
        """Deliver to the channel's subscribers, then to every matching pattern; returns the receivers."""
        receivers = 0
        subscribers = self.channels.get(channel)
        if subscribers:
            push = Push([b"message", channel, message])
            for client in list(subscribers):
                client.deliver(push)
                receivers += 1
        if self.patterns:
            for pattern, clients in list(self.patterns.items()):
                if glob_match(pattern, channel):
                    push = Push([b"pmessage", pattern, channel, message])
                    for client in list(clients):
                        client.deliver(push)
                        receivers += 1
        return receivers

    def spublish(self, channel: bytes, message: bytes) -> int:
        subscribers = self.shard.get(channel)
        if not subscribers:
            return 0
        push = Push([b"smessage", channel, message])
        for client in list(subscribers):
            client.deliver(push)
        return len(subscribers)


def pubsub_hub(server: Server) -> PubSubHub:
    """The server's hub, created (with its RESET and disconnect hooks) on first use."""
    hub: PubSubHub | None = server.extensions.get("pubsub")
    if hub is None:
        hub = PubSubHub()
        server.extensions["pubsub"] = hub
        server.extensions["pubsub_counts"] = hub.counts  # INFO stats pubsub_channels / pubsub_patterns
        server.extensions.setdefault("client_reset_hooks", []).append(hub.drop_client)
        server.extensions.setdefault("client_closed_hooks", []).append(hub.drop_client)
    return hub
