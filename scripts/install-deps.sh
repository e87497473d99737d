#!/usr/bin/env bash
# Installs every Debian package Hamster needs to build, test and run.
# Idempotent: packages already installed are skipped, and the package index is
# refreshed only when something is missing. Safe to run on every `make`.
#
# With --bench it installs instead what the comparative benchmarks need on
# top: etcd-server (Debian's etcd 3.4), the baseline of `hamster-bench raft`.
# The benchmark starts its own etcd members on ports of its own; the
# package's service is kept from starting during the install (policy-rc.d,
# unless the machine has a policy of its own), so installing leaves nothing
# running.
set -euo pipefail

bench=0
case "${1:-}" in
  "") ;;
  --bench) bench=1 ;;
  *) echo "install-deps: unknown argument '$1' (expected nothing or --bench)" >&2; exit 2 ;;
esac

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
if [ "$bench" -eq 1 ]; then
  packages=(etcd-server)
fi

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
if [ "$bench" -eq 1 ]; then
  # Exit code 101 tells invoke-rc.d "action forbidden": services are installed, not started.
  policy=${HAMSTER_POLICY_RC_D:-/usr/sbin/policy-rc.d}
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
    "${as_root[@]}" chmod 755 "$policy"
    trap '"${as_root[@]}" rm -f "$policy"' EXIT
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
