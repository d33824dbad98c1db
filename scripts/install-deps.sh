#!/usr/bin/env bash
# Installs every Debian 12 package Invitegate needs to build, test and benchmark.
# Idempotent and non-interactive: safe to run on a fresh machine or again on a set-up one.
set -euo pipefail

packages=(
  # Build toolchain
  build-essential cmake ninja-build pkg-config
  # C++ libraries
  libssl-dev zlib1g-dev libabsl-dev libasio-dev libsqlite3-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev valgrind
  # The gRPC service: gRPC 1.51 with its protoc plugins (CMake's gRPC config needs them),
  # protobuf 3.21 and prometheus-cpp for /metrics
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler prometheus-cpp-dev
  # Debian's Python 3 runs the TL code generator; Telethon, pyaes and cryptography
  # are the independent implementations the crypto tests cross-check against.
  python3 python3-telethon python3-pyaes python3-cryptography
  # The language bindings (client/python, client/go). Python: Debian's gRPC runtime (its version
  # matches grpc_python_plugin). Go, offline in GOPATH mode from /usr/share/gocode: the 1-5
  # protobuf shim (not golang-goprotobuf-dev, which pulls the 1-3 one that conflicts with it and
  # makes protoc-gen-go 1.28 code panic), genproto for google.rpc's error details. The openssl
  # CLI makes the throw-away CA of the Python TLS test.
  python3-grpcio python3-protobuf golang-go golang-google-grpc-dev
  golang-github-golang-protobuf-1-5-dev golang-google-protobuf-dev golang-google-genproto-dev
  protoc-gen-go protoc-gen-go-grpc openssl
)

# Node.js runs the interop clients (mtcute, gramjs); the machine image usually ships a newer
# one than Debian's, so Debian's is only a fallback.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${missing[*]}"
