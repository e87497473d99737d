#include "hamster/env/file_shard_store.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace hamster::env {
namespace {

namespace fs = std::filesystem;

std::string MakeTempDir() {
  std::string pattern = (fs::temp_directory_path() / "hamster-env-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

ec::DataId TestDataId(uint8_t first) {
  ec::DataId id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = uint8_t(first + i);
  return id;
}

std::vector<uint8_t> Bytes(const std::string& text) { return {text.begin(), text.end()}; }

size_t CountFiles(const fs::path& dir) {
  size_t count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) count += entry.is_regular_file();
  return count;
}

TEST_CASE("FileShardStore: a committed shard appears under shards/<2 hex>/", "[env]") {
  const std::string root = MakeTempDir();
  absl::StatusOr<std::unique_ptr<FileShardStore>> store = FileShardStore::Open({.root = root});
  REQUIRE(store.ok());
  const ec::DataId id = TestDataId(0xab);
  absl::StatusOr<std::unique_ptr<node::PendingShard>> shard = (*store)->Create(id, 0);
  REQUIRE(shard.ok());
  REQUIRE((*shard)->Append(Bytes("hello")).ok());
  const std::string path = (*store)->ShardPath(id, 0);
  CHECK(path == root + "/shards/ab/" + ec::DataIdToHex(id) + ".0");
  CHECK(fs::exists(path + ".tmp"));  // written next to its final name
  CHECK_FALSE(fs::exists(path));
  REQUIRE((*shard)->Commit().ok());
  CHECK(fs::exists(path));
  CHECK(CountFiles(root + "/shards") == 1);

  absl::StatusOr<std::unique_ptr<ec::ShardSource>> source = (*store)->Open(id, 0);
  REQUIRE(source.ok());
  std::vector<uint8_t> read(5);
  REQUIRE((*source)->ReadAt(0, read).ok());
  CHECK(read == Bytes("hello"));

  std::vector<std::pair<ec::DataId, int>> seen;
  REQUIRE((*store)->ForEach([&](const ec::DataId& d, int i) { seen.emplace_back(d, i); }).ok());
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].first == id);
  CHECK(seen[0].second == 0);

  REQUIRE((*store)->Remove(id, 0).ok());
  CHECK(!fs::exists(path));
  CHECK((*store)->Remove(id, 0).ok());  // removing an absent shard is fine
  CHECK(absl::IsNotFound((*store)->Open(id, 0).status()));
  fs::remove_all(root);
}

TEST_CASE("FileShardStore: an uncommitted shard leaves nothing behind", "[env]") {
  const std::string root = MakeTempDir();
  absl::StatusOr<std::unique_ptr<FileShardStore>> store = FileShardStore::Open({.root = root});
  REQUIRE(store.ok());
  {
    absl::StatusOr<std::unique_ptr<node::PendingShard>> shard = (*store)->Create(TestDataId(1), 3);
    REQUIRE(shard.ok());
    REQUIRE((*shard)->Append(Bytes("partial")).ok());
  }
  CHECK(CountFiles(root) == 0);
  fs::remove_all(root);
}

TEST_CASE("FileShardStore: crash leftovers are removed, foreign files ignored", "[env]") {
  const std::string root = MakeTempDir();
  absl::StatusOr<std::unique_ptr<FileShardStore>> store = FileShardStore::Open({.root = root});
  REQUIRE(store.ok());
  const std::string torn = root + "/shards/07/" + ec::DataIdToHex(TestDataId(7)) + ".0.tmp";
  std::ofstream(torn) << "torn";
  // Where versions before 2026-12 wrote shards being written.
  fs::create_directory(root + "/tmp");
  std::ofstream(root + "/tmp/" + ec::DataIdToHex(TestDataId(8)) + ".0") << "torn, older";
  std::ofstream(root + "/shards/00/README") << "not a shard";
  std::ofstream(root + "/shards/00/README.tmp") << "not ours either";
  std::ofstream(root + "/shards/00/" + ec::DataIdToHex(TestDataId(9)) + ".0") << "misplaced";
  REQUIRE((*store)->RemoveTemporaryFiles().ok());
  CHECK_FALSE(fs::exists(torn));
  CHECK(CountFiles(root + "/tmp") == 0);
  CHECK(fs::exists(root + "/shards/00/README.tmp"));
  int visited = 0;
  REQUIRE((*store)->ForEach([&](const ec::DataId&, int) { ++visited; }).ok());
  CHECK(visited == 0);  // README is not ours; the misplaced file is in the wrong fan-out dir
  CHECK(fs::exists(root + "/shards/00/README"));
  fs::remove_all(root);
}

// The flag that makes ext4 spread new subdirectories over its block groups; nullopt where
// the filesystem has no such flags (tmpfs).
std::optional<bool> HasTopDirFlag(const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  int flags = 0;
  const bool read = ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
  ::close(fd);
  if (!read) return std::nullopt;
  return (flags & FS_TOPDIR_FL) != 0;
}

TEST_CASE("FileShardStore: shards/ asks the filesystem to spread its subdirectories", "[env]") {
  const std::string root = MakeTempDir();
  REQUIRE(FileShardStore::Open({.root = root}).ok());
  const std::optional<bool> spread = HasTopDirFlag(root + "/shards");
  if (!spread.has_value()) {
    WARN("this filesystem has no directory flags; nothing to check");
  } else {
    CHECK(*spread);
  }
  fs::remove_all(root);
}

TEST_CASE("FileShardStore: Open fails on a missing root and Create on a bad index", "[env]") {
  CHECK(!FileShardStore::Open({.root = "/nonexistent/hamster"}).ok());
  const std::string root = MakeTempDir();
  absl::StatusOr<std::unique_ptr<FileShardStore>> store = FileShardStore::Open({.root = root});
  REQUIRE(store.ok());
  CHECK(absl::IsInvalidArgument((*store)->Create(TestDataId(1), -1).status()));
  CHECK(absl::IsInvalidArgument((*store)->Create(TestDataId(1), 256).status()));
  fs::remove_all(root);
}

TEST_CASE("FileShardStore: a large shard written behind reads back whole", "[env]") {
  const std::string root = MakeTempDir();
  absl::StatusOr<std::unique_ptr<FileShardStore>> store =
      FileShardStore::Open({.root = root, .write_behind_threshold_bytes = 100000});
  REQUIRE(store.ok());
  std::vector<uint8_t> bytes(3 << 20);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = uint8_t(i * 31 + i / 4096);
  absl::StatusOr<std::unique_ptr<node::PendingShard>> shard = (*store)->Create(TestDataId(5), 0);
  REQUIRE(shard.ok());
  for (size_t offset = 0; offset < bytes.size(); offset += 70000) {
    const size_t n = std::min<size_t>(70000, bytes.size() - offset);
    REQUIRE((*shard)->Append(std::span(bytes).subspan(offset, n)).ok());
  }
  REQUIRE((*shard)->Commit().ok());
  absl::StatusOr<std::unique_ptr<ec::ShardSource>> source = (*store)->Open(TestDataId(5), 0);
  REQUIRE(source.ok());
  CHECK((*source)->SizeBytes().value() == bytes.size());
  std::vector<uint8_t> read(bytes.size());
  REQUIRE((*source)->ReadAt(0, read).ok());
  CHECK(read == bytes);
  fs::remove_all(root);
}

}  // namespace
}  // namespace hamster::env
