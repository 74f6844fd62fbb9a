"""Points written through REST and gRPC (and hashes over RESP) survive a restart: the vector API writes
through the dispatcher, so the AOF and the snapshot hold them like any other write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest

from redvector.protocol.grpc.generated import redvector_pb2 as pb
from redvector.protocol.grpc.generated import redvector_pb2_grpc as pb_grpc
from tests.persistence.helpers import redvector
from tests.serverutil import free_port

MODES = {
    "aof-always": ("--appendonly", "yes", "--appendfsync", "always", "--save", ""),
    "rdb": ("--appendonly", "no", "--save", "3600 1"),
}


def _read_all(rest: httpx.Client, stub: pb_grpc.VectorServiceStub) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("viarest", "viagrpc"):
        out[name] = rest.get(f"/api/collections/{name}").json()["points_count"]
        for point_id in (1, 2, 3):
            got = rest.get(f"/api/collections/{name}/points/{point_id}")
            out[f"{name}/{point_id}"] = got.json() if got.status_code == 200 else got.status_code
        hits = stub.Search(pb.SearchRequest(name=name, vector=[1, 0, 0], limit=3)).result
        out[f"{name}/search"] = [(h.id, round(h.score, 4)) for h in hits]
    return out


@pytest.mark.parametrize("mode", MODES)
def test_points_from_rest_grpc_and_resp_survive_a_restart(tmp_path: Path, mode: str) -> None:
    data = tmp_path / "data"
    rest_port, grpc_port = free_port(), free_port()
    ports = ("--rest-port", str(rest_port), "--grpc-port", str(grpc_port))
    with redvector(data, *MODES[mode], *ports) as (_, r), \
            httpx.Client(base_url=f"http://127.0.0.1:{rest_port}", timeout=30) as rest, \
            grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        stub = pb_grpc.VectorServiceStub(channel)
        assert rest.post("/api/collections/viarest", json={"vector_size": 3}).status_code == 201
        body = {"points": [{"id": 1, "vector": [1, 0, 0], "payload": {"genre": "rock", "year": 1999}},
                           {"id": 2, "vector": [0, 1, 0], "payload": {"genre": "jazz"}}]}
        assert rest.post("/api/collections/viarest/points", json=body).status_code == 200
        stub.CreateCollection(pb.CreateCollectionRequest(name="viagrpc", vector_size=3, distance="Dot"))
        stub.Upsert(pb.UpsertRequest(name="viagrpc", points=[
            pb.Point(id=1, vector=[1, 0, 0], payload={"k": "v"}), pb.Point(id=2, vector=[0, 0, 1])]))
        r.hset("viagrpc:3", mapping={"vector": b"\x00\x00\x80\x3f" + b"\x00" * 8, "title": "over RESP"})
        stub.Delete(pb.DeletePointsRequest(name="viagrpc", ids=[2]))
        expected = _read_all(rest, stub)
    assert expected["viarest"] == 2 and expected["viagrpc"] == 2
    with redvector(data, *MODES[mode], *ports) as (_, r), \
            httpx.Client(base_url=f"http://127.0.0.1:{rest_port}", timeout=30) as rest, \
            grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        assert _read_all(rest, pb_grpc.VectorServiceStub(channel)) == expected
