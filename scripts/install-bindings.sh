#!/usr/bin/env bash
# Installs the npm packages of the Node binding (client/node: @grpc/grpc-js, @grpc/proto-loader,
# protobufjs, pinned by client/node/package-lock.json). The Python and Go bindings need only
# Debian packages (scripts/install-deps.sh installs them). Idempotent and non-interactive:
# `npm ci` runs only when the lockfile or Node changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/../client/node"

if ! command -v npm >/dev/null 2>&1; then
  echo "install-bindings: npm not found (the machine's Node.js should provide it)" >&2
  exit 1
fi
stamp=node_modules/.invitegate-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1) node-$(node --version)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d node_modules/@grpc/grpc-js ]; then
  echo "install-bindings: client/node/node_modules up to date"
  exit 0
fi
# --ignore-scripts: these packages are pure JavaScript; nothing needs an install script.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
echo "install-bindings: installed @grpc/grpc-js $(node -p "require('@grpc/grpc-js/package.json').version")," \
  "@grpc/proto-loader $(node -p "require('@grpc/proto-loader/package.json').version")"
