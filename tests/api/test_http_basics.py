"""REST basics that need no collection: health, docs page, version document, OpenAPI, metrics, errors."""

from __future__ import annotations

import httpx
import pytest

from tests.serverutil import ThreadedServer


def test_health_and_info(rest: httpx.Client, server: ThreadedServer) -> None:
    assert rest.get("/health").json() == {"status": "ok"}
    info = rest.get("/api/info").json()
    assert info["name"] == "RedVector"
    assert info["ports"]["rest"] == server.ports()["rest"]
    assert rest.get("/healthz").text == "healthz check passed"
    assert rest.get("/readyz").text == "all shards are ready"


def test_root_html_on_rest_port_and_json_for_qdrant_clients(rest: httpx.Client, qrest: httpx.Client) -> None:
    page = rest.get("/", headers={"accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "/api/collections/{name}/search" in page.text
    assert "http://" not in page.text.replace("http://localhost", "")  # no external assets
    as_client = rest.get("/", headers={"user-agent": "python-client/1.20.0 python/3.11.7"})
    assert as_client.json()["version"] == "1.19.0"
    assert qrest.get("/").json() == {"title": "qdrant - vector search engine", "version": "1.19.0"}


def test_openapi_lists_the_routes(rest: httpx.Client) -> None:
    doc = rest.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert "post" in doc["paths"]["/api/collections/{name}"]
    assert "put" in doc["paths"]["/collections/{name}/points"]


def test_metrics_exposition(rest: httpx.Client) -> None:
    rest.get("/health")
    text = rest.get("/metrics").text
    for name in ("redvector_commands_processed_total", "redvector_connected_clients", "redvector_db_keys",
                 "redvector_memory_rss_bytes", "redvector_index_documents", "redvector_search_latency_seconds"):
        assert name in text


def test_missing_collection_is_404_in_both_apis(rest: httpx.Client, qrest: httpx.Client) -> None:
    r = rest.get("/collections/nope")
    assert r.status_code == 404
    assert r.json()["status"]["error"] == "Not found: Collection `nope` doesn't exist!"
    assert qrest.get("/collections/nope/").status_code == 404  # trailing slash trimmed, as Qdrant does
    assert rest.get("/api/collections/nope").status_code == 404
    assert rest.get("/collections/nope/exists").json()["result"] == {"exists": False}
    assert rest.delete("/collections/nope").json()["result"] is False


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2"])
def test_malformed_json_is_400(rest: httpx.Client, body: bytes) -> None:
    r = rest.put("/collections/x", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["status"]["error"].startswith("Format error in JSON body")


def test_bad_collection_create_bodies(rest: httpx.Client) -> None:
    assert rest.put("/collections/x", json={"vectors": {"size": 0, "distance": "Cosine"}}).status_code == 400
    assert rest.put("/collections/x", json={"vectors": {"size": 4, "distance": "Manhattan"}}).status_code == 400
    assert rest.put("/collections/a:b", json={"vectors": {"size": 4, "distance": "Cosine"}}).status_code == 400
    assert rest.post("/api/collections/x", json={"distance": "Cosine"}).status_code == 400
    r = rest.post("/api/collections/x", json={"vector_size": 3, "distance": "Hamming"})
    assert r.status_code == 400 and "Hamming" in r.json()["error"]
