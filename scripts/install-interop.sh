#!/usr/bin/env bash
# Installs the independent MTProto clients that tests/interop drives against the emulator:
# mtcute and gramjs from the npm registry (pinned by tests/interop/package-lock.json) and
# Telethon from Debian (python3-telethon, installed by scripts/install-deps.sh).
# Idempotent and non-interactive: `npm ci` runs only when the lockfile changed since the
# last install or node_modules is missing.
set -euo pipefail
cd "$(dirname "$0")/../tests/interop"

# Telethon must be importable by Debian's Python (the pyenv python3 on PATH cannot see it).
if ! /usr/bin/python3 -c 'import telethon' 2>/dev/null; then
  echo "install-interop: Debian's python3-telethon is missing; run scripts/install-deps.sh" >&2
  exit 1
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "install-interop: npm not found (the machine's Node.js should provide it)" >&2
  exit 1
fi

stamp=node_modules/.invitegate-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1) node-$(node --version)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
   && [ -d node_modules/@mtcute/node ] && [ -d node_modules/telegram ]; then
  echo "install-interop: node_modules up to date"
  exit 0
fi

# --ignore-scripts: no install script is needed. better-sqlite3 (pulled in by @mtcute/node for
# its SQLite session storage, which the drivers do not use) would otherwise try to download a
# prebuilt binary; bufferutil/utf-8-validate fall back to JavaScript.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
echo "install-interop: installed @mtcute/node $(node -p "require('./node_modules/@mtcute/node/package.json').version")," \
  "telegram $(node -p "require('./node_modules/telegram/package.json').version")"
