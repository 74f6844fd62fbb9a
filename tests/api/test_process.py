"""The real CLI process (uvloop in the main thread): every listener answers and SIGTERM stops it cleanly,
so uvicorn's and grpc's own signal handling do not take over the app's."""

from __future__ import annotations

import signal

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
