#!/usr/bin/env bash
# Regenerate the Python code of redvector.proto into redvector/protocol/grpc/generated/ (or into $1).
# The generated files are committed; tests/api/test_grpc_generated.py regenerates them and fails on a diff.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-redvector/protocol/grpc/generated}"
mkdir -p "$out"
python -m grpc_tools.protoc -I redvector/protocol/grpc --python_out="$out" --pyi_out="$out" \
  --grpc_python_out="$out" redvector/protocol/grpc/redvector.proto
# protoc writes a top-level import; make it package-relative.
sed -i 's/^import redvector_pb2 as redvector__pb2$/from redvector.protocol.grpc.generated import redvector_pb2 as redvector__pb2/' \
  "$out/redvector_pb2_grpc.py"
