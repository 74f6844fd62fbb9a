"""Keyspace notifications: a KeyspaceObserver that publishes key events per ``notify-keyspace-events``.

``__keyspace@<db>__:<key>`` carries the event name, ``__keyevent@<db>__:<event>`` carries the key, as
Redis's notifyKeyspaceEvent. CONFIG SET takes effect at once (a config listener re-reads the flags).
Not emitted: ``m`` (key-miss) and ``n`` (new key), which need hooks on reads and on key creation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redvector.config import Config
from redvector.keyspace.events import event_class, ignore_activity
from redvector.server.pubsub import PubSubHub

# 'A' is an alias for every type class (Redis: "g$lshzxetd"; it includes neither 'm' nor 'n').
ALL_CLASSES = "g$lshzxetd"


def parse_flags(text: str) -> tuple[bool, bool, frozenset[str]]:
    """(keyspace channel on, keyevent channel on, event classes) from the directive's letters."""
    classes: set[str] = set()
    for letter in text:
        if letter == "A":
            classes.update(ALL_CLASSES)
        elif letter not in "KE":
            classes.add(letter)
    return "K" in text, "E" in text, frozenset(classes)


class KeyspaceNotifier:
    """Publishes key events on the hub. Not called at all while notifications are off."""

    def __init__(self, hub: PubSubHub, config: Config) -> None:
        self.hub = hub
        self.keyspace = False
        self.keyevent = False
        self.classes: frozenset[str] = frozenset()
        self.enabled = False
        self.on_activity_change: Callable[[], None] = ignore_activity
        self.configure(str(config["notify-keyspace-events"]))
        config.on_change(self._config_changed)

    def configure(self, text: str) -> None:
        self.keyspace, self.keyevent, self.classes = parse_flags(text)
        self.enabled = (self.keyspace or self.keyevent) and bool(self.classes)
        self.on_activity_change()

    def wants_changes(self) -> bool:
        return self.enabled

    def _config_changed(self, name: str, value: Any) -> None:
        if name == "notify-keyspace-events":
            self.configure(str(value))

    # -- KeyspaceObserver ------------------------------------------------------------------------------------
    def key_changed(self, db_index: int, key: bytes, event: str) -> None:
        if not self.enabled or event_class(event) not in self.classes:
            return
        name = event.encode()
        if self.keyspace:
            self.hub.publish(b"__keyspace@%d__:%b" % (db_index, key), name)
        if self.keyevent:
            self.hub.publish(b"__keyevent@%d__:%b" % (db_index, name), key)

    def db_flushed(self, db_index: int | None) -> None:
        return None  # Redis sends no per-key events for FLUSHDB/FLUSHALL

    def dbs_swapped(self, a: int, b: int) -> None:
        return None
