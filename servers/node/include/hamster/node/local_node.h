// LocalNode is a single-node Hamster runtime on a data directory, what
// `hamsterd serve` runs: a LocalBackend on RocksDB metadata and shard files,
// with background garbage collection. Layout of the data directory:
//
//   <data_dir>/FORMAT   the directory's format version (invariant 7)
//   <data_dir>/LOCK     flock()ed while a node has the directory open
//   <data_dir>/meta/    RocksDB: metadata records (ADR 0005)
//   <data_dir>/shards/  committed shard files
//   <data_dir>/tmp/     shard files being written
//   <data_dir>/keyring  master keys for encryption at rest (mode 0600; created
//                       on first start unless LocalNodeOptions::keyring_path
//                       names another file)
//
// Other files in <data_dir> (hamsterd's credentials) are left alone.
//
// Thread safety: backend() is used concurrently; Open and the destructor are
// called once.
#ifndef HAMSTER_NODE_LOCAL_NODE_H_
#define HAMSTER_NODE_LOCAL_NODE_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hamster/node/key_rotation.h"
#include "hamster/s3/backend.h"

namespace hamster::node {

struct LocalNodeOptions {
  std::string data_dir = "hamster-data";
  // How often garbage is collected when nothing wakes the collector sooner
  // (it also runs soon after a write made garbage).
  absl::Duration gc_interval = absl::Minutes(1);
  // TEST ONLY: shifts the node's clock (object times, and the clock object
  // lock retention is checked against), so tests can see retention expire
  // without waiting. hamsterd sets it only from
  // HAMSTER_TEST_ONLY_CLOCK_OFFSET_SECONDS.
  absl::Duration test_only_clock_offset = absl::ZeroDuration();
  // Encryption at rest: the keyring file; empty: <data_dir>/keyring.
  std::string keyring_path;
  // Master key rotation: data keys re-wrapped per metadata command.
  size_t rewrap_batch_records = 256;
  // TEST ONLY: a pause after each re-wrap batch, so a test can catch a
  // rotation midway (hamsterd sets it only from
  // HAMSTER_TEST_ONLY_REWRAP_DELAY_MS).
  absl::Duration test_only_rewrap_delay = absl::ZeroDuration();
  // Where background work reports what an operator must act on (a re-wrap
  // pass that met damaged data keys or failed); null: nowhere. Called from
  // background threads.
  std::function<void(std::string_view)> warn;
};

class LocalNode {
 public:
  // Creates the data directory layout on first start; takes an exclusive
  // lock (flock on data_dir/LOCK) so two processes cannot share it
  // (kFailedPrecondition naming the dir). Removes leftovers of writes a crash
  // interrupted. kFailedPrecondition also for a directory of a newer format;
  // other errors are I/O errors naming the path.
  static absl::StatusOr<std::unique_ptr<LocalNode>> Open(const LocalNodeOptions& options);
  // Stops background work and closes the metadata store cleanly.
  // REQUIRES: no backend() call is running and no ObjectReader is alive.
  ~LocalNode();

  hamster::s3::Backend& backend();
  // One garbage collection pass (also run in the background).
  absl::Status CollectGarbage();

  // Master key rotation (docs/encryption.md). A background re-wrapper runs
  // at Open (resuming a rotation a crash interrupted) and after each
  // RotateMasterKey, re-wrapping batches until no data key is under an
  // inactive key. Errors as LocalBackend's GetKeyStatus, StartKeyRotation
  // and RetireMasterKey.
  absl::StatusOr<KeyStatus> GetKeyStatus();
  // Returns the new active key's id; re-wrapping continues in the background.
  absl::StatusOr<std::string> RotateMasterKey();
  absl::Status RetireMasterKey(const std::string& id);

 private:
  struct Parts;
  explicit LocalNode(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace hamster::node

#endif  // HAMSTER_NODE_LOCAL_NODE_H_
