#!/usr/bin/env bash
# Installs what the comparative benchmarks need beyond scripts/install-deps.sh:
# etcd-server (Debian's etcd 3.4), the baseline of `hamster-bench raft`.
# Idempotent: does nothing when the package is installed. The benchmark starts its
# own etcd members on ports of its own, so it does not need (or mind) a system etcd;
# the package's own service is kept from starting during the install where the
# machine has no policy of its own (policy-rc.d), so installing leaves nothing running.
set -euo pipefail

packages=(etcd-server)

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

echo "install-bench-deps: installing ${missing[*]}" >&2
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-bench-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 2
  fi
  as_root=(sudo)
fi
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
  # Exit code 101 tells invoke-rc.d "action forbidden": the service is installed, not started.
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
  "${as_root[@]}" chmod 755 "$policy"
  added_policy=1
fi
cleanup() {
  if [ "$added_policy" -eq 1 ]; then "${as_root[@]}" rm -f "$policy"; fi
}
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
