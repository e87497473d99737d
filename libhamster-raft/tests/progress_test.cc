// Flow control towards one follower: probe, replicate with a window, snapshot.

#include "progress.h"

#include <catch2/catch.hpp>

namespace hamster::raft {
namespace {

TEST_CASE("Progress: a rejection moves next back unless it is stale", "[raft]") {
  struct Case {
    ProgressState state;
    LogIndex match, next;
    LogIndex rejected, hint;
    bool accepted;
    LogIndex want_next;
  };
  const std::vector<Case> cases = {
      // Replicate: a rejection at or below match is from an older Append.
      {ProgressState::kReplicate, 5, 10, 5, 5, false, 10},
      {ProgressState::kReplicate, 5, 10, 4, 4, false, 10},
      // Replicate: otherwise next goes back to match + 1.
      {ProgressState::kReplicate, 5, 10, 9, 9, true, 6},
      // Probe: only the answer about next - 1 counts.
      {ProgressState::kProbe, 0, 10, 5, 5, false, 10},
      {ProgressState::kProbe, 0, 10, 9, 9, true, 9},
      // Probe: the follower's hint skips ahead; never below match + 1.
      {ProgressState::kProbe, 0, 10, 9, 4, true, 5},
      {ProgressState::kProbe, 3, 10, 9, 1, true, 4},
      {ProgressState::kProbe, 0, 10, 9, 0, true, 1},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    INFO("case " << i);
    Progress progress(c.next, 4, false);
    progress.match = c.match;
    if (c.state == ProgressState::kReplicate) {
      progress.BecomeReplicate();
      progress.next = c.next;
    }
    progress.probe_sent = true;
    CHECK(progress.MaybeDecreaseTo(c.rejected, c.hint) == c.accepted);
    CHECK(progress.next == c.want_next);
    if (c.accepted && c.state == ProgressState::kProbe) CHECK_FALSE(progress.probe_sent);
  }
}

TEST_CASE("Progress: pauses per state (one probe, a full window, a snapshot)", "[raft]") {
  Progress progress(1, 2, false);
  CHECK_FALSE(progress.IsPaused());
  progress.probe_sent = true;
  CHECK(progress.IsPaused());
  CHECK(progress.MaybeUpdate(3));  // an acknowledgement resumes probing
  CHECK_FALSE(progress.IsPaused());
  CHECK(progress.next == 4);
  progress.BecomeReplicate();
  progress.inflights.Add(5);
  CHECK_FALSE(progress.IsPaused());
  progress.inflights.Add(7);
  CHECK(progress.IsPaused());
  progress.inflights.FreeLE(5);
  CHECK_FALSE(progress.IsPaused());
  progress.inflights.Add(9);
  progress.inflights.FreeFirst();
  CHECK(progress.inflights.size() == 1);
  auto snapshot = std::make_shared<const Snapshot>(Snapshot{.metadata = {.index = 20, .term = 2}});
  progress.BecomeSnapshot(snapshot);
  CHECK(progress.IsPaused());
  CHECK(progress.pending_snapshot == 20);
  // Back to probing after a snapshot: the follower holds at least the snapshot.
  progress.BecomeProbe();
  CHECK(progress.next == 21);
  CHECK(progress.inflights.size() == 0);
}

TEST_CASE("Progress: MaybeUpdate never moves match or next backwards", "[raft]") {
  Progress progress(10, 4, false);
  CHECK(progress.MaybeUpdate(5));
  CHECK(progress.next == 10);
  CHECK_FALSE(progress.MaybeUpdate(4));
  CHECK(progress.match == 5);
  CHECK(progress.MaybeUpdate(12));
  CHECK(progress.next == 13);
}

}  // namespace
}  // namespace hamster::raft
