// The metadata state machine applied directly: determinism, idempotent
// replay, reference counting, and the pending-state overlay it reads through.
#include "src/state_machine.h"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "hamster/node/meta_store.h"
#include "hamster/s3/errors.h"
#include "src/keys.h"
#include "src/pending_state.h"
#include "src/records.h"

namespace hamster::node {
namespace {

std::vector<KeyValuePair> Contents(MetaStore& store) {
  absl::StatusOr<std::vector<KeyValuePair>> all = store.Scan("", "", 1 << 30);
  REQUIRE(all.ok());
  return *all;
}

// Random commands over a few buckets, keys, ETags and uploads, so that
// successes and every kind of failure happen. Fresh data ids are numbered.
class CommandGenerator {
 public:
  explicit CommandGenerator(uint64_t seed) : rng_(seed) {}

  meta::Command Next() {
    meta::Command command;
    const std::string bucket = Pick({"b0", "b1"}), key = Pick({"k0", "k1", std::string("k\0", 2)});
    const std::string upload = Pick({"u0", "u1"});
    switch (rng_() % 17) {
      case 0: {
        auto* c = command.mutable_create_bucket();
        c->set_name(bucket);
        c->set_owner(Pick({"alice", "bob"}));
        c->set_created_unix_nanos(int64_t(rng_() % 1000));
        break;
      }
      case 1:
        command.mutable_delete_bucket()->set_name(bucket);
        break;
      case 2:
      case 3: {
        auto* put = command.mutable_put_object_version();
        FillVersion(bucket, key, put->mutable_version());
        put->mutable_version()->set_etag(Pick({"e0", "e1"}));
        if (rng_() % 2) *put->mutable_version()->add_segments() = FreshSegment();
        put->mutable_conditions()->set_if_none_match_any(rng_() % 4 == 0);
        break;
      }
      case 4: {
        auto* copy = command.mutable_copy_object();
        copy->set_source_bucket(Pick({"b0", "b1"}));
        copy->set_source_key(Pick({"k0", "k1"}));
        copy->set_source_etag(Pick({"e0", "e1"}));
        FillVersion(bucket, key, copy->mutable_version());
        copy->set_replace_tags(rng_() % 2);
        break;
      }
      case 5: {
        auto* del = command.mutable_delete_object();
        del->set_bucket(bucket);
        del->set_key(key);
        del->set_marker_version_id(FreshVersionId());
        del->set_now_unix_nanos(int64_t(rng_() % 1000));
        break;
      }
      case 6: {
        auto* tags = command.mutable_put_object_tags();
        tags->set_bucket(bucket);
        tags->set_key(key);
        auto* tag = tags->add_tags();
        tag->set_name("t");
        tag->set_value(absl::StrCat(rng_() % 10));
        break;
      }
      case 7: {
        auto* upload_record = command.mutable_create_upload()->mutable_upload();
        upload_record->set_bucket(bucket);
        upload_record->set_key(key);
        upload_record->set_upload_id(upload);
        break;
      }
      case 8:
      case 9: {
        auto* part = command.mutable_put_part();
        part->set_bucket(bucket);
        part->set_key(key);
        part->set_upload_id(upload);
        part->mutable_part()->set_part_number(uint32_t(1 + rng_() % 3));
        part->mutable_part()->set_etag(
            Pick({"0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"}));
        part->mutable_part()->set_size(rng_() % 3);
        *part->mutable_part()->mutable_segment() = FreshSegment();
        break;
      }
      case 10: {
        auto* complete = command.mutable_complete_upload();
        complete->set_bucket(bucket);
        complete->set_key(key);
        complete->set_upload_id(upload);
        for (uint32_t n = 1; n <= 3; ++n) {
          if (rng_() % 2) continue;
          auto* part = complete->add_parts();
          part->set_part_number(n);
          part->set_etag(
              Pick({"0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"}));
        }
        complete->set_min_part_size_bytes(rng_() % 2);
        FillVersion(bucket, key, complete->mutable_version());
        break;
      }
      case 11: {
        auto* abort = command.mutable_abort_upload();
        abort->set_bucket(bucket);
        abort->set_key(key);
        abort->set_upload_id(upload);
        break;
      }
      case 12: {
        auto* put = command.mutable_put_bucket_versioning();
        put->set_name(bucket);
        put->set_versioning(rng_() % 3 ? meta::VERSIONING_ENABLED : meta::VERSIONING_SUSPENDED);
        break;
      }
      case 13: {
        auto* put = command.mutable_put_object_lock_configuration();
        put->set_name(bucket);
        if (rng_() % 2) {
          put->set_default_retention_mode(PickMode());
          put->set_default_retention_days(uint32_t(1 + rng_() % 2));
        }
        break;
      }
      case 14: {
        auto* put = command.mutable_put_object_retention();
        put->set_bucket(bucket);
        put->set_key(key);
        put->set_version_id(PickVersionId());
        put->set_retention_mode(PickMode());
        put->set_retain_until_unix_nanos(int64_t(rng_() % 2000));
        put->set_bypass_governance_retention(rng_() % 2);
        put->set_now_unix_nanos(int64_t(rng_() % 1000));
        break;
      }
      case 15: {
        auto* put = command.mutable_put_object_legal_hold();
        put->set_bucket(bucket);
        put->set_key(key);
        put->set_version_id(PickVersionId());
        put->set_legal_hold(rng_() % 2 ? meta::LEGAL_HOLD_ON : meta::LEGAL_HOLD_OFF);
        break;
      }
      case 16: {
        auto* del = command.mutable_delete_object();
        del->set_bucket(bucket);
        del->set_key(key);
        del->set_version_id(PickVersionId());
        del->set_now_unix_nanos(int64_t(rng_() % 2000));
        del->set_bypass_governance_retention(rng_() % 2);
        break;
      }
    }
    return command;
  }

  const std::vector<ec::DataId>& issued() const { return issued_; }

 private:
  std::string Pick(std::vector<std::string> options) { return options[rng_() % options.size()]; }

  void FillVersion(const std::string& bucket, const std::string& key,
                   meta::ObjectVersionRecord* version) {
    version->set_bucket(bucket);
    version->set_key(key);
    version->set_version_id(FreshVersionId());
    version->set_last_modified_unix_nanos(int64_t(rng_() % 1000));
    if (rng_() % 4 == 0) {
      version->set_retention_mode(PickMode());
      // Some retention outlasts every command's clock (kBeyondEveryClock).
      version->set_retain_until_unix_nanos(rng_() % 3 ? int64_t(rng_() % 2000) : 5000);
    }
    if (rng_() % 8 == 0) version->set_legal_hold(meta::LEGAL_HOLD_ON);
  }

  meta::RetentionMode PickMode() {
    const meta::RetentionMode modes[] = {meta::RETENTION_NONE, meta::RETENTION_GOVERNANCE,
                                         meta::RETENTION_COMPLIANCE};
    return modes[rng_() % 3];
  }

  std::string FreshVersionId() {
    version_ids_.push_back(NewVersionId(absl::FromUnixNanos(int64_t(version_ids_.size())), rng_()));
    return version_ids_.back();
  }

  // An issued version id, "null", or "" (the current version).
  std::string PickVersionId() {
    const uint64_t pick = rng_() % (version_ids_.size() + 2);
    if (pick == 0) return "";
    if (pick == 1) return kNullVersionId;
    return version_ids_[pick - 2];
  }

  meta::Segment FreshSegment() {
    ec::DataId id{};
    const uint64_t n = issued_.size() + 1;
    for (int i = 0; i < 8; ++i) id[size_t(i)] = uint8_t(n >> (8 * i));
    issued_.push_back(id);
    meta::Segment segment;
    segment.set_data_id(DataIdBytes(id));
    segment.set_size(1);
    return segment;
  }

  std::mt19937_64 rng_;
  std::vector<ec::DataId> issued_;
  std::vector<std::string> version_ids_;
};

// Applies `commands` from index `first`, `batch` at a time (a group commit).
void ApplyAll(MetaStore& store, const std::vector<meta::Command>& commands, size_t batch,
              LogIndex first = 1) {
  PendingState probe(&store);
  absl::StatusOr<LogIndex> applied = StateMachine::LoadAppliedIndex(probe);
  REQUIRE(applied.ok());
  LogIndex applied_index = *applied;
  for (size_t i = 0; i < commands.size(); i += batch) {
    PendingState state(&store);
    for (size_t j = i; j < std::min(commands.size(), i + batch); ++j) {
      absl::StatusOr<ApplyResult> result =
          StateMachine::Apply(commands[j], first + j, applied_index, state);
      REQUIRE(result.ok());
    }
    REQUIRE(store.Write(state.TakeBatch(), true).ok());
  }
}

TEST_CASE("StateMachine: the same commands give identical stores, in any batching", "[node]") {
  const uint64_t seed = GENERATE(1, 2, 3, 4, 5, 6, 7, 8);
  INFO("seed=" << seed);
  CommandGenerator generator(seed);
  std::vector<meta::Command> commands;
  for (int i = 0; i < 400; ++i) commands.push_back(generator.Next());
  std::unique_ptr<MetaStore> one_by_one = NewMemoryMetaStore();
  std::unique_ptr<MetaStore> batched = NewMemoryMetaStore();
  ApplyAll(*one_by_one, commands, 1);
  ApplyAll(*batched, commands, 1 + seed * 7);
  CHECK(Contents(*one_by_one) == Contents(*batched));

  // Replaying every already-applied index changes nothing.
  const std::vector<KeyValuePair> before = Contents(*one_by_one);
  ApplyAll(*one_by_one, commands, 16);
  CHECK(Contents(*one_by_one) == before);
}

// The generator's clocks stay below this; retention until then never ends.
constexpr int64_t kBeyondEveryClock = 5000;

TEST_CASE("StateMachine: noncurrent versions are indexed and always under a current one",
          "[node]") {
  const uint64_t seed = GENERATE(21, 22, 23, 24, 25);
  INFO("seed=" << seed);
  CommandGenerator generator(seed);
  std::vector<meta::Command> commands;
  for (int i = 0; i < 600; ++i) commands.push_back(generator.Next());
  std::unique_ptr<MetaStore> store = NewMemoryMetaStore();
  ApplyAll(*store, commands, 3);
  std::set<std::string> current_keys;
  std::map<std::string, std::string> indexed;  // "I" key -> "V" key
  size_t noncurrent = 0;
  for (const auto& [key, value] : Contents(*store)) {
    meta::ObjectVersionRecord record;
    if (key[0] == 'O') {
      REQUIRE(record.ParseFromString(value));
      current_keys.insert(keys::ObjectKey(record.bucket(), record.key()));
    } else if (key[0] == 'I') {
      std::string_view rest = std::string_view(key).substr(1);
      const std::string bucket = *keys::ConsumeComponent(&rest);
      const std::string object_key = *keys::ConsumeComponent(&rest);
      indexed[key] = keys::VersionKey(bucket, object_key, *keys::DecodeUint64(value));
    } else if (key[0] == 'V') {
      ++noncurrent;
      REQUIRE(record.ParseFromString(value));
      CHECK(current_keys.contains(keys::ObjectKey(record.bucket(), record.key())));
      const std::string index_key =
          keys::VersionIndexKey(record.bucket(), record.key(), record.version_id());
      REQUIRE(indexed.contains(index_key));
      CHECK(indexed[index_key] == key);
    }
  }
  CHECK(indexed.size() == noncurrent);
}

TEST_CASE("StateMachine: no command removes or weakens an unexpired COMPLIANCE version", "[node]") {
  const uint64_t seed = GENERATE(31, 32, 33, 34, 35, 36);
  INFO("seed=" << seed);
  CommandGenerator generator(seed);
  std::unique_ptr<MetaStore> store = NewMemoryMetaStore();
  LogIndex applied = 0;
  std::set<std::tuple<std::string, std::string, std::string>> locked;  // bucket, key, version
  for (LogIndex index = 1; index <= 1500; ++index) {
    PendingState state(store.get());
    absl::StatusOr<ApplyResult> result =
        StateMachine::Apply(generator.Next(), index, applied, state);
    REQUIRE(result.ok());
    REQUIRE(store->Write(state.TakeBatch(), true).ok());
    const meta::ObjectVersionRecord& version = result->version;
    if (result->outcome.ok() && version.retention_mode() == meta::RETENTION_COMPLIANCE &&
        version.retain_until_unix_nanos() >= kBeyondEveryClock) {
      locked.insert({version.bucket(), version.key(), version.version_id()});
    }
  }
  std::map<std::tuple<std::string, std::string, std::string>, meta::ObjectVersionRecord> present;
  for (const auto& [key, value] : Contents(*store)) {
    if (key[0] != 'O' && key[0] != 'V') continue;
    meta::ObjectVersionRecord record;
    REQUIRE(record.ParseFromString(value));
    present[{record.bucket(), record.key(), record.version_id()}] = record;
  }
  CHECK(!locked.empty());
  for (const auto& id : locked) {
    INFO(std::get<0>(id) << "/" << std::get<1>(id) << " version " << std::get<2>(id));
    REQUIRE(present.contains(id));
    CHECK(present[id].retention_mode() == meta::RETENTION_COMPLIANCE);
    CHECK(present[id].retain_until_unix_nanos() >= kBeyondEveryClock);
  }
}

TEST_CASE("StateMachine: every issued data id is referenced or queued, never both", "[node]") {
  const uint64_t seed = GENERATE(11, 12, 13, 14, 15);
  INFO("seed=" << seed);
  CommandGenerator generator(seed);
  std::vector<meta::Command> commands;
  for (int i = 0; i < 500; ++i) commands.push_back(generator.Next());
  std::unique_ptr<MetaStore> store = NewMemoryMetaStore();
  ApplyAll(*store, commands, 5);

  // Count the references the records hold, and compare with the "R" counts.
  std::map<std::string, uint64_t> counted, stored;
  std::set<std::string> garbage;
  for (const auto& [key, value] : Contents(*store)) {
    if (key[0] == 'O' || key[0] == 'V') {
      meta::ObjectVersionRecord record;
      REQUIRE(record.ParseFromString(value));
      for (const meta::Segment& segment : record.segments()) ++counted[segment.data_id()];
    } else if (key[0] == 'P') {
      meta::PartRecord record;
      REQUIRE(record.ParseFromString(value));
      if (record.has_segment()) ++counted[record.segment().data_id()];
    } else if (key[0] == 'R') {
      stored[key.substr(1)] = *keys::DecodeUint64(value);
    } else if (key[0] == 'G') {
      garbage.insert(key.substr(1));
    }
  }
  CHECK(counted == stored);
  for (const ec::DataId& id : generator.issued()) {
    const std::string bytes = DataIdBytes(id);
    CHECK(stored.contains(bytes) != garbage.contains(bytes));
  }
}

TEST_CASE("StateMachine: a failed command is a deterministic outcome that queues its data",
          "[node]") {
  std::unique_ptr<MetaStore> store = NewMemoryMetaStore();
  PendingState state(store.get());
  LogIndex applied = 0;
  meta::Command put;
  put.mutable_put_object_version()->mutable_version()->set_bucket("missing");
  meta::Segment* segment = put.mutable_put_object_version()->mutable_version()->add_segments();
  ec::DataId id{};
  id[0] = 9;
  segment->set_data_id(DataIdBytes(id));
  absl::StatusOr<ApplyResult> result = StateMachine::Apply(put, 1, applied, state);
  REQUIRE(result.ok());
  CHECK(s3::ErrorCodeOf(result->outcome) == s3::ErrorCode::kNoSuchBucket);
  CHECK(result->garbage == std::vector<ec::DataId>{id});
  CHECK(applied == 1);
  REQUIRE(store->Write(state.TakeBatch(), true).ok());
  CHECK(store->Get(keys::GarbageKey(id)).value().has_value());
  CHECK(!store->Get(keys::ObjectKey("missing", "")).value().has_value());

  PendingState again(store.get());
  absl::StatusOr<LogIndex> loaded = StateMachine::LoadAppliedIndex(again);
  REQUIRE(loaded.ok());
  CHECK(*loaded == 1);
  absl::StatusOr<ApplyResult> replay = StateMachine::Apply(put, 1, applied, again);
  REQUIRE(replay.ok());
  CHECK(replay->replayed);
  CHECK(again.TakeBatch().empty());

  meta::Command unknown;  // no command set: refused the same way everywhere
  absl::StatusOr<ApplyResult> refused = StateMachine::Apply(unknown, 2, applied, again);
  REQUIRE(refused.ok());
  CHECK(s3::ErrorCodeOf(refused->outcome) == s3::ErrorCode::kNotImplemented);
}

TEST_CASE("StateMachine: an unreadable record fails the batch instead of an outcome", "[node]") {
  std::unique_ptr<MetaStore> store = NewMemoryMetaStore();
  WriteBatch corrupt;
  corrupt.Put(keys::BucketKey("b"), "\xff\xff not a protobuf");
  REQUIRE(store->Write(corrupt, true).ok());
  PendingState state(store.get());
  LogIndex applied = 0;
  meta::Command command;
  command.mutable_delete_bucket()->set_name("b");
  absl::StatusOr<ApplyResult> result = StateMachine::Apply(command, 1, applied, state);
  CHECK(absl::IsDataLoss(result.status()));
  CHECK(applied == 0);
}

TEST_CASE("PendingState: scans merge pending writes over the store", "[node]") {
  const uint64_t seed = GENERATE(1, 2, 3, 4, 5, 6);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  std::unique_ptr<MetaStore> store = NewMemoryMetaStore();
  std::map<std::string, std::string> model;
  WriteBatch initial;
  for (int i = 0; i < 200; ++i) {
    const std::string key = absl::StrCat("k", rng() % 300);
    initial.Put(key, "stored");
    model[key] = "stored";
  }
  REQUIRE(store->Write(initial, true).ok());
  PendingState state(store.get());
  for (int i = 0; i < 150; ++i) {
    const std::string key = absl::StrCat("k", rng() % 300);
    if (rng() % 2) {
      state.Put(key, "pending");
      model[key] = "pending";
    } else {
      state.Delete(key);
      model.erase(key);
    }
  }
  for (int i = 0; i < 50; ++i) {
    const std::string start = absl::StrCat("k", rng() % 300);
    const std::string end = rng() % 3 ? absl::StrCat("k", rng() % 300) : std::string();
    const size_t limit = rng() % 40;
    std::vector<KeyValuePair> expected;
    for (auto it = model.lower_bound(start);
         it != model.end() && (end.empty() || it->first < end) && expected.size() < limit; ++it) {
      expected.emplace_back(it->first, it->second);
    }
    absl::StatusOr<std::vector<KeyValuePair>> scanned = state.Scan(start, end, limit);
    REQUIRE(scanned.ok());
    CHECK(*scanned == expected);
  }
}

}  // namespace
}  // namespace hamster::node
