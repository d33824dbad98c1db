#!/usr/bin/env bash
# Builds and tests the Go client offline in GOPATH mode: Debian's Go packages
# (golang-google-grpc-dev, golang-github-golang-protobuf-1-5-dev, golang-google-genproto-dev,
# protoc-gen-go, protoc-gen-go-grpc) under /usr/share/gocode, no module proxy. The stubs are
# generated from proto/ into WORK_DIR (the build directory; never committed) and the sources are
# copied next to them, as GOPATH mode wants them under src/<import path>.
# Usage: client/go/run_tests.sh WORK_DIR [--build-only | go test flags...]
# The e2e tests need INVITEGATE_SERVER=<path to invitegate-server>.
set -euo pipefail
work="$(mkdir -p "${1:?usage: run_tests.sh WORK_DIR [...]}" && cd "$1" && pwd)"
shift
here="$(cd "$(dirname "$0")" && pwd)"
proto_dir="$(cd "$here/../../proto" && pwd)"
for tool in go protoc protoc-gen-go protoc-gen-go-grpc; do
  command -v "$tool" >/dev/null || {
    echo "run_tests: $tool not found; run scripts/install-deps.sh" >&2; exit 1; }
done

export GOPATH="$work/gopath:/usr/share/gocode" GO111MODULE=off GOPROXY=off GOFLAGS=
export GOCACHE="${GOCACHE:-$work/gocache}"
src="$work/gopath/src/invitegate.dev/client/go"
mkdir -p "$src"
# Stubs (regenerated when a .proto is newer). google/rpc comes from Debian's genproto, as the
# go_package options of proto/google/rpc/*.proto say.
stamp="$src/invitegatepb/.stamp"
if [ ! -f "$stamp" ] || [ -n "$(find "$proto_dir/invitegate" -name '*.proto' -newer "$stamp")" ]; then
  rm -rf "$src/invitegatepb"
  (cd "$proto_dir" && protoc -I. --go_out="$work/gopath/src" --go-grpc_out="$work/gopath/src" \
    invitegate/v1/*.proto)
  touch "$stamp"
fi
rm -rf "$src/invitegate" "$src/examples" "$src/testdata"
cp -r "$here/invitegate" "$here/examples" "$here/testdata" "$src/"

cd "$src"
go vet ./invitegate ./examples/...
GOBIN="$work/bin" go install ./examples/...
if [ "${1:-}" = "--build-only" ]; then
  echo "run_tests: built $work/bin/approval_tour"
  exit 0
fi
export INVITEGATE_TOUR_BINARY="$work/bin/approval_tour"
go test -count=1 "$@" ./invitegate
