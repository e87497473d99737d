#include "clients.h"

#include "absl/strings/str_cat.h"

namespace hamster::sim {

Clients::Clients(EventLoop& loop, Random random, Trace& trace, ClientTarget& target,
                 ClientOptions options)
    : loop_(loop),
      random_(random),
      trace_(trace),
      target_(target),
      options_(options),
      clients_(options.count) {}

void Clients::Start() {
  for (int c = 0; c < options_.count; ++c) Next(c, random_.Range(0, options_.think_max));
}

bool Clients::Idle() const {
  for (const Client& client : clients_) {
    if (client.busy) return false;
  }
  return true;
}

void Clients::Next(int client, Duration delay) {
  clients_[client].busy = false;
  if (stopped_) return;
  loop_.After(delay, [this, client] { Issue(client); });
}

raft::NodeId Clients::ChooseNode(int client, bool write) {
  const std::vector<raft::NodeId> ids = target_.NodeIds();
  if (ids.empty()) return raft::kNoNode;
  const raft::NodeId guess = clients_[client].leader_guess;
  SimRaftNode* guessed = target_.Node(guess);
  const bool any = !write && random_.Chance(options_.follower_read_fraction);
  if (any || guessed == nullptr || !guessed->up()) return random_.Pick(ids);
  return guess;
}

void Clients::Issue(int client) {
  if (stopped_) return;
  clients_[client].busy = true;
  const bool write = !random_.Chance(options_.read_fraction);
  const size_t op = ops_.size();
  ops_.push_back(KvOperation{.id = op + 1,
                             .client = client,
                             .write = write,
                             .key = absl::StrCat("k", random_.Below(options_.keys)),
                             .value = write ? op + 1 : 0,
                             .invoke = loop_.Now()});
  outcomes_.push_back(Outcome::kPending);
  const raft::NodeId node_id = ChooseNode(client, write);
  SimRaftNode* node = target_.Node(node_id);
  absl::Status sent = absl::UnavailableError("no node");
  if (node != nullptr && write) {
    sent = node->Write(ops_[op].key, ops_[op].value, [this, client, op](bool applied) {
      Finish(client, op, applied ? Outcome::kOk : Outcome::kFailed, 0);
    });
  } else if (node != nullptr) {
    sent = node->Read(ops_[op].key, [this, client, op](uint64_t value) {
      Finish(client, op, Outcome::kOk, value);
    });
  }
  if (!sent.ok()) {
    // Refused: it took no effect. Follow the node's hint to the leader, if it has one.
    raft::NodeId hint = raft::kNoNode;
    if (node != nullptr && node->up()) hint = node->soft_state().leader_id;
    clients_[client].leader_guess = hint;
    Finish(client, op, Outcome::kFailed, 0);
    return;
  }
  clients_[client].leader_guess = node_id;
  loop_.After(options_.op_timeout,
              [this, client, op] { Finish(client, op, Outcome::kTimedOut, 0); });
}

void Clients::Finish(int client, size_t op, Outcome outcome, uint64_t read_value) {
  if (outcomes_[op] != Outcome::kPending) return;  // already timed out (or answered)
  outcomes_[op] = outcome;
  KvOperation& operation = ops_[op];
  switch (outcome) {
    case Outcome::kOk:
      ++stats_.ok;
      operation.complete = loop_.Now();
      if (!operation.write) operation.value = read_value;
      (operation.write ? last_ok_write_ : last_ok_read_) = loop_.Now();
      break;
    case Outcome::kFailed:
      ++stats_.failed;
      break;
    case Outcome::kTimedOut:
      ++stats_.timed_out;
      clients_[client].leader_guess = raft::kNoNode;
      break;
    case Outcome::kPending:
      break;
  }
  if (trace_.verbose()) {
    static const char* const kNames[] = {"pending", "ok", "failed", "timed out"};
    trace_.Add(loop_.Now(),
               absl::StrCat(kNames[static_cast<int>(outcome)], ": ", DescribeOperation(operation)));
  }
  const Duration pause = outcome == Outcome::kOk ? random_.Range(0, options_.think_max)
                                                 : random_.Range(1, 5) * kMillisecond;
  Next(client, pause);
}

std::vector<KvOperation> Clients::History() const {
  std::vector<KvOperation> history;
  for (size_t i = 0; i < ops_.size(); ++i) {
    const bool ok = outcomes_[i] == Outcome::kOk;
    // A write with no answer may have taken effect; a read with none has no effect.
    const bool unknown_write =
        ops_[i].write && (outcomes_[i] == Outcome::kTimedOut || outcomes_[i] == Outcome::kPending);
    if (ok || unknown_write) history.push_back(ops_[i]);
  }
  return history;
}

}  // namespace hamster::sim
