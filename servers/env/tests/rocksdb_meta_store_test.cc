#include "hamster/env/rocksdb_meta_store.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

namespace hamster::env {
namespace {

std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "hamster-env-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

TEST_CASE("RocksDbMetaStore: puts, deletes and scans in byte order, and reopens", "[env]") {
  const std::string dir = MakeTempDir();
  {
    absl::StatusOr<std::unique_ptr<RocksDbMetaStore>> store = RocksDbMetaStore::Open(dir + "/db");
    REQUIRE(store.ok());
    node::WriteBatch batch;
    batch.Put(std::string("a\0b", 3), "1");
    batch.Put("a", "0");
    batch.Put("\xff", "high");
    batch.Put("b", "2");
    batch.Put("c", "3");
    batch.Delete("b");
    REQUIRE((*store)->Write(batch, true).ok());
    absl::StatusOr<std::vector<node::KeyValuePair>> all = (*store)->Scan("", "", 100);
    REQUIRE(all.ok());
    REQUIRE(all->size() == 4);
    CHECK((*all)[0].first == "a");
    CHECK((*all)[1].first == std::string("a\0b", 3));
    CHECK((*all)[2].first == "c");
    CHECK((*all)[3].first == "\xff");  // unsigned order: 0xff sorts last
    absl::StatusOr<std::vector<node::KeyValuePair>> bounded = (*store)->Scan("a\x01", "d", 1);
    REQUIRE(bounded.ok());
    REQUIRE(bounded->size() == 1);
    CHECK((*bounded)[0].first == "c");
  }
  absl::StatusOr<std::unique_ptr<RocksDbMetaStore>> reopened = RocksDbMetaStore::Open(dir + "/db");
  REQUIRE(reopened.ok());
  absl::StatusOr<std::optional<std::string>> value = (*reopened)->Get("c");
  REQUIRE(value.ok());
  CHECK(*value == std::optional<std::string>("3"));
  absl::StatusOr<std::optional<std::string>> missing = (*reopened)->Get("b");
  REQUIRE(missing.ok());
  CHECK(!missing->has_value());
  std::filesystem::remove_all(dir);
}

TEST_CASE("RocksDbMetaStore: a second open of the same database is refused", "[env]") {
  const std::string dir = MakeTempDir();
  absl::StatusOr<std::unique_ptr<RocksDbMetaStore>> first = RocksDbMetaStore::Open(dir + "/db");
  REQUIRE(first.ok());
  absl::StatusOr<std::unique_ptr<RocksDbMetaStore>> second = RocksDbMetaStore::Open(dir + "/db");
  CHECK(!second.ok());
  CHECK(second.status().message().find(dir) != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("RocksDbMetaStore: an unusable path is an error naming it", "[env]") {
  absl::StatusOr<std::unique_ptr<RocksDbMetaStore>> store =
      RocksDbMetaStore::Open("/proc/hamster-no-such-dir/db");
  REQUIRE(!store.ok());
  CHECK(store.status().message().find("/proc/hamster-no-such-dir/db") != std::string::npos);
}

}  // namespace
}  // namespace hamster::env
