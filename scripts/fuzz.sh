#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang under AddressSanitizer and
# UndefinedBehaviorSanitizer (build-fuzz/), then runs each from its corpus in
# fuzz/corpus/NAME for FERRY_FUZZ_SECONDS (default 10) seconds. New inputs go to
# a scratch folder, not into the repository; a crash leaves its input in
# build-fuzz/artifacts/ and fails the script. Prints seconds and executions per target.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FERRY_FUZZ_SECONDS:-10}"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE= \
  -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" \
  -DFERRY_FUZZ=ON -DFERRY_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz --target ferry_fuzzers "$@"

scratch=$(mktemp -d /tmp/ferry-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir -p build-fuzz/artifacts
summary=()
for corpus in fuzz/corpus/*/; do
  name=$(basename "$corpus")
  mkdir -p "$scratch/$name"
  log="$scratch/$name.log"
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      "build-fuzz/fuzz/${name}_fuzzer" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/${name}-" \
      "$scratch/$name" "$corpus" >"$log" 2>&1; then
    tail -60 "$log"
    echo "fuzz: ${name} failed; the input is in build-fuzz/artifacts/" >&2
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  summary+=("$(printf '%-12s %4ss %10s executions' "$name" "$seconds" "$runs")")
done
echo "== fuzz targets (ASan + UBSan, ${seconds} s each)"
printf '%s\n' "${summary[@]}"
