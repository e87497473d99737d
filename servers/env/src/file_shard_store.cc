#include "hamster/env/file_shard_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "hamster/env/file_io.h"
#include "src/write_behind.h"

namespace hamster::env {
namespace {

constexpr int kMaxShardIndex = 255;
constexpr char kTemporarySuffix[] = ".tmp";

// Asks ext4 to spread the subdirectories made next over its block groups (the "top of a
// directory hierarchy" flag, chattr +T). A new file's inode is allocated in its directory's
// group, and on ext4 without a journal every allocation skips, one lookup each, the inodes
// freed in that group in the last ~30 s: with every shard in one group, a node that deletes
// thousands of objects a second made each create cost ~0.2-1 ms of CPU
// (docs/benchmarks.md). Best effort: other filesystems refuse or ignore the flag.
void SpreadSubdirectories(const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  int flags = 0;
  if (::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_TOPDIR_FL) == 0) {
    flags |= FS_TOPDIR_FL;
    (void)::ioctl(fd, FS_IOC_SETFLAGS, &flags);
  }
  ::close(fd);
}

// Removing a file that is already gone is fine.
absl::Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return absl::OkStatus();
  return absl::ErrnoToStatus(errno, absl::StrCat(path, ": cannot remove"));
}

absl::Status MakeDirectory(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return CheckDirectory(path);
  return absl::ErrnoToStatus(errno, absl::StrCat(path, ": cannot create directory"));
}

// The names of the entries of `directory`, without "." and "..".
absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& directory) {
  DIR* dir = ::opendir(directory.c_str());
  if (dir == nullptr) return absl::ErrnoToStatus(errno, absl::StrCat(directory, ": cannot list"));
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  return names;
}

std::optional<uint8_t> HexDigit(char c) {
  if (c >= '0' && c <= '9') return uint8_t(c - '0');
  if (c >= 'a' && c <= 'f') return uint8_t(c - 'a' + 10);
  return std::nullopt;
}

// Parses "<32 lowercase hex>.<index>", the only names we write.
bool ParseShardName(const std::string& name, ec::DataId* data_id, int* shard_index) {
  if (name.size() < 34 || name[32] != '.') return false;
  for (size_t i = 0; i < 16; ++i) {
    const std::optional<uint8_t> high = HexDigit(name[2 * i]), low = HexDigit(name[2 * i + 1]);
    if (!high || !low) return false;
    (*data_id)[i] = uint8_t(*high << 4 | *low);
  }
  const std::string index_text = name.substr(33);
  if (index_text.empty() || index_text.size() > 3) return false;
  for (char c : index_text) {
    if (c < '0' || c > '9') return false;
  }
  return absl::SimpleAtoi(index_text, shard_index) && *shard_index <= kMaxShardIndex;
}

// Small shards are written on the caller's thread; once a shard grows past
// the write-behind threshold, the rest goes through a WriteBehind.
class FilePendingShard : public node::PendingShard {
 public:
  FilePendingShard(std::unique_ptr<DurableFile> file, std::string directory,
                   DirectorySyncer* syncer, uint64_t write_behind_threshold_bytes)
      : file_(std::move(file)),
        directory_(std::move(directory)),
        syncer_(syncer),
        write_behind_threshold_bytes_(write_behind_threshold_bytes) {}

  absl::Status Append(std::span<const uint8_t> bytes) override {
    appended_bytes_ += bytes.size();
    if (write_behind_ == nullptr) {
      if (write_behind_threshold_bytes_ == 0 || appended_bytes_ <= write_behind_threshold_bytes_) {
        return file_->Append(bytes);
      }
      write_behind_ =
          std::make_unique<WriteBehind>(file_.get(), kWriteBehindChunkBytes, kWriteBehindChunks);
    }
    return write_behind_->Append(bytes);
  }

  absl::Status Commit() override {
    if (write_behind_ != nullptr) {
      absl::Status written = write_behind_->Finish();
      write_behind_.reset();
      if (!written.ok()) return written;
    }
    if (absl::Status s = file_->Commit(); !s.ok()) return s;
    return syncer_->Sync(directory_);
  }

 private:
  // 4 MiB in flight per large shard at most, whatever its size.
  static constexpr size_t kWriteBehindChunkBytes = 1 << 20;
  static constexpr size_t kWriteBehindChunks = 4;

  std::unique_ptr<DurableFile> file_;
  std::string directory_;
  DirectorySyncer* syncer_;
  uint64_t write_behind_threshold_bytes_;
  uint64_t appended_bytes_ = 0;
  // Declared after file_: destroyed (its thread stopped) before the file.
  std::unique_ptr<WriteBehind> write_behind_;
};

}  // namespace

FileShardStore::FileShardStore(const FileShardStoreOptions& options)
    : options_(options),
      shards_dir_(absl::StrCat(options.root, "/shards")),
      legacy_tmp_dir_(absl::StrCat(options.root, "/tmp")) {}

absl::StatusOr<std::unique_ptr<FileShardStore>> FileShardStore::Open(
    const FileShardStoreOptions& options) {
  if (absl::Status s = CheckDirectory(options.root); !s.ok()) return s;
  std::unique_ptr<FileShardStore> store(new FileShardStore(options));
  if (absl::Status s = MakeDirectory(store->shards_dir_); !s.ok()) return s;
  SpreadSubdirectories(store->shards_dir_);
  for (int i = 0; i < 256; ++i) {
    if (absl::Status s = MakeDirectory(store->Subdirectory(i)); !s.ok()) return s;
  }
  // New directories are durable only once their parents are synced.
  for (const std::string& dir : {store->shards_dir_, options.root}) {
    if (absl::Status s = FsyncDirectory(dir); !s.ok()) return s;
  }
  return store;
}

std::string FileShardStore::Subdirectory(int fan_out) const {
  return absl::StrFormat("%s/%02x", shards_dir_, fan_out);
}

std::string FileShardStore::ShardDirectory(const ec::DataId& data_id) const {
  return Subdirectory(data_id[0]);
}

absl::Status FileShardStore::ForEachName(
    const std::function<absl::Status(int fan_out, const std::string& name)>& visit) const {
  for (int i = 0; i < 256; ++i) {
    absl::StatusOr<std::vector<std::string>> names = ListDirectory(Subdirectory(i));
    if (!names.ok()) return names.status();
    for (const std::string& name : *names) {
      if (absl::Status s = visit(i, name); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

std::string FileShardStore::ShardPath(const ec::DataId& data_id, int shard_index) const {
  return absl::StrCat(ShardDirectory(data_id), "/", ec::DataIdToHex(data_id), ".", shard_index);
}

absl::StatusOr<std::unique_ptr<node::PendingShard>> FileShardStore::Create(
    const ec::DataId& data_id, int shard_index) {
  if (shard_index < 0 || shard_index > kMaxShardIndex) {
    return absl::InvalidArgumentError(absl::StrCat("shard index ", shard_index, " out of range"));
  }
  DurableFile::Options file_options;
  // Next to its final name, so its inode is allocated (and later freed) in that directory's
  // block group, not in one group shared by every write.
  file_options.temporary_path = absl::StrCat(ShardPath(data_id, shard_index), kTemporarySuffix);
  file_options.writeback_interval_bytes = options_.writeback_interval_bytes;
  absl::StatusOr<std::unique_ptr<DurableFile>> file =
      DurableFile::Create(ShardPath(data_id, shard_index), file_options);
  if (!file.ok()) return file.status();
  return std::unique_ptr<node::PendingShard>(new FilePendingShard(
      *std::move(file), ShardDirectory(data_id), &syncer_, options_.write_behind_threshold_bytes));
}

absl::StatusOr<std::unique_ptr<ec::ShardSource>> FileShardStore::Open(const ec::DataId& data_id,
                                                                      int shard_index) {
  absl::StatusOr<std::unique_ptr<FileShardSource>> source =
      FileShardSource::Open(ShardPath(data_id, shard_index));
  if (!source.ok()) return source.status();
  return std::unique_ptr<ec::ShardSource>(*std::move(source));
}

absl::Status FileShardStore::Remove(const ec::DataId& data_id, int shard_index) {
  return RemoveFile(ShardPath(data_id, shard_index));
}

absl::Status FileShardStore::ForEach(
    const std::function<void(const ec::DataId& data_id, int shard_index)>& visit) {
  return ForEachName([&](int fan_out, const std::string& name) {
    ec::DataId data_id;
    int shard_index = 0;
    // Anything else was not written by us; it is left alone.
    if (ParseShardName(name, &data_id, &shard_index) && data_id[0] == fan_out) {
      visit(data_id, shard_index);
    }
    return absl::OkStatus();
  });
}

absl::Status FileShardStore::RemoveTemporaryFiles() {
  absl::Status removed = ForEachName([&](int fan_out, const std::string& name) {
    if (!absl::EndsWith(name, kTemporarySuffix)) return absl::OkStatus();
    ec::DataId data_id;
    int shard_index = 0;
    const std::string shard_name = name.substr(0, name.size() - (sizeof(kTemporarySuffix) - 1));
    if (!ParseShardName(shard_name, &data_id, &shard_index)) return absl::OkStatus();  // not ours
    return RemoveFile(absl::StrCat(Subdirectory(fan_out), "/", name));
  });
  if (!removed.ok()) return removed;
  // Data directories written before temporary files moved next to their shards.
  if (::access(legacy_tmp_dir_.c_str(), F_OK) != 0) return absl::OkStatus();
  absl::StatusOr<std::vector<std::string>> names = ListDirectory(legacy_tmp_dir_);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    if (absl::Status s = RemoveFile(absl::StrCat(legacy_tmp_dir_, "/", name)); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace hamster::env
