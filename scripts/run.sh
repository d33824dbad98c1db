#!/usr/bin/env bash
# Installs what is missing, builds, and runs Invitegate's main job.
# Until the gRPC server lands, the main job is the MTProto core's benchmark: it exercises the
# TL codec and the crypto on this machine and prints their figures.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja
cmake --build build --parallel "$(nproc)" --target mtproto_bench
exec build/bench/mtproto_bench "$@"
