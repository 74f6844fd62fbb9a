"""Qdrant collection aliases (``POST /collections/aliases``, ``GET /aliases``, gRPC UpdateAliases/ListAliases)
as the search engine's index aliases: FT.ALIASUPDATE / FT.ALIASDEL through the dispatcher, so they are in the
AOF and the snapshots, resolve wherever a collection name is read, and go when their collection is dropped."""

from __future__ import annotations

from typing import Any

from redvector.errors import BadRequest, NotFound
from redvector.service import engine
from redvector.service.collections import Collections, not_found


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise BadRequest(f"Format error in JSON body: {where} must be a non-empty string")
    return value


def parse_actions(body: Any) -> list[tuple[str, str, str]]:
    """``{"actions": [...]}`` -> [(kind, a, b)]: ("create", alias, collection), ("delete", alias, ""),
    ("rename", old, new). The whole list is checked before any change."""
    actions = body.get("actions") if isinstance(body, dict) else None
    if not isinstance(actions, list):
        raise BadRequest("Format error in JSON body: missing field `actions` (a list)")
    out: list[tuple[str, str, str]] = []
    for i, action in enumerate(actions):
        if not isinstance(action, dict) or len(action) != 1:
            raise BadRequest(f"Format error in JSON body: actions[{i}] must be one of create_alias, "
                             "delete_alias, rename_alias")
        kind, spec = next(iter(action.items()))
        if not isinstance(spec, dict):
            raise BadRequest(f"Format error in JSON body: actions[{i}].{kind} must be an object")
        where = f"actions[{i}].{kind}"
        if kind == "create_alias":
            out.append(("create", _name(spec.get("alias_name"), f"{where}.alias_name"),
                        _name(spec.get("collection_name"), f"{where}.collection_name")))
        elif kind == "delete_alias":
            out.append(("delete", _name(spec.get("alias_name"), f"{where}.alias_name"), ""))
        elif kind == "rename_alias":
            out.append(("rename", _name(spec.get("old_alias_name"), f"{where}.old_alias_name"),
                        _name(spec.get("new_alias_name"), f"{where}.new_alias_name")))
        else:
            raise BadRequest(f"Format error in JSON body: unknown alias action `{kind}`")
    return out


class Aliases:
    def __init__(self, collections: Collections) -> None:
        self.collections = collections
        self.store = collections.store
        self.server = collections.server

    def list(self, collection: str | None = None) -> list[dict[str, str]]:
        """Every alias (of one collection when given), sorted by alias name."""
        if collection is not None and not self._is_collection(collection):
            raise not_found(collection)
        return [{"alias_name": alias, "collection_name": target}
                for alias, target in sorted(engine.aliases(self.server).items())
                if collection is None or target == collection]

    def _is_collection(self, name: str) -> bool:
        return name in engine.index_names(self.server) and self.collections.exists(name)

    def update(self, body: Any) -> bool:
        """Apply the actions in order (Qdrant's semantics: create replaces an alias of the same name)."""
        for kind, first, second in parse_actions(body):
            current = engine.aliases(self.server)
            if kind == "create":
                if not self._is_collection(second):
                    raise not_found(second)
                if first in engine.index_names(self.server):
                    raise BadRequest(f"Wrong input: Alias `{first}` is the name of a collection")
                self.store.execute([b"FT.ALIASUPDATE", first.encode(), second.encode()])
            elif kind == "delete":
                if first not in current:
                    raise NotFound(f"Not found: Alias `{first}` doesn't exist!")
                self.store.execute([b"FT.ALIASDEL", first.encode()])
            else:
                if first not in current:
                    raise NotFound(f"Not found: Alias `{first}` doesn't exist!")
                if second in engine.index_names(self.server):
                    raise BadRequest(f"Wrong input: Alias `{second}` is the name of a collection")
                self.store.execute([b"FT.ALIASUPDATE", second.encode(), current[first].encode()])
                if second != first:
                    self.store.execute([b"FT.ALIASDEL", first.encode()])
        return True
