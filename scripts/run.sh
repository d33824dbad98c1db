#!/usr/bin/env bash
# Installs what is missing, builds, and runs Invitegate's main job: invitegate-server, the gRPC
# service. With no Telegram credentials configured it embeds the Telegram emulator on loopback
# with its sample world (a group, a supergroup and a channel with admins, bots, users) and signs
# the sample accounts in (bot, alice, bob, dave), so every RPC works on a fresh machine. It listens
# on 127.0.0.1:50051 (override with --listen=HOST:PORT) and writes .invitegate/server-ready.json
# once serving. Extra arguments go to the server (see --help); Ctrl-C stops it gracefully.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja
cmake --build build --parallel "$(nproc)" --target invitegate-server
mkdir -p .invitegate
exec build/service/invitegate-server --data-dir=.invitegate/server \
  --ready-file=.invitegate/server-ready.json "$@"
