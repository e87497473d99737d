#!/usr/bin/env bash
# Checks scripts/install-deps.sh's decisions without touching the system:
# dpkg-query, apt-get, id and sudo are replaced by stubs on PATH.
set -euo pipefail
script=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/bin"

cat > "$scratch/bin/dpkg-query" <<'STUB'
#!/usr/bin/env bash
package=${@: -1}
if grep -qx "$package" "$STUB_MISSING" 2>/dev/null; then exit 1; fi
printf 'install ok installed'
STUB
cat > "$scratch/bin/apt-get" <<'STUB'
#!/usr/bin/env bash
echo "apt-get $*" >> "$STUB_LOG"
STUB
cat > "$scratch/bin/id" <<'STUB'
#!/usr/bin/env bash
echo "${STUB_UID:-0}"
STUB
chmod +x "$scratch"/bin/*
export PATH="$scratch/bin:$PATH" STUB_LOG="$scratch/log" STUB_MISSING="$scratch/missing"

fail() { echo "FAIL: $*"; cat "$STUB_LOG" 2>/dev/null || true; exit 1; }

# 1. Everything installed: no apt-get at all.
: > "$STUB_MISSING"; : > "$STUB_LOG"
"$script" || fail "script failed with nothing missing"
[ ! -s "$STUB_LOG" ] || fail "apt-get ran although nothing was missing"

# 2. Two packages missing: one update, one install of exactly those two.
printf 'libisal-dev\ncatch2\n' > "$STUB_MISSING"; : > "$STUB_LOG"
"$script" 2>/dev/null || fail "script failed installing missing packages"
[ "$(grep -c 'apt-get update' "$STUB_LOG")" = 1 ] || fail "expected one apt-get update"
grep -q 'apt-get install -y -q --no-install-recommends libisal-dev catch2$' "$STUB_LOG" \
  || fail "expected install of exactly the missing packages"

# 3. Not root and no sudo: exit 2 with a message naming what is missing.
: > "$STUB_LOG"
set +e
output=$(STUB_UID=1000 PATH="$scratch/bin:/usr/bin:/bin" "$script" 2>&1 >/dev/null)
code=$?
set -e
if command -v sudo >/dev/null 2>&1; then
  echo "sudo exists here; skipping the no-sudo case"
else
  [ "$code" = 2 ] || fail "expected exit 2 without root or sudo, got $code"
  echo "$output" | grep -q 'need root or sudo to install: libisal-dev catch2' \
    || fail "message should name the missing packages: $output"
fi
# 4. --bench: only the benchmark's packages, with services kept from starting
#    during the install and the temporary policy removed afterwards.
printf 'etcd-server\n' > "$STUB_MISSING"; : > "$STUB_LOG"
export HAMSTER_POLICY_RC_D="$scratch/policy-rc.d"
"$script" --bench 2>/dev/null || fail "--bench failed"
grep -q 'apt-get install -y -q --no-install-recommends etcd-server$' "$STUB_LOG" \
  || fail "--bench should install exactly etcd-server"
[ ! -e "$HAMSTER_POLICY_RC_D" ] || fail "--bench left its policy-rc.d behind"
: > "$STUB_MISSING"; : > "$STUB_LOG"
"$script" --bench || fail "--bench failed with nothing missing"
[ ! -s "$STUB_LOG" ] || fail "--bench ran apt-get although nothing was missing"

# 5. An unknown argument is a usage error.
set +e
"$script" --frobnicate 2>/dev/null
code=$?
set -e
[ "$code" = 2 ] || fail "expected exit 2 for an unknown argument, got $code"

echo "install-deps logic OK"
