#include "test_util.h"

#include <catch2/catch.hpp>
#include <deque>
#include <sstream>

namespace hamster::raft::testing {

std::string Describe(const Message& message) {
  std::ostringstream out;
  out << MessageTypeName(message.type) << " " << message.from << "->" << message.to << " t"
      << message.term;
  switch (message.type) {
    case MessageType::kAppend: {
      out << " prev=" << message.index << "@" << message.log_term << " commit=" << message.commit;
      if (!message.entries.empty()) {
        out << " entries=";
        for (size_t i = 0; i < message.entries.size(); ++i) {
          out << (i ? "," : "") << message.entries[i].index << "@" << message.entries[i].term;
        }
      }
      if (message.commit_only) out << " commit-only";
      break;
    }
    case MessageType::kAppendResponse:
      out << " index=" << message.index;
      if (message.reject) out << " reject hint=" << message.reject_hint << "@" << message.log_term;
      break;
    case MessageType::kVote:
    case MessageType::kPreVote:
      out << " last=" << message.index << "@" << message.log_term;
      if (message.leader_transfer) out << " transfer";
      break;
    case MessageType::kVoteResponse:
    case MessageType::kPreVoteResponse:
      out << (message.reject ? " reject" : " grant");
      break;
    case MessageType::kHeartbeat:
      out << " commit=" << message.commit;
      if (!message.context.empty()) out << " read";
      break;
    case MessageType::kHeartbeatResponse:
      if (!message.context.empty()) out << " read";
      break;
    case MessageType::kSnapshot: {
      const SnapshotChunk& chunk = *message.snapshot_chunk;
      out << " snap=" << chunk.metadata.index << "@" << chunk.metadata.term
          << " offset=" << chunk.offset << " size=" << chunk.data.size()
          << " total=" << chunk.total_size_bytes << (chunk.done ? " done" : "");
      break;
    }
    case MessageType::kSnapshotResponse:
      out << " snap=" << message.snapshot_index << " held=" << message.index
          << (message.reject ? " reject" : "");
      break;
    case MessageType::kTransferLeader:
      out << " transferee=" << message.transferee;
      break;
    case MessageType::kReadIndex:
      out << " context=" << message.context;
      break;
    case MessageType::kReadIndexResponse:
      out << " index=" << message.index << " context=" << message.context;
      break;
    case MessageType::kTimeoutNow:
      break;
  }
  return out.str();
}

std::vector<std::string> Describe(const std::vector<Message>& messages) {
  std::vector<std::string> out;
  for (const Message& message : messages) out.push_back(Describe(message));
  return out;
}

Config TestConfig(NodeId id, Storage* storage) {
  return Config{
      .id = id, .storage = storage, .election_ticks = 10, .heartbeat_ticks = 1, .random_seed = id};
}

std::vector<Entry> Entries(std::vector<std::pair<LogIndex, Term>> positions) {
  std::vector<Entry> entries;
  for (auto [index, term] : positions) entries.push_back(Entry{.term = term, .index = index});
  return entries;
}

void Persist(MemoryStorage& storage, const Ready& ready) {
  if (ready.snapshot) REQUIRE(storage.ApplySnapshot(*ready.snapshot).ok());
  REQUIRE(storage.Append(ready.entries).ok());
  if (ready.hard_state) storage.SetHardState(*ready.hard_state);
}

std::vector<Message> Peer::Drain() {
  std::vector<Message> out;
  while (node->HasReady()) {
    Ready ready = node->TakeReady();
    for (Message& message : ready.messages) out.push_back(std::move(message));
    Persist(*storage, ready);
    for (Message& message : ready.messages_after_persist) out.push_back(std::move(message));
    if (ready.soft_state) soft_state = ready.soft_state;
    for (Entry& entry : ready.committed_entries) applied.push_back(std::move(entry));
    for (ReadState& read : ready.read_states) read_states.push_back(std::move(read));
    node->Advance();
  }
  return out;
}

std::vector<std::string> Peer::DrainDescribed() {
  std::vector<std::string> out;
  while (node->HasReady()) {
    Ready ready = node->TakeReady();
    for (const Message& message : ready.messages) out.push_back(Describe(message));
    Persist(*storage, ready);
    for (const Message& message : ready.messages_after_persist) {
      out.push_back("after: " + Describe(message));
    }
    if (ready.soft_state) soft_state = ready.soft_state;
    for (Entry& entry : ready.committed_entries) applied.push_back(std::move(entry));
    for (ReadState& read : ready.read_states) read_states.push_back(std::move(read));
    node->Advance();
  }
  return out;
}

std::vector<LogIndex> Peer::AppliedIndexes() const {
  std::vector<LogIndex> out;
  for (const Entry& entry : applied) out.push_back(entry.index);
  return out;
}

Peer MakePeer(NodeId id, std::vector<NodeId> voters, const ConfigTweak& tweak,
              std::vector<NodeId> learners) {
  Peer peer;
  peer.id = id;
  peer.storage = std::make_unique<MemoryStorage>(
      ConfState{.voters = std::move(voters), .learners = std::move(learners)});
  Restart(peer, tweak);
  return peer;
}

absl::StatusOr<Snapshot> ControlledStorage::LoadSnapshot() const {
  ++snapshot_loads;
  if (snapshot_unavailable_count > 0) {
    --snapshot_unavailable_count;
    return absl::UnavailableError("snapshot being built");
  }
  return memory_->LoadSnapshot();
}

absl::StatusOr<std::vector<Entry>> ControlledStorage::Entries(LogIndex lo, LogIndex hi,
                                                              uint64_t max_bytes) const {
  if (!failure.ok()) return failure;
  return memory_->Entries(lo, hi, max_bytes);
}

absl::StatusOr<Term> ControlledStorage::TermAt(LogIndex index) const {
  if (!failure.ok()) return failure;
  return memory_->TermAt(index);
}

void Restart(Peer& peer, const ConfigTweak& tweak) {
  Storage* storage = peer.controlled ? static_cast<Storage*>(peer.controlled.get())
                                     : static_cast<Storage*>(peer.storage.get());
  Config config = TestConfig(peer.id, storage);
  if (tweak) tweak(config);
  absl::StatusOr<std::unique_ptr<RawNode>> node = RawNode::Create(config);
  REQUIRE(node.ok());
  peer.node = std::move(*node);
}

Cluster::Cluster(std::vector<NodeId> voters, ConfigTweak tweak) : tweak_(std::move(tweak)) {
  for (NodeId id : voters) peers_.emplace(id, MakePeer(id, voters, tweak_));
}

void Cluster::AddEmptyNode(NodeId id) { peers_.emplace(id, MakePeer(id, {}, tweak_)); }

bool Cluster::Delivers(const Message& message) const {
  return !dropped_.count({message.from, message.to}) && !dropped_types_.count(message.type) &&
         !stopped_.count(message.to) && peers_.count(message.to);
}

void Cluster::Stabilize() {
  for (int round = 0; round < 10000; ++round) {
    std::vector<Message> pending;
    for (auto& [id, peer] : peers_) {
      if (stopped_.count(id)) continue;
      for (Message& message : peer.Drain()) pending.push_back(std::move(message));
    }
    if (pending.empty()) return;
    for (Message& message : pending) {
      if (!Delivers(message)) continue;
      trace_.push_back(Describe(message));
      REQUIRE(peers_.at(message.to).node->Step(std::move(message)).ok());
    }
  }
  FAIL("the cluster did not stabilize within 10000 rounds");
}

void Cluster::Tick(NodeId id, int ticks) {
  for (int i = 0; i < ticks; ++i) node(id).Tick();
}

void Cluster::TickAll(int ticks) {
  for (int i = 0; i < ticks; ++i) {
    for (auto& [id, peer] : peers_) {
      if (!stopped_.count(id)) peer.node->Tick();
    }
    Stabilize();
  }
}

void Cluster::Elect(NodeId id) {
  REQUIRE(node(id).Campaign().ok());
  Stabilize();
  REQUIRE(node(id).status().soft_state.role == Role::kLeader);
}

void Cluster::Propose(NodeId id, const std::string& data) {
  REQUIRE(node(id).Propose(data).ok());
  Stabilize();
}

void Cluster::Isolate(NodeId id) {
  for (const auto& [other, peer] : peers_) {
    if (other != id) Cut(id, other);
  }
}

void Cluster::Start(NodeId id) {
  stopped_.erase(id);
  Restart(peers_.at(id), tweak_);
}

NodeId Cluster::Leader() const {
  for (const auto& [id, peer] : peers_) {
    if (!stopped_.count(id) && peer.node->status().soft_state.role == Role::kLeader) return id;
  }
  return kNoNode;
}

}  // namespace hamster::raft::testing
