"""The real CLI process (uvloop in the main thread): every listener answers and SIGTERM stops it cleanly,
so uvicorn's and grpc's own signal handling do not take over the app's."""

from __future__ import annotations

import signal
from pathlib import Path

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.serverutil import free_port, subprocess_server


def test_cli_serves_every_protocol_and_stops_on_sigterm() -> None:
    ports = {name: free_port() for name in ("rest", "grpc", "qdrant", "qdrant-grpc")}
    args = ["--appendonly", "no", "--save", ""]
    for name, port in ports.items():
        args += [f"--{name}-port", str(port)]
    with subprocess_server(args) as (proc, _resp_port):
        assert httpx.get(f"http://127.0.0.1:{ports['rest']}/health").json() == {"status": "ok"}
        assert httpx.get(f"http://127.0.0.1:{ports['qdrant']}/").json()["version"] == "1.19.0"
        for port in (ports["grpc"], ports["qdrant-grpc"]):
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
                assert reply.status == health_pb2.HealthCheckResponse.SERVING
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0


def test_rest_writes_survive_a_restart(tmp_path: Path) -> None:
    """REST writes are ordinary commands in the AOF: after a restart the collection and points are back."""
    rest_port = free_port()
    args = ["--dir", str(tmp_path), "--appendonly", "yes", "--appendfsync", "always", "--save", "",
            "--rest-port", str(rest_port)]
    base = f"http://127.0.0.1:{rest_port}"
    with subprocess_server(args) as (proc, _resp_port):
        assert httpx.post(f"{base}/api/collections/keep", json={"vector_size": 2, "distance": "Dot"}).status_code == 201
        body = {"points": [{"id": 1, "vector": [1, 2], "payload": {"tag": "x", "n": 3}}, {"id": "b", "vector": [2, 1]}]}
        assert httpx.post(f"{base}/api/collections/keep/points", json=body).status_code == 200
        assert httpx.delete(f"{base}/api/collections/keep/points/b").status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    with subprocess_server(args):
        info = httpx.get(f"{base}/api/collections/keep").json()
        assert (info["vector_size"], info["distance"], info["points_count"]) == (2, "InnerProduct", 1)
        point = httpx.get(f"{base}/api/collections/keep/points/1").json()
        assert point == {"id": 1, "vector": [1.0, 2.0], "payload": {"tag": "x", "n": 3}}
        hits = httpx.get(f"{base}/api/collections/keep/search?vector=1,1&limit=5").json()["results"]
        assert [h["id"] for h in hits] == [1]


def _rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * 4096 / 1e6


def test_qdrant_grpc_loads_on_first_use() -> None:
    """Qdrant's gRPC services import qdrant-client (~45 MB) only when first reached: a fresh process is
    smaller, reflection still describes them, and the first Qdrant call is served."""
    from google.protobuf import descriptor_pool
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
    from qdrant_client import QdrantClient, models

    ports = {name: free_port() for name in ("grpc", "qdrant", "qdrant-grpc")}
    args = ["--appendonly", "no", "--save", ""]
    for name, port in ports.items():
        args += [f"--{name}-port", str(port)]
    with subprocess_server(args) as (proc, _resp_port):
        with grpc.insecure_channel(f"127.0.0.1:{ports['grpc']}") as channel:
            grpc.channel_ready_future(channel).result(timeout=20)
            before = _rss_mb(proc.pid)
            pool = descriptor_pool.DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
            points = pool.FindServiceByName("qdrant.Points")
            assert points.FindMethodByName("Search").input_type.full_name == "qdrant.SearchPoints"
        loaded = _rss_mb(proc.pid)
        assert loaded - before > 15, (before, loaded)  # the import happened on the reflection request
        client = QdrantClient(host="127.0.0.1", port=ports["qdrant"], grpc_port=ports["qdrant-grpc"],
                              prefer_grpc=True)
        client.create_collection("lazy", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
        client.upsert("lazy", [models.PointStruct(id=1, vector=[1.0, 0.5], payload={"a": 1})])
        hits = client.query_points("lazy", query=[1.0, 1.0], limit=1).points
        assert [(h.id, h.score, h.payload) for h in hits] == [(1, 1.5, {"a": 1})]
        client.close()
