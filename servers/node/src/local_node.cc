#include "hamster/node/local_node.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "hamster/crypto/keyring.h"
#include "hamster/env/file_io.h"
#include "hamster/env/file_shard_store.h"
#include "hamster/env/rocksdb_meta_store.h"
#include "hamster/env/system.h"
#include "hamster/node/local_backend.h"
#include "hamster/node/master_keys.h"

namespace hamster::node {
namespace {

constexpr int kDataFormatVersion = 1;
constexpr char kFormatPrefix[] = "hamster-data-format ";

absl::Status MakeDirectory(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return env::CheckDirectory(path);
  return absl::ErrnoToStatus(errno, absl::StrCat(path, ": cannot create directory"));
}

// Holds flock(LOCK_EX) on <data_dir>/LOCK until destroyed.
class DirectoryLock {
 public:
  static absl::StatusOr<std::unique_ptr<DirectoryLock>> Acquire(const std::string& data_dir) {
    const std::string path = absl::StrCat(data_dir, "/LOCK");
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat(path, ": cannot open"));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error_number = errno;
      ::close(fd);
      if (error_number == EWOULDBLOCK) {
        return absl::FailedPreconditionError(
            absl::StrCat("data directory ", data_dir, " is in use by another process"));
      }
      return absl::ErrnoToStatus(error_number, absl::StrCat(path, ": cannot lock"));
    }
    return std::unique_ptr<DirectoryLock>(new DirectoryLock(fd));
  }
  ~DirectoryLock() { ::close(fd_); }  // closing releases the lock

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

// Reads <data_dir>/FORMAT, or writes it durably on first start.
absl::Status CheckFormat(const std::string& data_dir) {
  const std::string path = absl::StrCat(data_dir, "/FORMAT");
  std::ifstream in(path);
  if (!in) {
    absl::StatusOr<std::unique_ptr<env::DurableFile>> file = env::DurableFile::Create(path);
    if (!file.ok()) return file.status();
    const std::string text = absl::StrCat(kFormatPrefix, kDataFormatVersion, "\n");
    absl::Status s = (*file)->Append(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    if (s.ok()) s = (*file)->Commit();
    if (s.ok()) s = env::FsyncDirectory(data_dir);
    return s;
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string contents = text.str();
  absl::string_view line = absl::StripSuffix(contents, "\n");
  int version = 0;
  if (!absl::ConsumePrefix(&line, kFormatPrefix) || !absl::SimpleAtoi(line, &version)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not a Hamster data directory format file"));
  }
  if (version > kDataFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat("data directory ", data_dir, " has format ",
                                                      version, "; this build reads up to ",
                                                      kDataFormatVersion));
  }
  return absl::OkStatus();
}

// The system clock shifted by a fixed offset (LocalNodeOptions, tests only).
class OffsetClock : public Clock {
 public:
  absl::Time Now() override { return system_.Now() + offset; }
  absl::Duration offset = absl::ZeroDuration();

 private:
  env::SystemClock system_;
};
// Encryption at rest: the keyring at `path`, created with one random master
// key when there is none.
absl::StatusOr<std::unique_ptr<MasterKeys>> OpenMasterKeys(const std::string& path, Random& random,
                                                           Clock& clock) {
  absl::StatusOr<crypto::Keyring> keyring = crypto::LoadKeyring(path);
  if (absl::IsNotFound(keyring.status())) {
    crypto::Key key;
    random.Fill(key);
    keyring = crypto::Keyring::WithFirstKey(key, absl::ToUnixSeconds(clock.Now()));
    if (absl::Status s = crypto::SaveKeyring(path, *keyring); !s.ok()) return s;
  }
  if (!keyring.ok()) return keyring.status();
  return std::make_unique<MasterKeys>(*std::move(keyring), [path](const crypto::Keyring& next) {
    return crypto::SaveKeyring(path, next);
  });
}

// Stops the re-wrapper between batches, and its test-only pause at once.
class StopSignal {
 public:
  void Stop() {
    std::lock_guard lock(mu_);
    stopped_ = true;
    changed_.notify_all();
  }
  bool stopped() {
    std::lock_guard lock(mu_);
    return stopped_;
  }
  // Waits `delay` unless stopped first; returns whether it was stopped.
  bool WaitFor(absl::Duration delay) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, absl::ToChronoNanoseconds(delay), [this] { return stopped_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  bool stopped_ = false;  // guarded by mu_
};

// Re-wraps batch after batch until a whole pass finds no data key under an
// inactive master key. A failed batch ends the run; the next wake or
// interval starts a new pass, which finds whatever is left.
void RunRewrapper(LocalBackend& backend, const LocalNodeOptions& options, StopSignal& stop) {
  const auto warn = [&](std::string_view message) {
    if (options.warn) options.warn(message);
  };
  std::string cursor;
  bool pass_found = false;
  while (!stop.stopped()) {
    absl::StatusOr<RewrapBatchResult> batch =
        backend.RewrapBatch(std::max<size_t>(options.rewrap_batch_records, 1), &cursor);
    if (!batch.ok()) {
      warn(absl::StrCat("key re-wrap stopped, retried in a minute: ", batch.status().message()));
      return;
    }
    pass_found = pass_found || batch->found > 0;
    if (batch->pass_done) {
      if (!pass_found) {
        // Reported once per run, by its last pass, which meets every damaged record again.
        if (batch->unreadable > 0) {
          warn(absl::StrCat("key re-wrap: ", batch->unreadable,
                            " data key(s) cannot be unwrapped and stay under their old master "
                            "key (their objects are unreadable; retried every minute); first: ",
                            batch->unreadable_error));
        }
        return;
      }
      pass_found = false;
    }
    if (batch->found > 0 && options.test_only_rewrap_delay > absl::ZeroDuration() &&
        stop.WaitFor(options.test_only_rewrap_delay)) {
      return;
    }
  }
}

// How often the re-wrapper looks again when nothing wakes it. A PUT that
// wrapped its data key under the old key before a rotation may commit after
// the re-wrapper's last pass; this finds it. The look is a scan of every
// data key only while an old key is still in the keyring (RewrapBatch).
constexpr absl::Duration kRewrapInterval = absl::Minutes(1);

}  // namespace

struct LocalNode::Parts {
  std::unique_ptr<DirectoryLock> lock;
  OffsetClock clock;
  env::SystemRandom random;
  std::unique_ptr<env::RocksDbMetaStore> meta;
  std::unique_ptr<env::FileShardStore> shards;
  std::unique_ptr<MasterKeys> master_keys;
  std::unique_ptr<LocalBackend> backend;
  std::unique_ptr<env::BackgroundLoop> gc_loop;
  LocalNodeOptions options;
  StopSignal rewrap_stop;
  std::unique_ptr<env::BackgroundLoop> rewrap_loop;
};

LocalNode::LocalNode(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

LocalNode::~LocalNode() {
  // Background work stops before what it uses goes away; the store closes last.
  parts_->rewrap_stop.Stop();
  parts_->rewrap_loop.reset();
  parts_->gc_loop.reset();
  parts_->backend.reset();
  parts_->shards.reset();
  parts_->meta.reset();
}

absl::StatusOr<std::unique_ptr<LocalNode>> LocalNode::Open(const LocalNodeOptions& options) {
  const std::string& dir = options.data_dir;
  if (absl::Status s = MakeDirectory(dir); !s.ok()) return s;
  auto parts = std::make_unique<Parts>();
  parts->options = options;
  parts->clock.offset = options.test_only_clock_offset;
  absl::StatusOr<std::unique_ptr<DirectoryLock>> lock = DirectoryLock::Acquire(dir);
  if (!lock.ok()) return lock.status();
  parts->lock = *std::move(lock);
  if (absl::Status s = CheckFormat(dir); !s.ok()) return s;

  absl::StatusOr<std::unique_ptr<env::RocksDbMetaStore>> meta =
      env::RocksDbMetaStore::Open(absl::StrCat(dir, "/meta"));
  if (!meta.ok()) return meta.status();
  parts->meta = *std::move(meta);
  absl::StatusOr<std::unique_ptr<env::FileShardStore>> shards =
      env::FileShardStore::Open({.root = dir});
  if (!shards.ok()) return shards.status();
  parts->shards = *std::move(shards);

  absl::StatusOr<std::unique_ptr<MasterKeys>> master_keys = OpenMasterKeys(
      options.keyring_path.empty() ? absl::StrCat(dir, "/keyring") : options.keyring_path,
      parts->random, parts->clock);
  if (!master_keys.ok()) return master_keys.status();
  parts->master_keys = *std::move(master_keys);

  Parts* raw = parts.get();
  LocalBackendOptions backend_options;
  backend_options.master_keys = parts->master_keys.get();
  // gc_loop is set below, before any request can commit.
  backend_options.on_garbage = [raw] { raw->gc_loop->Wake(); };
  const Env node_env{.clock = &parts->clock,
                     .random = &parts->random,
                     .meta = parts->meta.get(),
                     .shards = parts->shards.get()};
  absl::StatusOr<std::unique_ptr<LocalBackend>> backend =
      LocalBackend::Open(node_env, backend_options);
  if (!backend.ok()) return backend.status();
  parts->backend = *std::move(backend);
  absl::StatusOr<uint64_t> orphans = parts->backend->RemoveOrphans();
  if (!orphans.ok()) return orphans.status();
  parts->gc_loop = std::make_unique<env::BackgroundLoop>(options.gc_interval, [raw] {
    // A failed pass leaves its entries queued; the next pass retries them.
    raw->backend->CollectGarbage().IgnoreError();
  });
  parts->rewrap_loop = std::make_unique<env::BackgroundLoop>(
      kRewrapInterval, [raw] { RunRewrapper(*raw->backend, raw->options, raw->rewrap_stop); });
  // Resumes a rotation a crash or restart interrupted.
  parts->rewrap_loop->Wake();
  return std::unique_ptr<LocalNode>(new LocalNode(std::move(parts)));
}

s3::Backend& LocalNode::backend() { return *parts_->backend; }

absl::Status LocalNode::CollectGarbage() { return parts_->backend->CollectGarbage().status(); }

absl::StatusOr<KeyStatus> LocalNode::GetKeyStatus() { return parts_->backend->GetKeyStatus(); }

absl::StatusOr<std::string> LocalNode::RotateMasterKey() {
  absl::StatusOr<std::string> id = parts_->backend->StartKeyRotation();
  if (id.ok()) parts_->rewrap_loop->Wake();
  return id;
}

absl::Status LocalNode::RetireMasterKey(const std::string& id) {
  return parts_->backend->RetireMasterKey(id);
}

}  // namespace hamster::node
