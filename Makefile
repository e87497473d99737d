# The two commands of the README, plus the pieces they are made of.
#   make run   install dependencies, build optimised, run the main program
#   make test  install dependencies, build and run every test suite
# Each step is idempotent: dependencies already installed are skipped, and
# CMake + Ninja (+ ccache when present) rebuild only what changed.

.PHONY: run test deps build test-dev test-asan test-tsan bench demo clean

deps:
	@scripts/install-deps.sh

build: deps
	cmake --preset release
	cmake --build --preset release

# A single-node S3 server on 127.0.0.1:9000 with its data in ./hamster-data.
# Root credentials come from HAMSTER_ROOT_ACCESS_KEY / HAMSTER_ROOT_SECRET_KEY,
# or are generated on first start and printed once. Ctrl-C drains and stops.
run: build
	./build/release/servers/hamsterd/hamsterd serve

# The erasure-coding demo: encode, lose shards, detect bit rot, decode, rebuild.
demo: build
	./build/release/tools/hamster-ec demo
	./build/release/tools/hamster-bench ec --seconds 0.2

test-dev: deps
	cmake --preset dev
	cmake --build --preset dev
	ctest --preset dev

test-asan: deps
	cmake --preset asan
	cmake --build --preset asan
	ctest --preset asan

test-tsan: deps
	cmake --preset tsan
	cmake --build --preset tsan
	ctest --preset tsan

test: test-dev test-asan test-tsan

bench: build
	./build/release/tools/hamster-bench ec
	./build/release/tools/hamster-bench ec --kernel jerasure

# The S3 benchmark against a hamsterd it starts itself, with the 4 GiB object
# (about 3 minutes; docs/benchmarks.md has the figures and how to read them).
.PHONY: bench-s3
bench-s3: build
	./build/release/tools/hamster-bench s3 --big-object

# Hamster's Raft (3 members, gRPC + mTLS, RocksDB) against etcd 3.4 in the same run, about
# 2 minutes; installs Debian's etcd-server first (docs/benchmarks.md, "Raft").
.PHONY: bench-raft
bench-raft: build
	@scripts/install-deps.sh --bench
	./build/release/tools/hamster-bench raft

clean:
	rm -rf build
