"""The committed gRPC code matches redvector.proto: regenerate into a temp dir and compare."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "redvector" / "protocol" / "grpc" / "generated"
# Lines naming the generator's version differ between grpcio-tools releases; the code must not.
VERSION_LINE = re.compile(r"Protobuf Python Version|GRPC_GENERATED_VERSION = |^\s+\d+,\s*$")


def _normalized(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if not VERSION_LINE.search(line)]


def test_generated_code_is_up_to_date(tmp_path: Path) -> None:
    pytest.importorskip("grpc_tools")
    subprocess.run(["bash", str(ROOT / "scripts" / "gen_grpc.sh"), str(tmp_path)], check=True, cwd=ROOT)
    for name in ("redvector_pb2.py", "redvector_pb2.pyi", "redvector_pb2_grpc.py"):
        assert _normalized(tmp_path / name) == _normalized(GENERATED / name), (
            f"{name} differs from redvector.proto: run scripts/gen_grpc.sh and commit"
        )
