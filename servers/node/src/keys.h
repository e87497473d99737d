// How metadata records are laid out in the ordered MetaStore (ADR 0005).
//
//   "A"                                    applied log index (8 bytes, big-endian)
//   "B" C(bucket)                          BucketRecord
//   "O" C(bucket) C(key)                   current ObjectVersionRecord of a key
//   "V" C(bucket) C(key) BE64(~stamp)      noncurrent ObjectVersionRecords, newest first
//   "I" C(bucket) C(key) C(version id)     stamp of a noncurrent version (8 bytes, big-endian)
//   "U" C(bucket) C(key) C(upload id)      MultipartUploadRecord
//   "P" C(bucket) C(key) C(upload id) BE32(part number)   PartRecord
//   "R" data id (16 bytes)                 references to a data id (8 bytes, big-endian)
//   "G" data id                            garbage: a data id no record references
//   "K" master key id                      a retired master key (encryption at rest)
//   "E"                                    KeyRotationRecord of the last key rotation
//
// C(s) is an order-preserving, prefix-free encoding of one component: every
// 0x00 byte of s becomes 0x00 0xFF and the component ends with 0x00 0x01. For
// any strings a, b: a < b (bytewise) iff C(a) < C(b), and tuples of components
// compare like the tuples. E(s), the escaping without the terminator, is a
// prefix of C(t) exactly when s is a prefix of t, so listing the keys of a
// bucket that start with a prefix is the single range scan ["O" C(b) E(p),
// PrefixEnd("O" C(b) E(p))). Keys are arbitrary bytes here; nothing in this
// layout is ever used as a file name.
//
// A version's stamp is the log index at which it stopped being current
// (ADR 0012): versions become noncurrent in the order they were created, so
// the inverted stamp lists a key's noncurrent versions newest first, and
// every version of a key is the current one in "O" followed by its "V" range.
#ifndef HAMSTER_NODE_SRC_KEYS_H_
#define HAMSTER_NODE_SRC_KEYS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hamster/ec/shard_format.h"

namespace hamster::node::keys {

inline constexpr char kAppliedIndexKey[] = "A";

// Appends E(s) (escaped) or C(s) (escaped and terminated).
void AppendEscaped(std::string* out, std::string_view s);
void AppendComponent(std::string* out, std::string_view s);
// Reads one C(s) from the front of `*in` and removes it; nullopt if malformed.
std::optional<std::string> ConsumeComponent(std::string_view* in);

std::string BucketKey(std::string_view bucket);
std::string BucketTableStart();
std::string ObjectKey(std::string_view bucket, std::string_view key);
// "O" C(bucket) E(prefix): every object key of `bucket` starting with `prefix`
// starts with it, and no other.
std::string ObjectPrefix(std::string_view bucket, std::string_view key_prefix);
// Noncurrent versions (ADR 0012).
std::string VersionKey(std::string_view bucket, std::string_view key, uint64_t stamp);
// The noncurrent versions of (bucket, key) all start with this.
std::string VersionKeyPrefix(std::string_view bucket, std::string_view key);
// "V" C(bucket) E(prefix): the noncurrent versions of keys starting with `prefix`.
std::string VersionPrefix(std::string_view bucket, std::string_view key_prefix);
std::string VersionIndexKey(std::string_view bucket, std::string_view key,
                            std::string_view version_id);
std::string UploadKey(std::string_view bucket, std::string_view key, std::string_view upload_id);
std::string UploadPrefix(std::string_view bucket, std::string_view key_prefix);
// The uploads of (bucket, key) all start with this.
std::string UploadKeyPrefix(std::string_view bucket, std::string_view key);
std::string PartKey(std::string_view bucket, std::string_view key, std::string_view upload_id,
                    uint32_t part_number);
std::string PartPrefix(std::string_view bucket, std::string_view key, std::string_view upload_id);
std::string ReferenceKey(const ec::DataId& data_id);
std::string GarbageKey(const ec::DataId& data_id);
std::string GarbageTableStart();
std::string RetiredMasterKeyKey(std::string_view master_key_id);
inline constexpr char kKeyRotationKey[] = "E";
// The data id of a "G" key; nullopt if `key` is not one.
std::optional<ec::DataId> DataIdOfGarbageKey(std::string_view key);

// The smallest string greater than every string that starts with `prefix`;
// empty (no bound) if there is none. REQUIRES: prefix is not empty.
std::string PrefixEnd(std::string_view prefix);
// The smallest string greater than `key`.
std::string Successor(std::string_view key);

std::string EncodeUint64(uint64_t value);
std::optional<uint64_t> DecodeUint64(std::string_view bytes);

}  // namespace hamster::node::keys

#endif  // HAMSTER_NODE_SRC_KEYS_H_
