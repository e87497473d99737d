// LocalBackend: master key rotation (docs/encryption.md). Progress lives in
// the metadata: a rotation record names the target key and the count it
// started from; what remains is counted by scanning, so a crash loses nothing
// and a restarted re-wrapper simply continues.
#include <map>

#include "absl/strings/str_cat.h"
#include "hamster/crypto/key_wrap.h"
#include "hamster/node/local_backend.h"
#include "hamster/s3/errors.h"
#include "src/backend_state.h"
#include "src/encrypted_records.h"
#include "src/keys.h"
#include "src/records.h"

namespace hamster::node {
namespace {

// A scan of the MetaStore that starts no earlier than `cursor`, so
// ForEachWrappedKey resumes a pass where the previous batch stopped.
ScanFunction ScanFrom(MetaStore* meta, std::string cursor) {
  return [meta, cursor = std::move(cursor)](std::string_view start, std::string_view end,
                                            size_t limit) {
    if (!cursor.empty() && std::string_view(cursor) >= end) {
      return absl::StatusOr<std::vector<KeyValuePair>>(std::vector<KeyValuePair>{});
    }
    const std::string_view from = std::string_view(cursor) > start ? cursor : start;
    return meta->Scan(from, end, limit);
  };
}

// Stored data keys per master key id.
absl::StatusOr<std::map<std::string, uint64_t>> CountReferences(MetaStore* meta) {
  std::map<std::string, uint64_t> counts;
  absl::Status scanned = ForEachWrappedKey(ScanFrom(meta, ""), [&](const EncryptedRecord& record) {
    ++counts[record.encryption.master_key_id()];
    return true;
  });
  if (!scanned.ok()) return scanned;
  return counts;
}

uint64_t NotUnder(const std::map<std::string, uint64_t>& counts, const std::string& key_id) {
  uint64_t total = 0;
  for (const auto& [id, count] : counts) {
    if (id != key_id) total += count;
  }
  return total;
}

absl::StatusOr<std::optional<meta::KeyRotationRecord>> ReadRotation(MetaStore* meta) {
  absl::StatusOr<std::optional<std::string>> stored = meta->Get(keys::kKeyRotationKey);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::nullopt;
  absl::StatusOr<meta::KeyRotationRecord> record =
      ParseRecord<meta::KeyRotationRecord>(**stored, "key rotation record");
  if (!record.ok()) return record.status();
  return *record;
}

absl::StatusOr<meta::RewrappedKey> Rewrap(const EncryptedRecord& record,
                                          const crypto::MasterKey& old_key,
                                          const crypto::MasterKey& new_key, Random& random) {
  const meta::EncryptionInfo& info = record.encryption;
  absl::StatusOr<crypto::Key> data_key =
      crypto::UnwrapKey(old_key.key, old_key.id, info.wrapped_data_key());
  if (!data_key.ok()) return data_key.status();
  crypto::WrapNonce nonce;
  random.Fill(nonce);
  absl::StatusOr<std::string> wrapped = crypto::WrapKey(new_key.key, new_key.id, *data_key, nonce);
  if (!wrapped.ok()) return wrapped.status();
  meta::RewrappedKey entry;
  entry.set_bucket(record.bucket);
  entry.set_key(record.key);
  entry.set_upload_id(record.upload_id);
  entry.set_version_id(record.version_id);
  entry.set_expected_wrapped_data_key(info.wrapped_data_key());
  entry.set_wrapped_data_key(*wrapped);
  entry.set_master_key_id(new_key.id);
  entry.set_store_key(record.store_key);
  return entry;
}

}  // namespace

absl::StatusOr<KeyStatus> LocalBackend::GetKeyStatus() {
  MasterKeys* master_keys = state_->options.master_keys;
  if (master_keys == nullptr) return absl::FailedPreconditionError("this node has no master keys");
  // The keyring first: a key added after the scan shows with no references,
  // never a reference to a key the listing lacks.
  const crypto::Keyring keyring = master_keys->Snapshot();
  absl::StatusOr<std::map<std::string, uint64_t>> counts = CountReferences(state_->env.meta);
  if (!counts.ok()) return counts.status();
  absl::StatusOr<std::optional<meta::KeyRotationRecord>> rotation = ReadRotation(state_->env.meta);
  if (!rotation.ok()) return rotation.status();

  KeyStatus status{.active_key_id = keyring.active_id()};
  std::map<std::string, uint64_t> unlisted = *counts;
  for (const crypto::MasterKey& key : keyring.keys()) {
    status.keys.push_back({.id = key.id,
                           .created_unix_seconds = key.created_unix_seconds,
                           .active = key.id == keyring.active_id(),
                           .references = (*counts)[key.id]});
    unlisted.erase(key.id);
  }
  for (const auto& [id, count] : unlisted) {
    status.keys.push_back({.id = id, .in_keyring = false, .references = count});
  }
  status.rotation.remaining = NotUnder(*counts, keyring.active_id());
  if (rotation->has_value()) {
    status.rotation.started = true;
    status.rotation.target_key_id = (*rotation)->target_master_key_id();
    status.rotation.total = (*rotation)->total();
    status.rotation.started_unix_seconds = (*rotation)->started_unix_seconds();
  }
  std::lock_guard lock(state_->rewrap_mu);
  status.rotation.unreadable = state_->rewrap_failures.count;
  status.rotation.unreadable_error = state_->rewrap_failures.first_error;
  return status;
}

absl::StatusOr<std::string> LocalBackend::StartKeyRotation() {
  MasterKeys* master_keys = state_->options.master_keys;
  if (master_keys == nullptr) return absl::FailedPreconditionError("this node has no master keys");
  std::lock_guard lock(state_->key_admin_mu);
  crypto::Key key;
  state_->env.random->Fill(key);
  const int64_t now = absl::ToUnixSeconds(state_->env.clock->Now());
  absl::StatusOr<std::string> id = master_keys->AddActive(key, now);
  if (!id.ok()) return id.status();
  // Counted after the new key is active: every data key wrapped from here on
  // is under it, so the count only ever shrinks.
  absl::StatusOr<std::map<std::string, uint64_t>> counts = CountReferences(state_->env.meta);
  if (!counts.ok()) return counts.status();
  meta::Command command;
  meta::KeyRotationRecord* record = command.mutable_start_key_rotation()->mutable_rotation();
  record->set_target_master_key_id(*id);
  record->set_total(NotUnder(*counts, *id));
  record->set_started_unix_seconds(now);
  if (absl::Status s = state_->Commit(command).status(); !s.ok()) return s;
  return *id;
}

absl::StatusOr<RewrapBatchResult> LocalBackend::RewrapBatch(size_t max_records,
                                                            std::string* cursor) {
  MasterKeys* master_keys = state_->options.master_keys;
  // With one key there is nothing to re-wrap under, and no scan is spent on
  // finding that out: the periodic re-wrapper costs nothing once old keys
  // are retired.
  if (master_keys == nullptr || master_keys->Snapshot().keys().size() <= 1) {
    RewrapBatchResult nothing{.pass_done = true};
    NoteRewrapFailures(/*started_pass=*/true, &nothing);
    return nothing;
  }
  const crypto::MasterKey active = master_keys->Active();
  const bool started_pass = cursor->empty();
  if (started_pass) {
    absl::Status recorded = RecordMissingRotation(active.id);
    if (!recorded.ok()) return recorded;
  }
  std::vector<EncryptedRecord> batch;
  std::string last;
  bool stopped = false;
  absl::Status scanned =
      ForEachWrappedKey(ScanFrom(state_->env.meta, *cursor), [&](const EncryptedRecord& record) {
        last = record.store_key;
        if (record.encryption.master_key_id() != active.id) batch.push_back(record);
        stopped = batch.size() >= max_records;
        return !stopped;
      });
  if (!scanned.ok()) return scanned;
  *cursor = stopped ? keys::Successor(last) : "";

  meta::Command command;
  RewrapBatchResult result{.pass_done = !stopped};
  for (const EncryptedRecord& record : batch) {
    std::optional<crypto::MasterKey> old_key = master_keys->Find(record.encryption.master_key_id());
    if (!old_key.has_value()) continue;  // reported by GetKeyStatus; nothing to unwrap with
    absl::StatusOr<meta::RewrappedKey> entry =
        Rewrap(record, *old_key, active, *state_->env.random);
    // One damaged record must not hold back the rotation of every other one.
    if (!entry.ok()) {
      if (result.unreadable++ == 0) {
        result.unreadable_error =
            absl::StrCat("the data key of ", record.bucket, "/", record.key,
                         record.upload_id.empty() ? "" : " (upload " + record.upload_id + ")",
                         " under master key ", old_key->id, ": ", entry.status().message());
      }
      continue;
    }
    *command.mutable_rewrap_data_keys()->add_keys() = *std::move(entry);
  }
  if (command.rewrap_data_keys().keys_size() > 0) {
    if (absl::Status s = state_->Commit(command).status(); !s.ok()) return s;
  }
  result.found = static_cast<uint64_t>(command.rewrap_data_keys().keys_size());
  NoteRewrapFailures(started_pass, &result);
  return result;
}

void LocalBackend::NoteRewrapFailures(bool started_pass, RewrapBatchResult* batch) {
  std::lock_guard lock(state_->rewrap_mu);
  State::RewrapFailures& pass = state_->rewrap_pass_failures;
  if (started_pass) pass = {};
  if (pass.count == 0) pass.first_error = batch->unreadable_error;
  pass.count += batch->unreadable;
  batch->unreadable = pass.count;
  batch->unreadable_error = pass.first_error;
  if (batch->pass_done) state_->rewrap_failures = pass;
}

absl::Status LocalBackend::RecordMissingRotation(const std::string& active_id) {
  absl::StatusOr<std::optional<meta::KeyRotationRecord>> rotation = ReadRotation(state_->env.meta);
  if (!rotation.ok()) return rotation.status();
  if (rotation->has_value() && (*rotation)->target_master_key_id() == active_id) {
    return absl::OkStatus();
  }
  std::lock_guard lock(state_->key_admin_mu);
  absl::StatusOr<std::map<std::string, uint64_t>> counts = CountReferences(state_->env.meta);
  if (!counts.ok()) return counts.status();
  const uint64_t total = NotUnder(*counts, active_id);
  if (total == 0) return absl::OkStatus();
  const std::optional<crypto::MasterKey> active = state_->options.master_keys->Find(active_id);
  meta::Command command;
  meta::KeyRotationRecord* record = command.mutable_start_key_rotation()->mutable_rotation();
  record->set_target_master_key_id(active_id);
  record->set_total(total);
  record->set_started_unix_seconds(active.has_value() ? active->created_unix_seconds : 0);
  return state_->Commit(command).status();
}

absl::Status LocalBackend::RetireMasterKey(const std::string& id) {
  MasterKeys* master_keys = state_->options.master_keys;
  if (master_keys == nullptr) return absl::FailedPreconditionError("this node has no master keys");
  std::lock_guard lock(state_->key_admin_mu);
  if (!master_keys->Find(id).has_value()) {
    return absl::NotFoundError(absl::StrCat("no master key ", id, " in the keyring"));
  }
  if (master_keys->Active().id == id) {
    return absl::FailedPreconditionError(
        absl::StrCat("master key ", id, " is the active key; rotate to a new key first"));
  }
  meta::Command command;
  command.mutable_retire_master_key()->set_master_key_id(id);
  absl::Status committed = state_->Commit(command).status();
  if (s3::ErrorCodeOf(committed) == s3::ErrorCode::kInvalidRequest) {
    // The state machine counted references at apply time: the authoritative refusal.
    return absl::FailedPreconditionError(committed.message());
  }
  if (!committed.ok()) return committed;
  // Retired in the metadata first: a crash before the keyring forgets the key
  // leaves a retired key in the keyring, which a second retire removes.
  return master_keys->Remove(id);
}

}  // namespace hamster::node
