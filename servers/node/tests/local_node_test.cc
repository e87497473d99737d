// LocalNode on a data directory: layout, exclusive lock, format version,
// persistence across restarts, startup cleanup and background collection.
#include "hamster/node/local_node.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "tests/test_util.h"

namespace hamster::node {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::TestPayload;

absl::Status Put(s3::Backend& backend, const std::string& key, const std::string& bytes) {
  // Designated initializers: GCC 12 at -O2 warns falsely (-Wrestrict) on
  // assigning a literal to a std::string member here.
  const s3::PutObjectRequest request{.bucket = "b", .key = key, .size = bytes.size()};
  TestPayload payload(bytes);
  return backend.PutObject(request, payload).status();
}

std::string Get(s3::Backend& backend, const std::string& key) {
  absl::StatusOr<std::unique_ptr<s3::ObjectReader>> reader =
      backend.OpenObject("b", key, std::nullopt);
  REQUIRE(reader.ok());
  absl::StatusOr<std::string> bytes =
      testing::TestNode::ReadRange(**reader, 0, (*reader)->info().size);
  REQUIRE(bytes.ok());
  return *bytes;
}

size_t ShardFiles(const std::string& data_dir) {
  size_t count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(data_dir + "/shards")) {
    count += entry.is_regular_file();
  }
  return count;
}

TEST_CASE("LocalNode: creates the layout, persists data and reopens", "[node]") {
  TempDir temp;
  const std::string data_dir = temp.path() + "/data";
  {
    absl::StatusOr<std::unique_ptr<LocalNode>> node = LocalNode::Open({.data_dir = data_dir});
    REQUIRE(node.ok());
    for (const char* name : {"meta", "shards", "shards/00", "shards/ff"}) {
      CHECK(fs::is_directory(fs::path(data_dir) / name));
    }
    CHECK(fs::exists(data_dir + "/LOCK"));
    CHECK(fs::exists(data_dir + "/FORMAT"));
    REQUIRE((*node)->backend().CreateBucket("b", "alice").ok());
    REQUIRE(Put((*node)->backend(), "k", "persisted").ok());
  }
  absl::StatusOr<std::unique_ptr<LocalNode>> reopened = LocalNode::Open({.data_dir = data_dir});
  REQUIRE(reopened.ok());
  CHECK(Get((*reopened)->backend(), "k") == "persisted");
}

TEST_CASE("LocalNode: a second node on the same directory is refused", "[node]") {
  TempDir temp;
  absl::StatusOr<std::unique_ptr<LocalNode>> first = LocalNode::Open({.data_dir = temp.path()});
  REQUIRE(first.ok());
  absl::StatusOr<std::unique_ptr<LocalNode>> second = LocalNode::Open({.data_dir = temp.path()});
  REQUIRE(absl::IsFailedPrecondition(second.status()));
  CHECK(second.status().message().find(temp.path()) != std::string::npos);
  first->reset();
  CHECK(LocalNode::Open({.data_dir = temp.path()}).ok());
}

TEST_CASE("LocalNode: a directory of a newer or unknown format is refused", "[node]") {
  TempDir temp;
  std::ofstream(temp.path() + "/FORMAT") << "hamster-data-format 99\n";
  CHECK(absl::IsFailedPrecondition(LocalNode::Open({.data_dir = temp.path()}).status()));
  std::ofstream(temp.path() + "/FORMAT") << "something else\n";
  CHECK(absl::IsFailedPrecondition(LocalNode::Open({.data_dir = temp.path()}).status()));
  CHECK(!LocalNode::Open({.data_dir = "/proc/hamster-cannot-create"}).ok());
}

TEST_CASE("LocalNode: startup removes crash leftovers, and collection removes garbage", "[node]") {
  TempDir temp;
  {
    absl::StatusOr<std::unique_ptr<LocalNode>> node = LocalNode::Open({.data_dir = temp.path()});
    REQUIRE(node.ok());
    REQUIRE((*node)->backend().CreateBucket("b", "alice").ok());
    REQUIRE(Put((*node)->backend(), "k", "kept").ok());
  }
  // What a crash between rename and commit, and one mid-write, leave behind.
  std::ofstream(temp.path() + "/shards/ab/abababababababababababababababab.0") << "orphan";
  const std::string torn = temp.path() + "/shards/cd/cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd.0.tmp";
  std::ofstream(torn) << "torn";
  absl::StatusOr<std::unique_ptr<LocalNode>> node =
      LocalNode::Open({.data_dir = temp.path(), .gc_interval = absl::Hours(1)});
  REQUIRE(node.ok());
  CHECK(ShardFiles(temp.path()) == 1);
  CHECK_FALSE(fs::exists(torn));
  CHECK(Get((*node)->backend(), "k") == "kept");

  REQUIRE(Put((*node)->backend(), "k", "overwritten").ok());
  REQUIRE((*node)->CollectGarbage().ok());
  CHECK(ShardFiles(temp.path()) == 1);
  CHECK(Get((*node)->backend(), "k") == "overwritten");
}

TEST_CASE("LocalNode: the background collector runs soon after garbage appears", "[node]") {
  TempDir temp;
  // The interval is long: only the wake-up after a commit can explain a prompt collection.
  absl::StatusOr<std::unique_ptr<LocalNode>> node =
      LocalNode::Open({.data_dir = temp.path(), .gc_interval = absl::Hours(1)});
  REQUIRE(node.ok());
  REQUIRE((*node)->backend().CreateBucket("b", "alice").ok());
  REQUIRE(Put((*node)->backend(), "k", "one").ok());
  REQUIRE(Put((*node)->backend(), "k", "two").ok());
  // Bounded wait: up to 10 s in 10 ms steps.
  for (int i = 0; i < 1000 && ShardFiles(temp.path()) != 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(ShardFiles(temp.path()) == 1);
}

}  // namespace
}  // namespace hamster::node
