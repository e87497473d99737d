#include "hamster/env/directory_syncer.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace hamster::env {
namespace {

std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "hamster-env-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

TEST_CASE("DirectorySyncer: syncs an existing directory", "[env]") {
  const std::string dir = MakeTempDir();
  DirectorySyncer syncer;
  CHECK(syncer.Sync(dir).ok());
  CHECK(syncer.Sync(dir).ok());
  CHECK(syncer.fsync_count() == 2);
  std::filesystem::remove_all(dir);
}

TEST_CASE("DirectorySyncer: reports a directory that cannot be opened", "[env]") {
  DirectorySyncer syncer;
  const absl::Status status = syncer.Sync("/nonexistent/hamster-env-test");
  CHECK(absl::IsNotFound(status));
  CHECK(status.message().find("/nonexistent/hamster-env-test") != std::string::npos);
}

TEST_CASE("DirectorySyncer: concurrent callers share fsyncs", "[env]") {
  const std::string dir = MakeTempDir();
  DirectorySyncer syncer;
  constexpr int kThreads = 8, kSyncsPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kSyncsPerThread; ++i) CHECK(syncer.Sync(dir).ok());
    });
  }
  for (std::thread& thread : threads) thread.join();
  // Every call is covered by an fsync, and no call costs more than one.
  CHECK(syncer.fsync_count() >= 1);
  CHECK(syncer.fsync_count() <= uint64_t(kThreads * kSyncsPerThread));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hamster::env
