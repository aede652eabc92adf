#!/usr/bin/env bash
# Runs clang-tidy (the checks in .clang-tidy, warnings are errors) over every
# source file of src/, with the release build's compile_commands.json. It is also
# CI's check of the GUARDED_BY annotations (core/thread_annotations.h): clang's
# -Wthread-safety, an error under the build's -Werror. -Wno-deprecated-declarations:
# clang 22 flags libstdc++ 12's own use of get_temporary_buffer (std::stable_sort);
# gcc's -Werror build already reports deprecated calls in ferry's code.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/compile_commands.json ] || { echo "tidy: build first (scripts/build.sh)" >&2; exit 2; }
run-clang-tidy-22 -p build -j "$(nproc)" -quiet \
  -extra-arg=-Wthread-safety -extra-arg=-Wno-deprecated-declarations "$PWD/src/.*\.cc$"
