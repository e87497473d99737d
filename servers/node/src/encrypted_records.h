// Encryption at rest: the records that hold a data key (object versions and
// multipart uploads), found by scanning their tables. Rotation re-wraps what
// this finds; retiring a master key requires that it finds nothing under it.
#ifndef HAMSTER_NODE_SRC_ENCRYPTED_RECORDS_H_
#define HAMSTER_NODE_SRC_ENCRYPTED_RECORDS_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/node/meta_store.h"
#include "hamster/proto/metadata.pb.h"

namespace hamster::node {

struct EncryptedRecord {
  std::string store_key;  // where the record is in the MetaStore
  std::string bucket;
  std::string key;
  std::string upload_id;   // set for an upload's key
  std::string version_id;  // set for an object version's key
  meta::EncryptionInfo encryption;
};

using ScanFunction = std::function<absl::StatusOr<std::vector<KeyValuePair>>(
    std::string_view start, std::string_view end, size_t limit)>;

// Calls `visit` for every SSE-S3 record (SSE-C keys are the customers' and
// never wrapped), in store order, until it returns false. Errors: the scan's,
// kDataLoss for an unparsable record.
absl::Status ForEachWrappedKey(const ScanFunction& scan,
                               const std::function<bool(const EncryptedRecord&)>& visit);

}  // namespace hamster::node

#endif  // HAMSTER_NODE_SRC_ENCRYPTED_RECORDS_H_
