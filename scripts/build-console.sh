#!/usr/bin/env bash
# Builds the web console (console/dist) from its npm lockfile: `npm ci` when the
# lockfile changed, then `npm run build` (type check + Vite) when a source is
# newer than the last build. The ferry build embeds console/dist in the binary.
set -euo pipefail
cd "$(dirname "$0")/../console"

if ! command -v npm >/dev/null; then
  echo "build-console: npm is missing: scripts/install-deps.sh installs Node.js and npm" >&2
  exit 1
fi
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.ferry-lock-sha256 ] || [ "$(cat node_modules/.ferry-lock-sha256)" != "$lock_sum" ]; then
  echo "build-console: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.ferry-lock-sha256
fi
if [ ! -f dist/index.html ] ||
   [ -n "$(find src public index.html vite.config.ts tsconfig.json package-lock.json -newer dist/index.html -print -quit)" ]; then
  echo "build-console: npm run build"
  npm run build --silent
fi
