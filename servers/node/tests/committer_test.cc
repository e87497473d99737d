// Group commit: commands arriving while a batch is being written share the
// next synced write, and every caller gets its own result only once durable.
#include "src/committer.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "hamster/s3/errors.h"

namespace hamster::node {
namespace {

// A MetaStore whose synced writes wait until released, counting them, and
// which can be told to fail them.
class GatedStore : public MetaStore {
 public:
  GatedStore() : inner_(NewMemoryMetaStore()) {}
  absl::StatusOr<std::optional<std::string>> Get(std::string_view key) override {
    return inner_->Get(key);
  }
  absl::StatusOr<std::vector<KeyValuePair>> Scan(std::string_view start, std::string_view end,
                                                 size_t limit) override {
    return inner_->Scan(start, end, limit);
  }
  absl::Status Write(const WriteBatch& batch, bool sync) override {
    std::unique_lock lock(mu_);
    ++writes_started_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
    if (fail_) return absl::UnavailableError("disk gone");
    return inner_->Write(batch, sync);
  }
  void Open(bool fail = false) {
    std::lock_guard lock(mu_);
    open_ = true;
    fail_ = fail;
    changed_.notify_all();
  }
  void AwaitWritesStarted(int count) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return writes_started_ >= count; });
  }

 private:
  std::unique_ptr<MetaStore> inner_;
  std::mutex mu_;
  std::condition_variable changed_;
  int writes_started_ = 0;
  bool open_ = false;
  bool fail_ = false;
};

meta::Command CreateBucket(int i) {
  meta::Command command;
  command.mutable_create_bucket()->set_name("bucket" + std::to_string(i));
  command.mutable_create_bucket()->set_owner("alice");
  return command;
}

TEST_CASE("Committer: commands queued behind a write share one synced batch", "[node]") {
  GatedStore store;
  absl::StatusOr<std::unique_ptr<Committer>> committer = Committer::Create(&store, nullptr);
  REQUIRE(committer.ok());
  constexpr int kFollowers = 10;
  std::atomic<int> ok{0};
  std::thread leader([&] { ok += (*committer)->Commit(CreateBucket(0)).ok(); });
  store.AwaitWritesStarted(1);  // the first batch is being written and holds the gate
  std::vector<std::thread> followers;
  for (int i = 1; i <= kFollowers; ++i) {
    followers.emplace_back([&, i] { ok += (*committer)->Commit(CreateBucket(i)).ok(); });
  }
  while ((*committer)->queued_commands() < size_t(kFollowers)) std::this_thread::yield();
  store.Open();
  leader.join();
  for (std::thread& follower : followers) follower.join();
  CHECK(ok == kFollowers + 1);
  CHECK((*committer)->batch_count() == 2);
  CHECK((*committer)->applied_index() == kFollowers + 1);
  // Every command was applied, and a duplicate is refused deterministically.
  absl::StatusOr<ApplyResult> again = (*committer)->Commit(CreateBucket(3));
  REQUIRE(again.ok());
  CHECK(s3::ErrorCodeOf(again->outcome) == s3::ErrorCode::kBucketAlreadyOwnedByYou);
}

TEST_CASE("Committer: a failed write fails every command of its batch, visibly nothing", "[node]") {
  GatedStore store;
  absl::StatusOr<std::unique_ptr<Committer>> committer = Committer::Create(&store, nullptr);
  REQUIRE(committer.ok());
  store.Open(/*fail=*/true);
  absl::StatusOr<ApplyResult> result = (*committer)->Commit(CreateBucket(1));
  CHECK(absl::IsUnavailable(result.status()));
  CHECK((*committer)->applied_index() == 0);
  CHECK(!store.Get("B").value().has_value());
}

}  // namespace
}  // namespace hamster::node
