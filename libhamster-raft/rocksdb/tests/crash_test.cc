// Crash test: a child process (crash_writer) writes to a RocksDbStorage and reports each write
// that returned durable; the parent kills it with SIGKILL at a random moment, reopens the
// storage, and checks that it holds exactly the state after some write at or after the last
// one reported durable (the parent replays the child's deterministic workload to know those
// states), that the log is contiguous with commit <= last index, and that a RawNode starts on
// it. Several rounds per seed, each continuing from what the previous crash left.
//
// A kill -9 leaves the OS page cache intact, so this checks atomicity, ordering and recovery
// of the write-ahead log, not the fsync itself (the simulator's disks model power loss).

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "crash_workload.h"
#include "hamster/raft/raw_node.h"
#include "hamster/raft/rocksdb_storage.h"
#include "test_dir.h"

extern char** environ;

namespace hamster::raft {
namespace {

using testing::LogModel;
using testing::TestDir;

// Runs the writer on `dir` with `seed`, kills it `delay` after it started (or, with
// `after_first_report`, after it first reported a durable write), and returns the last step
// it reported durable (0 if none).
uint64_t RunAndKill(const std::string& dir, uint64_t seed, std::chrono::milliseconds delay,
                    bool after_first_report) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  const std::string seed_text = std::to_string(seed);
  std::string program = HAMSTER_CRASH_WRITER;
  char* argv[] = {program.data(), const_cast<char*>(dir.c_str()),
                  const_cast<char*>(seed_text.c_str()), nullptr};
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  REQUIRE(spawned == 0);
  std::string output;
  char buffer[4096];
  // Ends at the first line, or at end of file if the writer died.
  while (after_first_report && output.find('\n') == std::string::npos) {
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    output.append(buffer, n);
  }
  std::this_thread::sleep_for(delay);
  ::kill(pid, SIGKILL);
  int wait_status = 0;
  REQUIRE(::waitpid(pid, &wait_status, 0) == pid);
  // Killed, or (if it failed on its own) its error is on stderr.
  CHECK(WIFSIGNALED(wait_status));
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;) output.append(buffer, n);
  ::close(fds[0]);
  if (output.empty()) return 0;
  output.pop_back();  // the last line's newline; a torn last line cannot happen (one write)
  return std::stoull(output.substr(output.rfind('\n') + 1));
}

void CheckConsistent(RocksDbStorage& storage) {
  const LogIndex first = *storage.FirstIndex();
  const LogIndex last = *storage.LastIndex();
  REQUIRE(last + 1 >= first);
  if (last >= first)
    REQUIRE(storage.Entries(first, last + 1, UINT64_MAX)->size() == last - first + 1);
  CHECK(storage.LoadHardState()->commit <= last);
  CHECK(storage.LoadSnapshotMetadata()->index + 1 >= first);
  absl::StatusOr<std::unique_ptr<RawNode>> node =
      RawNode::Create(Config{.id = 1, .storage = &storage});
  CHECK(node.ok());
}

TEST_CASE(
    "RocksDbStorage: after kill -9 the log is a state the writer reached after its last durable "
    "report",
    "[raft_rocksdb]") {
  const uint64_t seed = GENERATE(1, 2, 3);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  TestDir dir;
  LogModel model;
  model.snapshot.metadata.conf_state.voters = {1};
  uint64_t reported_total = 0;
  for (int round = 0; round < 4; ++round) {
    INFO("round=" << round);
    const uint64_t writer_seed = rng();
    // Odd rounds may kill the writer while it opens the database.
    const uint64_t reported =
        RunAndKill(dir.path(), writer_seed, std::chrono::milliseconds(rng() % 100), round % 2 == 0);
    reported_total += reported;
    absl::StatusOr<std::unique_ptr<RocksDbStorage>> storage =
        RocksDbStorage::Open(dir.path(), ConfState{.voters = {1}});
    REQUIRE(storage.ok());
    CheckConsistent(**storage);
    absl::StatusOr<LogModel> recovered = testing::LoadModel(**storage);
    REQUIRE(recovered.ok());
    // Replay the writer's workload from where this round started until its state matches.
    std::mt19937_64 writer_rng(writer_seed);
    uint64_t step = 0;
    bool matched = reported == 0 && *recovered == model;
    for (; !matched && step < reported + 100000;) {
      const testing::Operation op = testing::NextOperation(model, writer_rng);
      testing::ApplyToModel(op, model);
      ++step;
      matched = step >= reported && *recovered == model;
    }
    INFO("reported durable through step " << reported);
    REQUIRE(matched);
    UNSCOPED_INFO("round " << round << ": recovered step " << step);
  }
  // Not vacuous: the writer got far enough to report durable writes.
  CHECK(reported_total > 0);
}

}  // namespace
}  // namespace hamster::raft
