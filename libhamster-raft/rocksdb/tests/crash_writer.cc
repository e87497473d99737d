// The child process of the crash test: opens the storage in argv[1], then applies the
// workload seeded by argv[2] until it is killed, writing the number of each operation that
// returned durable (a synced Persist) to stdout, one per line.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "crash_workload.h"
#include "hamster/raft/rocksdb_storage.h"

int main(int argc, char** argv) {
  using namespace hamster::raft;
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DIRECTORY SEED\n", argv[0]);
    return 2;
  }
  absl::StatusOr<std::unique_ptr<RocksDbStorage>> storage =
      RocksDbStorage::Open(argv[1], ConfState{.voters = {1}});
  if (!storage.ok()) {
    std::fprintf(stderr, "open: %s\n", storage.status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<testing::LogModel> model = testing::LoadModel(**storage);
  if (!model.ok()) {
    std::fprintf(stderr, "load: %s\n", model.status().ToString().c_str());
    return 1;
  }
  std::mt19937_64 rng(std::strtoull(argv[2], nullptr, 10));
  for (uint64_t step = 1;; ++step) {
    const testing::Operation op = testing::NextOperation(*model, rng);
    absl::Status applied = testing::ApplyToStorage(op, **storage);
    if (!applied.ok()) {
      std::fprintf(stderr, "step %llu: %s\n", static_cast<unsigned long long>(step),
                   applied.ToString().c_str());
      return 1;
    }
    testing::ApplyToModel(op, *model);
    if (op.kind == testing::Operation::Kind::kPersist && op.ready.must_sync) {
      const std::string line = std::to_string(step) + "\n";
      // Unbuffered, so the parent sees each line the moment the write is durable.
      if (::write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        return 1;
      }
    }
  }
}
