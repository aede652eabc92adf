#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit tests (ctest),
# then integration tests against real servers (SeaweedFS x2, moto) that this
# script starts on free loopback ports and always stops.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each phase prints the seconds since the start, so a slow CI run shows where its time went.
phase() { echo "== $* (at ${SECONDS} s)"; }

scripts/install-deps.sh
phase "build"
scripts/build.sh

# --no-tests=error: a label or filter that matches nothing is a failure, not a pass.
phase "unit tests"
ctest --preset release -j2 -LE integration --no-tests=error

phase "clang-tidy (.clang-tidy's checks over src/)"
scripts/tidy.sh

phase "the fault proxy's own tests"
python3 -m pytest tests/faults -q

phase "unit tests under AddressSanitizer + UndefinedBehaviorSanitizer (clang: the build also holds the fuzzers)"
cmake --preset debug >/dev/null
cmake --build --preset debug
ctest --preset debug -j2 -LE integration --no-tests=error

phase "fuzz targets (libFuzzer, ASan + UBSan, bounded by time; built above)"
scripts/fuzz.sh -j2

testbed_dir=$(mktemp -d /tmp/ferry-testbed.XXXXXX)
stop_testbed() { python3 tests/testbed/testbed.py stop --dir "$testbed_dir" || true; }
trap stop_testbed EXIT
phase "starting test bed in $testbed_dir"
python3 tests/testbed/testbed.py start --dir "$testbed_dir"
export FERRY_TESTBED="$testbed_dir/endpoints.json"
export FERRY_BIN="$PWD/build/ferry"

# Two at a time: each test has its own buckets, and most of its time is the boto3
# oracle starting (198 s one at a time, 80-97 s two at a time).
phase "integration tests (C++ against real servers)"
ctest --preset release -L integration --no-tests=error -j2

# Includes the reliability suites (test_reliability_*.py: fault proxy, crash points,
# guards); docs/RELIABILITY.md is their report (tests/reliability/report.py).
phase "integration tests (pytest, verified with boto3)"
python3 -m pytest tests/integration -q

phase "web console in Chromium (Playwright: the test bed, an OpenID provider, axe)"
(cd console && npx playwright test)

phase "ferry server end to end under AddressSanitizer + UndefinedBehaviorSanitizer"
FERRY_BIN="$PWD/build-debug/ferry" python3 -m pytest tests/integration/test_server.py \
  tests/integration/test_hardening.py -q -k "not fuzzing"

phase "the README's main command (scripts/demo.sh: sync, no-op resync, check, boto3)"
scripts/demo.sh
phase "all passed"
