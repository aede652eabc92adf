#!/usr/bin/env bash
# Runs clang-tidy (the checks in .clang-tidy, warnings are errors) over every
# source file of src/, with the release build's compile_commands.json.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/compile_commands.json ] || { echo "tidy: build first (scripts/build.sh)" >&2; exit 2; }
run-clang-tidy-14 -p build -j "$(nproc)" -quiet "$PWD/src/.*\.cc$"
