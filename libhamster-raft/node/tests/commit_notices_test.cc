// CommitNotices: which Appends the Node holds back, and when they go out or are dropped.

#include "commit_notices.h"

#include <catch2/catch.hpp>

namespace hamster::raft {
namespace {

using Clock = CommitNotices::Clock;
constexpr std::chrono::microseconds kDelay{1000};

Message Append(NodeId to, LogIndex commit, bool with_entry, bool commit_only = false) {
  Message message{.type = MessageType::kAppend, .from = 1, .to = to, .term = 2, .commit = commit};
  if (with_entry) message.entries.push_back(Entry{.term = 2, .index = commit + 1, .data = "x"});
  message.commit_only = commit_only;
  return message;
}

TEST_CASE("CommitNotices: entry-less Appends are held, answerable ones too", "[raft_node]") {
  CommitNotices notices(kDelay);
  const Clock::time_point now = Clock::now();
  // A follower whose answer for the last entries is still due gets a plain empty Append:
  // the next Append with entries carries its commit index just as well.
  std::vector<Message> messages = {Append(2, 5, false, /*commit_only=*/true),
                                   Append(3, 5, false), Append(3, 5, true),
                                   Message{.type = MessageType::kHeartbeat, .from = 1, .to = 2}};
  notices.Hold(messages, now);
  REQUIRE(messages.size() == 2);
  CHECK(messages[0].entries.size() == 1);
  CHECK(messages[1].type == MessageType::kHeartbeat);
  REQUIRE_FALSE(notices.empty());
  CHECK(notices.due() == now + kDelay);
  CHECK(notices.TakeDue(now + kDelay - std::chrono::microseconds(1)).empty());
  // Node 3's notice was superseded by the Append with an entry; node 2's is still held.
  const std::vector<Message> due = notices.TakeDue(now + kDelay);
  REQUIRE(due.size() == 1);
  CHECK(due[0].to == 2);
  CHECK(due[0].commit == 5);
  CHECK(notices.empty());
}

TEST_CASE("CommitNotices: the newest notice per follower is kept, on the first deadline",
          "[raft_node]") {
  CommitNotices notices(kDelay);
  const Clock::time_point now = Clock::now();
  std::vector<Message> first = {Append(2, 5, false)};
  notices.Hold(first, now);
  std::vector<Message> second = {Append(2, 6, false)};
  notices.Hold(second, now + kDelay / 2);
  CHECK(first.empty());
  CHECK(second.empty());
  CHECK(notices.due() == now + kDelay);  // a later notice does not postpone the deadline
  const std::vector<Message> due = notices.TakeDue(now + kDelay);
  REQUIRE(due.size() == 1);
  CHECK(due[0].commit == 6);
}

TEST_CASE("CommitNotices: an Append with an older commit index does not release the notice",
          "[raft_node]") {
  CommitNotices notices(kDelay);
  const Clock::time_point now = Clock::now();
  std::vector<Message> messages = {Append(2, 6, false), Append(2, 5, true)};
  notices.Hold(messages, now);
  CHECK(messages.size() == 1);
  CHECK(notices.TakeDue(now + kDelay).size() == 1);
}

TEST_CASE("CommitNotices: a zero delay holds nothing", "[raft_node]") {
  CommitNotices notices(std::chrono::microseconds(0));
  std::vector<Message> messages = {Append(2, 5, false, true), Append(3, 5, false)};
  notices.Hold(messages, Clock::now());
  CHECK(messages.size() == 2);
  CHECK(notices.empty());
}

}  // namespace
}  // namespace hamster::raft
