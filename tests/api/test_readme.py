"""The README's curl and grpcurl examples, run as written (host and ports mapped to the test server)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import grpc
import httpx

from tests.api.test_vector_service import grpcurl
from tests.serverutil import ThreadedServer

README = Path(__file__).resolve().parents[2] / "README.md"


def commands(tool: str) -> list[list[str]]:
    text = README.read_text()
    section = text[text.index("### REST, gRPC and the Qdrant-compatible API"):]
    return [shlex.split(line) for line in section.splitlines() if line.startswith(tool + " ")]


def run_curl(argv: list[str], ports: dict[str, int]) -> httpx.Response:
    method, headers, data, url = "GET", {}, None, ""
    args = iter(argv[1:])
    for arg in args:
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, value = next(args).split(":", 1)
            headers[name.strip()] = value.strip()
        elif arg == "-d":
            data = next(args)
            method = "POST" if method == "GET" else method
        else:
            url = arg
    port = {"8888": ports["rest"], "6333": ports["qdrant"]}
    url = re.sub(r"^localhost:(\d+)", lambda m: f"http://127.0.0.1:{port[m.group(1)]}", url)
    return httpx.request(method, url, headers=headers, content=data, timeout=10)


def test_product_and_qdrant_curl_examples(server: ThreadedServer, clean: Any) -> None:
    replies = [run_curl(argv, server.ports()) for argv in commands("curl")]
    assert [r.status_code for r in replies] == [201] + [200] * (len(replies) - 1)
    by_path = {r.request.url.path + ("?" if r.request.url.query else "") + r.request.method: r for r in replies}
    search = by_path["/api/collections/my_vectors/search?GET"].json()
    assert [hit["id"] for hit in search["results"]] == [1, "song-2"]
    assert search["distance"] == "Cosine"
    filtered = by_path["/api/collections/my_vectors/searchPOST"].json()
    assert [hit["id"] for hit in filtered["results"]] == ["song-2"]
    assert by_path["/api/collections/my_vectors/points/song-2GET"].json()["payload"] == {"genre": "jazz", "year": 1959}
    assert by_path["/api/collections/my_vectorsGET"].json()["points_count"] == 1
    query = by_path["/collections/demo/points/queryPOST"].json()["result"]["points"]
    assert [(p["id"], p["payload"]) for p in query] == [(2, {"city": "London"})]


def test_grpcurl_examples(server: ThreadedServer, clean: Any) -> None:
    with grpc.insecure_channel(f"127.0.0.1:{server.ports()['grpc']}") as channel:
        results = []
        for argv in commands("grpcurl"):
            assert argv[1:3] == ["-plaintext", "localhost:50051"] and argv[4] == "-d"
            results.append(grpcurl(channel, argv[3].split("/")[1], argv[5]))
    assert results[0] == {"success": True, "message": "Collection 'my_vectors' created successfully"}
    assert results[2]["result"][0]["id"] == "1"
    assert results[3]["pointsCount"] == "1"
    assert results[4] == {"success": True}
