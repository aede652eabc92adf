#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ in the debug preset (build-debug/: clang,
# AddressSanitizer + UndefinedBehaviorSanitizer, the same build as the sanitized unit
# tests), then runs each from its corpus in fuzz/corpus/NAME for FERRY_FUZZ_SECONDS
# (default 10) seconds. New inputs go to a scratch folder, not into the repository; a
# crash leaves its input in build-debug/fuzz-artifacts/ and fails the script. Prints
# seconds and executions per target. Extra args go to cmake --build.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FERRY_FUZZ_SECONDS:-10}"
cmake --preset debug >/dev/null
cmake --build --preset debug --target ferry_fuzzers "$@"
artifacts=build-debug/fuzz-artifacts

scratch=$(mktemp -d /tmp/ferry-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"
summary=()
for corpus in fuzz/corpus/*/; do
  name=$(basename "$corpus")
  mkdir -p "$scratch/$name"
  log="$scratch/$name.log"
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      "build-debug/fuzz/${name}_fuzzer" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/${name}-" \
      "$scratch/$name" "$corpus" >"$log" 2>&1; then
    tail -60 "$log"
    echo "fuzz: ${name} failed; the input is in $artifacts/" >&2
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  summary+=("$(printf '%-12s %4ss %10s executions' "$name" "$seconds" "$runs")")
done
echo "== fuzz targets (ASan + UBSan, ${seconds} s each)"
printf '%s\n' "${summary[@]}"
