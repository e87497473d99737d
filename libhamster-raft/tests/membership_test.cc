// Membership: applying single-server changes, the entry encoding, truncation and compaction.

#include "membership.h"

#include <catch2/catch.hpp>

namespace hamster::raft {
namespace {

TEST_CASE("Membership: single-server changes apply or are refused", "[raft]") {
  const ConfState start{.voters = {1, 2, 3}, .learners = {4}};
  struct Case {
    ConfChangeType type;
    NodeId id;
    absl::StatusCode code;
    ConfState want;
  };
  const std::vector<Case> cases = {
      {ConfChangeType::kAddLearner, 5, absl::StatusCode::kOk, {{1, 2, 3}, {4, 5}}},
      {ConfChangeType::kAddLearner, 4, absl::StatusCode::kFailedPrecondition, {}},
      {ConfChangeType::kAddLearner, 2, absl::StatusCode::kFailedPrecondition, {}},
      {ConfChangeType::kAddVoter, 4, absl::StatusCode::kOk, {{1, 2, 3, 4}, {}}},
      {ConfChangeType::kAddVoter, 5, absl::StatusCode::kFailedPrecondition, {}},
      {ConfChangeType::kAddVoter, 1, absl::StatusCode::kFailedPrecondition, {}},
      {ConfChangeType::kRemoveNode, 2, absl::StatusCode::kOk, {{1, 3}, {4}}},
      {ConfChangeType::kRemoveNode, 4, absl::StatusCode::kOk, {{1, 2, 3}, {}}},
      {ConfChangeType::kRemoveNode, 5, absl::StatusCode::kFailedPrecondition, {}},
      {ConfChangeType::kDemoteVoter, 3, absl::StatusCode::kOk, {{1, 2}, {3, 4}}},
      {ConfChangeType::kDemoteVoter, 4, absl::StatusCode::kFailedPrecondition, {}},
      {ConfChangeType::kAddLearner, 0, absl::StatusCode::kInvalidArgument, {}},
  };
  Membership membership(0, start);
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    INFO("case " << i);
    absl::StatusOr<ConfState> next = membership.Apply(ConfChange{.type = c.type, .node_id = c.id});
    REQUIRE(next.status().code() == c.code);
    if (next.ok()) CHECK(*next == c.want);
  }
  Membership alone(0, ConfState{.voters = {1}});
  CHECK(alone.Apply({.type = ConfChangeType::kRemoveNode, .node_id = 1}).status().code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(alone.Apply({.type = ConfChangeType::kDemoteVoter, .node_id = 1}).status().code() ==
        absl::StatusCode::kFailedPrecondition);
}

Entry ConfEntry(LogIndex index, ConfState conf) {
  return Entry{.term = 1,
               .index = index,
               .type = EntryType::kConfChange,
               .data = EncodeConfChangeEntry(ConfChangeEntry{.conf_state = std::move(conf)})};
}

TEST_CASE("Membership: the latest entry rules, and truncation restores the previous", "[raft]") {
  Membership membership(0, ConfState{.voters = {1, 2, 3}});
  REQUIRE(membership.Append({Entry{.term = 1, .index = 1}, ConfEntry(2, {{1, 2, 3}, {4}})}).ok());
  CHECK(membership.current_index() == 2);
  CHECK(membership.IsLearner(4));
  REQUIRE(membership.Append({ConfEntry(5, {{1, 2, 3, 4}, {}})}).ok());
  CHECK(membership.IsVoter(4));
  CHECK(membership.QuorumSize() == 3);
  membership.TruncateFrom(5);
  CHECK(membership.IsLearner(4));
  CHECK(membership.QuorumSize() == 2);
  membership.TruncateFrom(3);  // nothing at or after 3 left
  CHECK(membership.current_index() == 2);
  membership.Compact(2);
  membership.TruncateFrom(3);
  CHECK(membership.current() == ConfState{{1, 2, 3}, {4}});
  Entry corrupt = ConfEntry(6, {{1}, {}});
  corrupt.data.resize(3);
  CHECK(membership.Append({corrupt}).code() == absl::StatusCode::kDataLoss);
}

TEST_CASE("ConfChangeEntry: encodes and decodes, and refuses malformed input", "[raft]") {
  const ConfChangeEntry entry{
      .change = {.type = ConfChangeType::kDemoteVoter, .node_id = 300, .context = "addr:1"},
      .conf_state = {.voters = {1, 2, 1000000}, .learners = {300}}};
  const std::string data = EncodeConfChangeEntry(entry);
  REQUIRE(*DecodeConfChangeEntry(data) == entry);
  struct Case {
    std::string data;
    absl::StatusCode code;
  };
  std::string newer = data;
  newer[0] = 2;
  const std::vector<Case> cases = {
      {"", absl::StatusCode::kDataLoss},
      {newer, absl::StatusCode::kDataLoss},
      {data.substr(0, data.size() - 1), absl::StatusCode::kDataLoss},
      {data + "x", absl::StatusCode::kDataLoss},
      {EncodeConfChangeEntry({.conf_state = {.voters = {2, 1}}}),
       absl::StatusCode::kInvalidArgument},
      {EncodeConfChangeEntry({.conf_state = {.voters = {1}, .learners = {1}}}),
       absl::StatusCode::kInvalidArgument},
      {EncodeConfChangeEntry({.conf_state = {.voters = {0, 1}}}),
       absl::StatusCode::kInvalidArgument},
      // A count larger than the bytes left cannot be real.
      {std::string("\x01\x00\x01\x00\xff\x01", 6), absl::StatusCode::kDataLoss},
      // An unknown change type.
      {std::string("\x01\x09\x01\x00\x00\x00", 6), absl::StatusCode::kDataLoss},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    CHECK(DecodeConfChangeEntry(cases[i].data).status().code() == cases[i].code);
  }
}

}  // namespace
}  // namespace hamster::raft
