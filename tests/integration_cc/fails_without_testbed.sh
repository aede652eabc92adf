#!/bin/sh
# The C++ integration tests fail when the test bed file, or a server it should name,
# is missing: they never fall back to the default endpoint (real Amazon S3).
# $1: an integration test binary (s3_integration_tests).
set -u
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
one_test='RealServers/S3ClientTest.PutObjectWithMetadataIsSeenByBoto/0'

expect_failure() {  # FERRY_TESTBED value, message the failure must give
  out=$(FERRY_TESTBED="$1" AWS_EC2_METADATA_DISABLED=true "$bin" --gtest_filter="$one_test" 2>&1)
  rc=$?
  if [ "$rc" -eq 0 ]; then
    printf 'passed with FERRY_TESTBED=%s, it must fail:\n%s\n' "$1" "$out"
    exit 1
  fi
  if ! printf '%s' "$out" | grep -q "$2"; then
    printf 'the failure does not say "%s":\n%s\n' "$2" "$out"
    exit 1
  fi
  if printf '%s' "$out" | grep -q "amazonaws.com"; then
    printf 'a request went to Amazon S3:\n%s\n' "$out"
    exit 1
  fi
}

expect_failure "$dir/missing.json" "cannot be read"
echo '{"moto": {"endpoint": "http://127.0.0.1:1"}}' >"$dir/no-seaweed.json"
expect_failure "$dir/no-seaweed.json" "names no server 'seaweed_a'"
echo "ok: without a test bed the integration tests fail"
