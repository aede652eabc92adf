#!/usr/bin/env bash
# The peers and tools the benchmark needs, from Debian: rclone, the AWS CLI, s3cmd, GNU time,
# wrk and curl (the independent load generators) and valgrind (instructions per object).
set -euo pipefail
missing=()
for p in rclone awscli s3cmd time wrk valgrind curl; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
