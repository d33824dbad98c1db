#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test. Usage: scripts/test.sh [ctest args]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/install-interop.sh   # mtcute and gramjs from npm, for tests/interop
scripts/install-bindings.sh  # the Node binding's npm packages, for client/node
cmake -S . -B build -G Ninja
cmake --build build --parallel "$(nproc)"
ctest --test-dir build --output-on-failure --parallel "$(nproc)" "$@"
