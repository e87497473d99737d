// The deterministic metadata state machine: applies a meta::Command at a log
// index to the state (a PendingState over the MetaStore). Applying depends
// only on the command, the index and the state, so every replica applying the
// same commands in the same order writes the same bytes; the proposer put
// every time and id into the command.
//
// The outcome of a command (success, or an S3 error such as
// PreconditionFailed, NoSuchBucket, InvalidPart) is part of the deterministic
// result: a failed command changes nothing except that fresh data it carried
// is queued for garbage collection, and the applied index advances either way.
// The applied index is written with the command's effects, so replaying an
// already-applied index after a crash is a no-op.
//
// Data ids are reference counted ("R" keys): every object version and every
// multipart part referencing a data id counts once; when the count reaches
// zero the data id is queued on "G" for the garbage collector.
//
// Thread safety: none; the caller applies one command at a time.
#ifndef HAMSTER_NODE_SRC_STATE_MACHINE_H_
#define HAMSTER_NODE_SRC_STATE_MACHINE_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/ec/shard_format.h"
#include "hamster/proto/metadata.pb.h"
#include "src/pending_state.h"

namespace hamster::node {

using LogIndex = uint64_t;

struct ApplyResult {
  // OK, or the S3 error the command deterministically failed with.
  absl::Status outcome;
  // The version written by PutObjectVersion, CopyObject and CompleteUpload.
  meta::ObjectVersionRecord version;
  // The part written by PutPart.
  meta::PartRecord part;
  // Data ids this command queued for garbage collection.
  std::vector<ec::DataId> garbage;
  // The index was applied before; nothing was done.
  bool replayed = false;
};

class StateMachine {
 public:
  // Reads the applied index from `state` (0 when nothing was ever applied).
  static absl::StatusOr<LogIndex> LoadAppliedIndex(PendingState& state);

  // Applies `command` at `index` into `state`. `applied_index` is the state's
  // applied index and is advanced to `index`. An error return (as opposed to
  // ApplyResult::outcome) is a failure to read the state: the caller must
  // discard `state` and write nothing.
  // REQUIRES: index > 0.
  static absl::StatusOr<ApplyResult> Apply(const meta::Command& command, LogIndex index,
                                           LogIndex& applied_index, PendingState& state);
};

}  // namespace hamster::node

#endif  // HAMSTER_NODE_SRC_STATE_MACHINE_H_
