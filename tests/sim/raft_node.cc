#include "raft_node.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace hamster::sim {

std::string ApplyRecord(raft::MemoryStorage& storage, const StorageRecord& record) {
  absl::Status status;
  switch (record.kind) {
    case StorageRecord::Kind::kHardState:
      storage.SetHardState(record.hard_state);
      break;
    case StorageRecord::Kind::kEntries:
      status = storage.Append(record.entries);
      break;
    case StorageRecord::Kind::kInstallSnapshot:
      status = storage.ApplySnapshot(record.snapshot);
      break;
    case StorageRecord::Kind::kCreateSnapshot:
      status = storage.CreateSnapshot(record.snapshot.metadata.index,
                                      record.snapshot.metadata.conf_state, record.snapshot.data);
      break;
    case StorageRecord::Kind::kCompact:
      status = storage.Compact(record.index);
      break;
  }
  return status.ok() ? "" : status.ToString();
}

SimRaftNode::SimRaftNode(raft::NodeId id, raft::ConfState bootstrap, NodeEnv env, Random random,
                         NodeOptions options)
    : id_(id),
      env_(env),
      random_(random),
      options_(options),
      disk_(*env.loop, random_.Fork(), options.disk, raft::MemoryStorage(std::move(bootstrap)),
            ApplyRecord) {
  // Each node's clock runs up to 5% fast or slow.
  const double drift = 1.0 + (random_.Uniform() - 0.5) / 10;
  tick_interval_ = static_cast<Duration>(static_cast<double>(options.tick_interval) * drift);
}

void SimRaftNode::Log(const std::string& line) {
  env_.trace->Add(env_.loop->Now(), absl::StrCat("n", id_, " ", line));
}

void SimRaftNode::Start() {
  if (up() || shut_down_) return;
  ++incarnation_;
  raft::MemoryStorage& storage = disk_.live();
  CheckPromisesKept(storage);
  const raft::Snapshot snapshot = *storage.LoadSnapshot();
  absl::StatusOr<KvStore> restored = KvStore::Deserialize(snapshot.data);
  if (!restored.ok())
    env_.checker->Fail(absl::StrCat("node ", id_, ": ", restored.status().ToString()));
  kv_ = restored.ok() ? *restored : KvStore();
  applied_ = snapshot.metadata.index;
  applied_conf_ = snapshot.metadata.conf_state;
  raft::Config config = options_.raft;
  config.id = id_;
  config.storage = &storage;
  config.random_seed = random_.Next();
  config.applied = applied_;
  absl::StatusOr<std::unique_ptr<raft::RawNode>> node = raft::RawNode::Create(config);
  if (!node.ok()) {
    env_.checker->Fail(absl::StrCat("node ", id_, " cannot restart: ", node.status().ToString()));
    return;
  }
  node_ = std::move(*node);
  env_.checker->OnApplyFrom(id_, snapshot.metadata.index, snapshot.metadata.term);
  env_.network->SetHandler(id_, [this](raft::Message m) { Receive(std::move(m)); });
  syncing_ = false;
  leader_term_ = 0;
  completeness_check_.reset();
  const raft::HardState hard = node_->hard_state();
  voted_term_ = hard.term;
  voted_for_ = hard.vote;
  Log(absl::StrCat("start: term ", hard.term, " vote ", hard.vote, " commit ", hard.commit,
                   " last ", node_->status().last_index, " snapshot ", snapshot.metadata.index));
  ScheduleTick();
}

void SimRaftNode::Crash() {
  if (!up()) return;
  ++incarnation_;
  node_.reset();
  env_.network->RemoveHandler(id_);
  const size_t unsynced = disk_.unsynced();
  disk_.Crash();
  pending_writes_.clear();
  pending_reads_.clear();
  waiting_reads_.clear();
  syncing_ = false;
  Log(absl::StrCat("crash (", unsynced, " unsynced writes, some lost)"));
}

void SimRaftNode::Shutdown() {
  Crash();
  shut_down_ = true;
  Log("shut down: removed from the cluster");
}

void SimRaftNode::ScheduleTick() {
  const uint64_t incarnation = incarnation_;
  env_.loop->After(tick_interval_, [this, incarnation] {
    if (incarnation != incarnation_ || !up()) return;
    node_->Tick();
    AfterStep(node_->health(), "tick");
    ScheduleTick();
  });
}

void SimRaftNode::Receive(raft::Message message) {
  if (!up()) return;
  AfterStep(node_->Step(std::move(message)), "step");
}

void SimRaftNode::AfterStep(const absl::Status& stepped, const char* what) {
  if (!stepped.ok()) {
    // Every message comes from a core: a malformed one is a bug there, and MemoryStorage
    // does not fail.
    env_.checker->Fail(absl::StrCat("node ", id_, " ", what, ": ", stepped.ToString()));
    return;
  }
  CheckLeadership();
  Pump();
}

void SimRaftNode::CheckLeadership() {
  if (node_->soft_state().role != raft::Role::kLeader) return;
  const raft::Term term = node_->hard_state().term;
  if (term == leader_term_) return;
  leader_term_ = term;
  env_.checker->OnLeader(id_, term);
  completeness_check_ = term;
  Log(absl::StrCat("leads term ", term));
}

void SimRaftNode::Pump() {
  while (up() && !syncing_ && node_->HasReady()) {
    auto ready = std::make_shared<raft::Ready>(node_->TakeReady());
    for (const raft::Message& message : ready->messages) Send(message);
    Persist(*ready);
    // Promises are recorded against the log as written (the answers went out just before).
    for (const raft::Message& message : ready->messages) RecordPromise(message);
    if (ready->must_sync) {
      syncing_ = true;
      const uint64_t incarnation = incarnation_;
      const bool votes = ready->hard_state && (ready->hard_state->term != voted_term_ ||
                                               ready->hard_state->vote != voted_for_);
      if (ready->hard_state) {
        voted_term_ = ready->hard_state->term;
        voted_for_ = ready->hard_state->vote;
      }
      if (crash_during_sync_ && (votes || !crash_on_vote_only_)) {
        const Duration down_for = *crash_during_sync_;
        crash_during_sync_.reset();
        env_.loop->After(0, [this, incarnation, down_for] {
          if (incarnation != incarnation_) return;
          Crash();
          env_.loop->After(down_for, [this] { Start(); });
        });
      }
      disk_.Sync([this, incarnation, ready] {
        if (incarnation != incarnation_) return;
        syncing_ = false;
        Finish(*ready);
        Pump();
      });
      return;
    }
    Finish(*ready);
  }
}

void SimRaftNode::Persist(const raft::Ready& ready) {
  if (ready.snapshot) {
    disk_.Write(
        StorageRecord{.kind = StorageRecord::Kind::kInstallSnapshot, .snapshot = *ready.snapshot});
  }
  if (!ready.entries.empty()) {
    disk_.Write(StorageRecord{.kind = StorageRecord::Kind::kEntries, .entries = ready.entries});
  }
  if (ready.hard_state) {
    disk_.Write(
        StorageRecord{.kind = StorageRecord::Kind::kHardState, .hard_state = *ready.hard_state});
  }
  if (!disk_.error().empty()) {
    env_.checker->Fail(absl::StrCat("node ", id_, " storage refused a write: ", disk_.error()));
  }
  if (!ready.entries.empty()) {
    env_.checker->OnPersisted(id_, ready.entries, disk_.live());
    // Entries written over the acknowledged one come from a later leader.
    if (acknowledged_ && ready.entries.front().index <= acknowledged_->index) acknowledged_.reset();
  }
  if (ready.snapshot) acknowledged_.reset();
  if (completeness_check_) {
    env_.checker->OnLeaderLog(id_, *completeness_check_, disk_.live());
    completeness_check_.reset();
  }
}

void SimRaftNode::Finish(raft::Ready& ready) {
  for (const raft::Message& message : ready.messages_after_persist) {
    Send(message);
    RecordPromise(message);
  }
  if (ready.snapshot) InstallSnapshot(*ready.snapshot);
  for (const raft::Entry& entry : ready.committed_entries) Apply(entry);
  for (raft::ReadState& read : ready.read_states) {
    auto it = pending_reads_.find(read.context);
    if (it == pending_reads_.end()) continue;
    waiting_reads_.push_back(WaitingRead{.index = read.index, .read = std::move(it->second)});
    pending_reads_.erase(it);
  }
  node_->Advance();
  ServeReads();
  MaybeSnapshot();
}

void SimRaftNode::InstallSnapshot(const raft::Snapshot& snapshot) {
  absl::StatusOr<KvStore> restored = KvStore::Deserialize(snapshot.data);
  if (!restored.ok()) {
    env_.checker->Fail(
        absl::StrCat("node ", id_, " got a bad snapshot: ", restored.status().ToString()));
    return;
  }
  kv_ = std::move(*restored);
  applied_ = snapshot.metadata.index;
  applied_conf_ = snapshot.metadata.conf_state;
  ++snapshots_installed_;
  env_.checker->OnApplyFrom(id_, snapshot.metadata.index, snapshot.metadata.term);
  // Writes proposed here and covered by the snapshot: their fate is unknown here.
  pending_writes_.erase(pending_writes_.begin(), pending_writes_.upper_bound(applied_));
  Log(absl::StrCat("installed snapshot ", snapshot.metadata.index, "@", snapshot.metadata.term,
                   " (", snapshot.data.size(), " bytes)"));
}

void SimRaftNode::Apply(const raft::Entry& entry) {
  env_.checker->OnApplied(id_, entry);
  applied_ = entry.index;
  if (entry.type == raft::EntryType::kConfChange) {
    absl::StatusOr<raft::ConfChangeEntry> change = raft::DecodeConfChangeEntry(entry.data);
    if (!change.ok()) {
      env_.checker->Fail(absl::StrCat("node ", id_, " applies a bad membership entry"));
      return;
    }
    applied_conf_ = change->conf_state;
    if (on_membership_applied) on_membership_applied(id_, *change);
  } else if (!entry.data.empty()) {
    absl::Status applied = kv_.Apply(entry.data);
    if (!applied.ok()) env_.checker->Fail(absl::StrCat("node ", id_, ": ", applied.ToString()));
  }
  auto it = pending_writes_.find(entry.index);
  if (it == pending_writes_.end()) return;
  // (index, term) names one entry: another term here means the proposal was overwritten.
  PendingWrite pending = std::move(it->second);
  pending_writes_.erase(it);
  pending.done(pending.term == entry.term);
}

void SimRaftNode::ServeReads() {
  std::vector<WaitingRead> still_waiting;
  for (WaitingRead& waiting : waiting_reads_) {
    if (waiting.index > applied_) {
      still_waiting.push_back(std::move(waiting));
      continue;
    }
    waiting.read.done(kv_.Get(waiting.read.key));
  }
  waiting_reads_ = std::move(still_waiting);
}

void SimRaftNode::MaybeSnapshot() {
  if (options_.snapshot_every_entries == 0) return;
  const raft::LogIndex snapshot_index = disk_.live().LoadSnapshotMetadata()->index;
  if (applied_ < snapshot_index + options_.snapshot_every_entries) return;
  StorageRecord create{.kind = StorageRecord::Kind::kCreateSnapshot};
  create.snapshot.metadata.index = applied_;
  create.snapshot.metadata.conf_state = applied_conf_;
  create.snapshot.data = kv_.Serialize();
  disk_.Write(std::move(create));
  if (applied_ > options_.snapshot_keep_entries) {
    disk_.Write(StorageRecord{.kind = StorageRecord::Kind::kCompact,
                              .index = applied_ - options_.snapshot_keep_entries});
  }
  if (!disk_.error().empty()) {
    env_.checker->Fail(absl::StrCat("node ", id_, " snapshot write: ", disk_.error()));
  }
}

void SimRaftNode::Send(const raft::Message& message) {
  env_.checker->OnSent(message);
  env_.network->Send(message.from, message.to, message);
}

void SimRaftNode::RecordPromise(const raft::Message& message) {
  if (message.reject) return;
  if (message.type == raft::MessageType::kVoteResponse) {
    granted_vote_ = {message.term, message.to};
  } else if (message.type == raft::MessageType::kAppendResponse && message.index > 0) {
    absl::StatusOr<raft::Term> term = disk_.live().TermAt(message.index);
    if (term.ok()) acknowledged_ = raft::LogPosition{.index = message.index, .term = *term};
  }
}

void SimRaftNode::CheckPromisesKept(const raft::MemoryStorage& storage) {
  const raft::HardState hard = *storage.LoadHardState();
  if (granted_vote_) {
    const auto [term, candidate] = *granted_vote_;
    if (hard.term < term || (hard.term == term && hard.vote != candidate)) {
      env_.checker->Fail(absl::StrCat("durability: node ", id_, " voted for ", candidate,
                                      " in term ", term, " but restarted at term ", hard.term,
                                      " having voted for ", hard.vote));
    }
  }
  if (acknowledged_ && acknowledged_->index > storage.LoadSnapshotMetadata()->index) {
    absl::StatusOr<raft::Term> term = storage.TermAt(acknowledged_->index);
    if (!term.ok() || *term != acknowledged_->term) {
      env_.checker->Fail(absl::StrCat("durability: node ", id_, " acknowledged entry ",
                                      acknowledged_->index, "@", acknowledged_->term,
                                      " but restarted without it"));
    }
  }
}

absl::Status SimRaftNode::Write(const std::string& key, uint64_t value,
                                std::function<void(bool)> done) {
  if (!up()) return absl::UnavailableError("node down");
  absl::StatusOr<raft::LogPosition> position = node_->Propose(KvStore::EncodePut(key, value));
  if (!position.ok()) return position.status();
  auto it = pending_writes_.find(position->index);
  if (it != pending_writes_.end()) {
    // This node proposed at this index before, in an earlier term: that entry was replaced.
    PendingWrite lost = std::move(it->second);
    pending_writes_.erase(it);
    lost.done(false);
  }
  pending_writes_[position->index] = PendingWrite{.term = position->term, .done = std::move(done)};
  Pump();
  return absl::OkStatus();
}

absl::Status SimRaftNode::Read(const std::string& key, std::function<void(uint64_t)> done) {
  if (!up()) return absl::UnavailableError("node down");
  std::string context = absl::StrCat(id_, ":", next_read_++);
  absl::Status requested = node_->ReadIndex(context);
  if (!requested.ok()) return requested;
  pending_reads_[context] = PendingRead{.key = key, .done = std::move(done)};
  Pump();
  return absl::OkStatus();
}

absl::Status SimRaftNode::ProposeConfChange(const raft::ConfChange& change) {
  if (!up()) return absl::UnavailableError("node down");
  absl::StatusOr<raft::LogPosition> position = node_->ProposeConfChange(change);
  if (!position.ok()) return position.status();
  Pump();
  return absl::OkStatus();
}

absl::Status SimRaftNode::TransferLeader(raft::NodeId to) {
  if (!up()) return absl::UnavailableError("node down");
  absl::Status requested = node_->TransferLeader(to);
  Pump();
  return requested;
}

}  // namespace hamster::sim
