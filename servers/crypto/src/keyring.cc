#include "hamster/crypto/keyring.h"

#include <cassert>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hamster::crypto {
namespace {

constexpr char kMagic[] = "hamster-keyring";

absl::Status BadLine(int line_number, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("keyring line ", line_number, ": ", std::string(why)));
}

}  // namespace

Keyring Keyring::WithFirstKey(const Key& key_bytes, int64_t now_unix_seconds) {
  Keyring keyring;
  keyring.AddActive(key_bytes, now_unix_seconds);
  return keyring;
}

const MasterKey& Keyring::active() const {
  const MasterKey* key = Find(active_id_);
  assert(key != nullptr);
  return *key;
}

const MasterKey* Keyring::Find(std::string_view id) const {
  for (const MasterKey& key : keys_) {
    if (key.id == id) return &key;
  }
  return nullptr;
}

std::string Keyring::AddActive(const Key& key_bytes, int64_t now_unix_seconds) {
  MasterKey key{.id = absl::StrCat("key-", next_id_++),
                .key = key_bytes,
                .created_unix_seconds = now_unix_seconds};
  active_id_ = key.id;
  keys_.push_back(std::move(key));
  return active_id_;
}

absl::Status Keyring::Remove(std::string_view id) {
  if (id == active_id_) {
    return absl::FailedPreconditionError(
        absl::StrCat("master key ", std::string(id), " is active; rotate first"));
  }
  const size_t before = keys_.size();
  std::erase_if(keys_, [&](const MasterKey& key) { return key.id == id; });
  if (keys_.size() == before) {
    return absl::NotFoundError(absl::StrCat("no master key ", std::string(id)));
  }
  return absl::OkStatus();
}

std::string Keyring::Serialize() const {
  std::string text = absl::StrCat(kMagic, " ", kKeyringFormatVersion, "\nnext-id ", next_id_,
                                  "\nactive ", active_id_, "\n");
  for (const MasterKey& key : keys_) {
    const std::string_view bytes(reinterpret_cast<const char*>(key.key.data()), key.key.size());
    absl::StrAppend(&text, "key ", key.id, " ", key.created_unix_seconds, " ",
                    absl::Base64Escape(absl::string_view(bytes.data(), bytes.size())), "\n");
  }
  return text;
}

absl::StatusOr<Keyring> Keyring::Parse(std::string_view text) {
  Keyring keyring;
  int line_number = 0;
  bool have_header = false;
  const absl::string_view all(text.data(), text.size());
  for (absl::string_view line : absl::StrSplit(all, '\n', absl::SkipEmpty())) {
    ++line_number;
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ');
    if (!have_header) {
      int version = 0;
      if (words.size() != 2 || words[0] != kMagic || !absl::SimpleAtoi(words[1], &version)) {
        return BadLine(line_number, "not a Hamster keyring");
      }
      if (version < 1 || version > kKeyringFormatVersion) {
        return BadLine(line_number, absl::StrCat("format ", version, "; this build reads up to ",
                                                 kKeyringFormatVersion));
      }
      have_header = true;
    } else if (words.size() == 2 && words[0] == "next-id") {
      if (!absl::SimpleAtoi(words[1], &keyring.next_id_))
        return BadLine(line_number, "bad next-id");
    } else if (words.size() == 2 && words[0] == "active") {
      keyring.active_id_ = std::string(words[1].data(), words[1].size());
    } else if (words.size() == 4 && words[0] == "key") {
      MasterKey key{.id = std::string(words[1].data(), words[1].size())};
      std::string bytes;
      if (!absl::SimpleAtoi(words[2], &key.created_unix_seconds) ||
          !absl::Base64Unescape(words[3], &bytes) || bytes.size() != kKeyBytes) {
        return BadLine(line_number, "a key needs an id, a time and 32 base64 bytes");
      }
      if (keyring.Find(key.id) != nullptr) return BadLine(line_number, "duplicate key id");
      std::copy(bytes.begin(), bytes.end(), key.key.begin());
      keyring.keys_.push_back(std::move(key));
    } else {
      return BadLine(line_number, "unknown entry");
    }
  }
  if (!have_header) return absl::InvalidArgumentError("keyring is empty");
  if (keyring.Find(keyring.active_id_) == nullptr) {
    return absl::InvalidArgumentError("keyring names no existing active key");
  }
  return keyring;
}

}  // namespace hamster::crypto
