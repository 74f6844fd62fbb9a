"""Qdrant collection aliases over REST and gRPC (qdrant-client), compared with QdrantClient(":memory:"), and
seen over RESP as the search engine's index aliases."""

from __future__ import annotations

from typing import Any

import httpx
import redis
from qdrant_client import QdrantClient, models

from tests.serverutil import ThreadedServer


def _create(alias: str, collection: str) -> models.CreateAliasOperation:
    return models.CreateAliasOperation(create_alias=models.CreateAlias(collection_name=collection, alias_name=alias))


def _aliases(c: QdrantClient, collection: str | None = None) -> list[tuple[str, str]]:
    found = c.get_aliases() if collection is None else c.get_collection_aliases(collection)
    return sorted((a.alias_name, a.collection_name) for a in found.aliases)


def test_aliases_match_local_mode(client: QdrantClient, clean: redis.Redis) -> None:
    oracle = QdrantClient(":memory:")
    for c in (client, oracle):
        for name, first in (("a", 1.0), ("b", -1.0)):
            c.create_collection(name, vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
            c.upsert(name, points=[models.PointStruct(id=1, vector=[first, 0.5], payload={"in": name})])
        assert c.update_collection_aliases(change_aliases_operations=[_create("live", "a"), _create("old", "b")])
    assert _aliases(client) == _aliases(oracle) == [("live", "a"), ("old", "b")]
    assert _aliases(client, "a") == _aliases(oracle, "a") == [("live", "a")]
    # Searches, retrieval and info through the alias reach the collection.
    hit = client.query_points("live", query=[1.0, 0.0], with_payload=True).points[0]
    assert hit.payload == oracle.query_points("live", query=[1.0, 0.0], with_payload=True).points[0].payload
    assert client.get_collection("live").points_count == 1
    assert [c.name for c in client.get_collections().collections] == ["a", "b"]  # aliases are not listed

    # create_alias over an existing alias moves it; rename keeps the target; delete removes it.
    for c in (client, oracle):
        c.update_collection_aliases(change_aliases_operations=[
            _create("live", "b"),
            models.RenameAliasOperation(rename_alias=models.RenameAlias(old_alias_name="old", new_alias_name="prev")),
            models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name="live")),
            _create("live", "b"),
        ])
    assert _aliases(client) == _aliases(oracle) == [("live", "b"), ("prev", "b")]
    assert client.query_points("live", query=[1.0, 0.0], with_payload=True).points[0].payload == {"in": "b"}
    # Over RESP the alias is FT's: FT.SEARCH by the alias name reads collection b.
    assert clean.execute_command("FT.SEARCH", "live", "*", "NOCONTENT")[0] == 1
    clean.execute_command("FT.ALIASDEL", "prev")
    assert _aliases(client) == [("live", "b")]

    # Dropping a collection drops its aliases; an alias name does not drop the collection.
    assert not client.delete_collection("live")
    assert client.collection_exists("b")
    for c in (client, oracle):
        c.delete_collection("b")
    assert _aliases(client) == _aliases(oracle) == []


def test_alias_errors(server: ThreadedServer, rest: httpx.Client, clean: redis.Redis) -> None:
    assert rest.put("/collections/a", json={"vectors": {"size": 2, "distance": "Cosine"}}).status_code == 200

    def post(*actions: dict[str, Any]) -> httpx.Response:
        return rest.post("/collections/aliases", json={"actions": list(actions)})

    missing = post({"create_alias": {"collection_name": "nope", "alias_name": "x"}})
    assert missing.status_code == 404 and missing.json()["status"]["error"] == \
        "Not found: Collection `nope` doesn't exist!"
    assert post({"delete_alias": {"alias_name": "x"}}).status_code == 404
    assert post({"rename_alias": {"old_alias_name": "x", "new_alias_name": "y"}}).status_code == 404
    assert post({"create_alias": {"collection_name": "a", "alias_name": "a"}}).status_code == 400
    bad = post({"create_alias": {"collection_name": "a"}})
    assert bad.status_code == 400 and "alias_name" in bad.json()["status"]["error"]
    assert post({"drop_alias": {"alias_name": "x"}}).status_code == 400
    assert rest.post("/collections/aliases", json={}).status_code == 400
    # A bad action anywhere in the list changes nothing.
    assert post({"create_alias": {"collection_name": "a", "alias_name": "x"}}, {"bogus": {}}).status_code == 400
    assert rest.get("/aliases").json()["result"] == {"aliases": []}
    assert rest.get("/collections/nope/aliases").status_code == 404
    assert post({"create_alias": {"collection_name": "a", "alias_name": "x"}}).json()["result"] is True
    assert rest.get("/collections/a/aliases").json()["result"] == {"aliases": [{"alias_name": "x",
                                                                                "collection_name": "a"}]}
