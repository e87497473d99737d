#!/usr/bin/env bash
# Installs the build tree into a scratch prefix, builds the embedder example
# against it as a separate CMake project, and runs it: proves that
# find_package(Hamster COMPONENTS ec) + hamster::ec work for an outsider.
set -euo pipefail
build_dir=$1
source_dir=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cmake --install "$build_dir" --prefix "$scratch/prefix" >/dev/null
test -f "$scratch/prefix/include/hamster/ec/codec.h"
test -f "$scratch/prefix/lib/libhamster-ec.a" || test -f "$scratch/prefix/lib64/libhamster-ec.a" \
  || ls "$scratch"/prefix/lib/*/libhamster-ec.a >/dev/null

cmake -S "$source_dir/libhamster-ec/examples/embed" -B "$scratch/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$scratch/prefix" >/dev/null
cmake --build "$scratch/build" >/dev/null
"$scratch/build/embed"
