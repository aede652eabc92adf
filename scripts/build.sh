#!/usr/bin/env bash
# Builds the web console, then configures and builds ferry (release preset:
# build/ferry, the console embedded). Extra args go to cmake --build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-console.sh  # console/dist, embedded in build/ferry
cmake --preset release >/dev/null
cmake --build --preset release "$@"
