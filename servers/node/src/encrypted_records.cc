#include "src/encrypted_records.h"

#include "src/keys.h"
#include "src/records.h"

namespace hamster::node {
namespace {

constexpr size_t kPageEntries = 1000;

// Tables whose records carry EncryptionInfo (keys.h): current object versions
// "O", noncurrent ones "V", and multipart uploads "U". A new table holding records with data keys must be
// listed here, or rotation would miss its keys.
struct Table {
  const char* start;
  const char* end;
  bool uploads;
};
constexpr Table kTables[] = {{"O", "P", false}, {"U", "V", true}, {"V", "W", false}};

}  // namespace

absl::Status ForEachWrappedKey(const ScanFunction& scan,
                               const std::function<bool(const EncryptedRecord&)>& visit) {
  for (const Table& table : kTables) {
    std::string from = table.start;
    for (;;) {
      absl::StatusOr<std::vector<KeyValuePair>> page = scan(from, table.end, kPageEntries);
      if (!page.ok()) return page.status();
      for (const auto& [store_key, value] : *page) {
        EncryptedRecord found;
        if (table.uploads) {
          absl::StatusOr<meta::MultipartUploadRecord> record =
              ParseRecord<meta::MultipartUploadRecord>(value, "upload record");
          if (!record.ok()) return record.status();
          found = {.bucket = record->bucket(),
                   .key = record->key(),
                   .upload_id = record->upload_id(),
                   .encryption = record->encryption()};
        } else {
          absl::StatusOr<meta::ObjectVersionRecord> record =
              ParseRecord<meta::ObjectVersionRecord>(value, "object record");
          if (!record.ok()) return record.status();
          found = {.bucket = record->bucket(),
                   .key = record->key(),
                   .version_id = record->version_id(),
                   .encryption = record->encryption()};
        }
        if (found.encryption.algorithm() != meta::ENCRYPTION_SSE_S3) continue;
        found.store_key = store_key;
        if (!visit(found)) return absl::OkStatus();
      }
      if (page->size() < kPageEntries) break;
      from = keys::Successor(page->back().first);
    }
  }
  return absl::OkStatus();
}

}  // namespace hamster::node
