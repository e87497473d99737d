# The two commands of the README, plus the pieces they are made of.
#   make run   install dependencies, build optimised, run the main program
#   make test  install dependencies, build and run every test suite
# Each step is idempotent: dependencies already installed are skipped, and
# CMake + Ninja (+ ccache when present) rebuild only what changed.

.PHONY: run test deps build test-dev test-asan test-tsan bench clean

deps:
	@scripts/install-deps.sh

build: deps
	cmake --preset release
	cmake --build --preset release

# Until the S3 server lands, the main program is the erasure-coding demo
# (encode, lose shards, detect bit rot, decode, rebuild) and its benchmark.
run: build
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

clean:
	rm -rf build
