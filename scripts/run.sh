#!/usr/bin/env bash
# Installs what is missing, builds, and runs Invitegate's main job.
# Until the gRPC server lands, that is the Telegram emulator: a real MTProto server on
# loopback (DC 1 on port 44401, DC 2 on 44402) with the sample world's accounts. When it is
# listening it writes .invitegate/emulator-ready.json (addresses, its RSA public key, the test
# accounts) for clients. Extra arguments go to the emulator (see --help); Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja
cmake --build build --parallel "$(nproc)" --target invitegate-emulator
mkdir -p .invitegate
exec build/mtproto/emulator/invitegate-emulator --state-dir .invitegate/emulator \
  --port-base 44400 --ready-file .invitegate/emulator-ready.json --verbose "$@"
