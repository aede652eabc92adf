#!/usr/bin/env bash
# Configures and builds ferry (release preset: build/ferry). Extra args go to cmake --build.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release "$@"
