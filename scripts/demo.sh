#!/usr/bin/env bash
# ferry's main job on its embedded default, no cloud account needed: installs
# what is missing, builds, starts two independent S3 servers (SeaweedFS) on
# loopback, fills the source with sample data, syncs it with ferry (SQLite state,
# verified transfers), resyncs (nothing to copy), and checks the result with boto3.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh

work=$(mktemp -d /tmp/ferry-demo.XXXXXX)
trap 'python3 tests/testbed/testbed.py stop --dir "$work/servers" || true' EXIT
python3 tests/testbed/testbed.py start --dir "$work/servers"
python3 scripts/demo_data.py "$work" seed

src_flags=$(python3 scripts/demo_data.py "$work" flags seaweed_a src)
dst_flags=$(python3 scripts/demo_data.py "$work" flags seaweed_b dst)

echo "== ferry sync (first run: copies everything)"
# shellcheck disable=SC2086
build/ferry sync s3://demo-source s3://demo-destination $src_flags $dst_flags \
  --state "$work/state" --report "$work/report.jsonl" --progress
echo "== ferry sync (second run: nothing changed, nothing copied)"
# shellcheck disable=SC2086
build/ferry sync s3://demo-source s3://demo-destination $src_flags $dst_flags --state "$work/state"
echo "== ferry check"
# shellcheck disable=SC2086
build/ferry check s3://demo-source s3://demo-destination $src_flags $dst_flags
echo "== independent verification with boto3"
python3 scripts/demo_data.py "$work" verify
echo "report of every object: $work/report.jsonl"
