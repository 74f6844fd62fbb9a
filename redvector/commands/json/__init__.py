"""RedisJSON's JSON.* commands over ``JsonValue`` keys (type ``ReJSON-RL``); one command group."""

from __future__ import annotations

from redvector.commands.json import values as _values  # noqa: F401 - registers its commands in the group
from redvector.commands.json.documents import group

__all__ = ["group"]
