#!/usr/bin/env bash
# Installs every Debian package Hamster needs to build, test and run.
# Idempotent: packages already installed are skipped, and the package index is
# refreshed only when something is missing. Safe to run on every `make`.
set -euo pipefail

# Grouped by purpose; later features add to these lists, never download
# anything from outside Debian.
build_tools=(build-essential cmake ninja-build ccache pkg-config git)
ec_libs=(libjerasure-dev libgf-complete-dev libisal-dev libxxhash-dev)
core_libs=(libabsl-dev libssl-dev)
peer_libs=(libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler)
store_libs=(librocksdb-dev)
http_libs=(libboost-dev libpugixml-dev)
test_tools=(catch2 python3 curl openssl)
s3_clients=(awscli rclone s3cmd restic)

packages=("${build_tools[@]}" "${ec_libs[@]}" "${core_libs[@]}" "${peer_libs[@]}"
          "${store_libs[@]}" "${http_libs[@]}" "${test_tools[@]}" "${s3_clients[@]}")

is_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for package in "${packages[@]}"; do
  is_installed "$package" || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 2
  fi
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
