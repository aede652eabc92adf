#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ in the debug preset (build-debug/: clang,
# AddressSanitizer + UndefinedBehaviorSanitizer, the same build as the sanitized unit
# tests), then runs each from its corpus in fuzz/corpus/NAME for FERRY_FUZZ_SECONDS
# (default 10) seconds. New inputs go to a scratch folder, not into the repository; a
# crash leaves its input in build-debug/fuzz-artifacts/ and fails the script. Prints
# seconds and executions per target. Targets run as many at a time as there are
# cores. Extra args go to cmake --build.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FERRY_FUZZ_SECONDS:-10}"
cmake --preset debug >/dev/null
cmake --build --preset debug --target ferry_fuzzers "$@"
artifacts=build-debug/fuzz-artifacts

scratch=$(mktemp -d /tmp/ferry-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"

# One target from its corpus; its log and exit code go to the scratch folder.
run_target() {
  local name=$1 corpus=$2
  local rc=0
  mkdir -p "$scratch/$name"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "build-debug/fuzz/${name}_fuzzer" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/${name}-" \
    "$scratch/$name" "$corpus" >"$scratch/$name.log" 2>&1 || rc=$?
  echo "$rc" >"$scratch/$name.rc"
}

# The targets run as many at a time as there are cores (each is one thread).
jobs=$(nproc)
names=()
for corpus in fuzz/corpus/*/; do
  name=$(basename "$corpus")
  names+=("$name")
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
  run_target "$name" "$corpus" &
done
wait

failed=0
summary=()
for name in "${names[@]}"; do
  log="$scratch/$name.log"
  if [[ "$(cat "$scratch/$name.rc")" != 0 ]]; then
    tail -60 "$log"
    echo "fuzz: ${name} failed; the input is in $artifacts/" >&2
    failed=1
    continue
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  summary+=("$(printf '%-12s %4ss %10s executions' "$name" "$seconds" "$runs")")
done
echo "== fuzz targets (ASan + UBSan, ${seconds} s each, ${jobs} at a time)"
printf '%s\n' "${summary[@]}"
exit "$failed"
