#!/usr/bin/env bash
# Generates the Python protobuf + gRPC stubs of Invitegate's API from proto/ into OUT_DIR (the
# build directory; stubs are never committed), offline, with Debian's protoc and
# grpc_python_plugin (python3-grpcio's runtime must match the plugin, hence Debian's both).
# Usage: client/python/generate_stubs.sh OUT_DIR
# Afterwards put OUT_DIR and client/python on PYTHONPATH (see client/python/README.md).
set -euo pipefail
out="${1:?usage: generate_stubs.sh OUT_DIR}"
proto_dir="$(cd "$(dirname "$0")/../../proto" && pwd)"
plugin="$(command -v grpc_python_plugin || true)"
if [ -z "$plugin" ]; then
  echo "generate_stubs: grpc_python_plugin not found (Debian package protobuf-compiler-grpc)" >&2
  exit 1
fi
mkdir -p "$out"
cd "$proto_dir"
# The well-known types (google/protobuf/*.proto) come with protoc and python3-protobuf.
protoc -I. --python_out="$out" --grpc_python_out="$out" \
  --plugin=protoc-gen-grpc_python="$plugin" \
  google/rpc/status.proto google/rpc/error_details.proto invitegate/v1/*.proto
touch "$out/.stamp"
