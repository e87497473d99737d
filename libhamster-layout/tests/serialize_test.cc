// The layout record: round trips, a pinned encoding, additive fields, and
// damaged or malformed records refused with the problem named.

#include <catch2/catch.hpp>

#include "hamster/layout/hash.h"
#include "test_util.h"
#include "wire.h"

namespace hamster::layout {
namespace {

using Catch::Contains;
using internal::WireWriter;

std::string Hex(const std::vector<uint8_t>& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (uint8_t b : bytes) {
    hex.push_back(kDigits[b >> 4]);
    hex.push_back(kDigits[b & 15]);
  }
  return hex;
}

// Frames a body as Serialize does: header, body, checksum.
std::vector<uint8_t> Frame(const std::string& body, uint16_t format = 1) {
  // Reserved up front: GCC 12 at -O2 misreads growing a 6-byte vector as an
  // out-of-bounds copy (-Warray-bounds).
  std::vector<uint8_t> bytes;
  bytes.reserve(6 + body.size() + 8);
  for (uint8_t b : {uint8_t('H'), uint8_t('L'), uint8_t('A'), uint8_t('Y'), uint8_t(format),
                    uint8_t(format >> 8)}) {
    bytes.push_back(b);
  }
  bytes.insert(bytes.end(), body.begin(), body.end());
  const uint64_t checksum =
      KeyHash(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  for (int i = 0; i < 8; ++i) bytes.push_back(uint8_t(checksum >> (8 * i)));
  return bytes;
}

std::string Body(const std::vector<uint8_t>& bytes) {
  return std::string(bytes.begin() + 6, bytes.end() - 8);
}

// A layout in the middle of everything: two live versions, partial sync,
// staged roles and parameters.
Layout Busy() {
  std::vector<NodeRole> roles;
  for (int i = 0; i < 7; ++i) {
    roles.push_back({.id = testing::NodeName(i),
                     .zone = absl::StrCat("z", i % 3),
                     .capacity_bytes = (i + 1) * testing::kGiB});
  }
  roles.push_back({.id = "gateway", .zone = "z0", .kind = NodeKind::kGateway});
  Layout layout = testing::StagedLayout(32, roles);
  if (!layout.Apply().ok()) std::abort();
  if (!layout.StageAdd({.id = "n100", .zone = "z2", .capacity_bytes = testing::kGiB}).ok()) {
    std::abort();
  }
  if (!layout.Apply().ok()) std::abort();
  for (uint32_t p = 0; p < 32; p += 3) (void)layout.MarkSynced(layout.current().version(), p);
  if (!layout.StageRemove("n003").ok() || !layout.StageProfile(Profile{3, 2}).ok()) std::abort();
  layout.StageSmallObjectThreshold(4096);
  return layout;
}

TEST_CASE("Serialize: Parse reads back the same layout, byte for byte", "[layout]") {
  const Layout layout = Busy();
  REQUIRE(layout.TransitionOpen());
  const std::vector<uint8_t> bytes = layout.Serialize();
  absl::StatusOr<Layout> parsed = Layout::Parse(bytes);
  REQUIRE(parsed.ok());
  CHECK(parsed->Serialize() == bytes);
  CHECK(parsed->live_versions().size() == 2);
  CHECK(parsed->UnsyncedPartitionCount() == layout.UnsyncedPartitionCount());
  CHECK(parsed->staged_changes() == layout.staged_changes());
  CHECK(parsed->staged_parameters() == layout.staged_parameters());
  for (uint32_t p = 0; p < 32; ++p) CHECK(parsed->SyncedVersion(p) == layout.SyncedVersion(p));
  // The parsed copy applies the staged changes exactly as the original.
  Layout original = layout;
  REQUIRE(original.Apply().ok());
  REQUIRE(parsed->Apply().ok());
  CHECK(parsed->Serialize() == original.Serialize());
}

TEST_CASE("Serialize: the encoding is pinned", "[layout]") {
  // Two nodes, 1+1, four partitions. A change here breaks every stored layout.
  Layout layout = testing::StagedLayout(4, {{.id = "a", .zone = "x", .capacity_bytes = 1},
                                            {.id = "b", .zone = "y", .capacity_bytes = 2}});
  REQUIRE(layout.Apply().ok());
  CHECK(Hex(layout.Serialize()) ==
        "484c41590100"  // "HLAY", format version 1
        "0804"          // field 1: 4 partitions
        "1254"          // field 2: parameters, 84 bytes: the default ladder's 8 steps
        "0a080801120408011000"
        "0a080802120408011001"
        "0a080803120408021001"
        "0a080804120408021002"
        "0a080806120408041002"
        "0a080809120408061003"
        "0a08080c120408081004"
        "0a0808101204080a1004"
        "10808004"                  // the small-object threshold, 65536
        "1a2e"                      // field 3: version, 46 bytes
        "0801120408011001"          // version 1, profile 1+1
        "18808004"                  // its threshold
        "220a0a016112017818012001"  // node a, zone x, storage, capacity 1
        "220a0a016212017918012002"  // node b, zone y, storage, capacity 2
        "2a080100000100010100"      // the assignment, 4 partitions x 2 shards, packed
        "220400000000"              // field 4: every partition synced to the oldest version
        "ddfd2d389ad2e0ef");        // checksum
}

TEST_CASE("Serialize: fields a reader does not know are skipped (formats are additive)",
          "[layout]") {
  const Layout layout = Busy();
  const std::string body = Body(layout.Serialize());
  WireWriter extra;
  extra.Uint(90, 7);                                                  // a future varint field
  extra.Bytes(91, "future message");                                  // a future nested message
  extra.Raw(std::string("\x5d\x01\x02\x03\x04", 5));                  // field 11, fixed32
  extra.Raw(std::string("\x61\x01\x02\x03\x04\x05\x06\x07\x08", 9));  // field 12, fixed64
  absl::StatusOr<Layout> parsed = Layout::Parse(Frame(extra.bytes() + body + extra.bytes()));
  REQUIRE(parsed.ok());
  CHECK(parsed->Serialize() == layout.Serialize());
  // Inside a nested message too: parameters with an unknown field.
  WireWriter parameters;
  parameters.Uint(1000, 1);
  for (const LadderStep& step : DefaultLadder()) {
    WireWriter profile;
    profile.Uint(1, step.profile.data_shard_count);
    profile.Uint(2, step.profile.parity_shard_count);
    profile.Uint(77, 5);
    WireWriter encoded;
    encoded.Uint(1, step.min_storage_node_count);
    encoded.Message(2, profile);
    parameters.Message(1, encoded);
  }
  parameters.Uint(2, 12345);
  WireWriter minimal;
  minimal.Uint(1, 16);
  minimal.Message(2, parameters);
  absl::StatusOr<Layout> small = Layout::Parse(Frame(minimal.bytes()));
  REQUIRE(small.ok());
  CHECK(small->partition_count() == 16);
  CHECK(small->parameters().small_object_threshold_bytes == 12345);
  CHECK(small->parameters().ladder == DefaultLadder());
  CHECK(!small->has_version());
}

TEST_CASE("Serialize: damaged bytes are refused", "[layout]") {
  const std::vector<uint8_t> bytes = Busy().Serialize();
  for (size_t at : {size_t{7}, bytes.size() / 2, bytes.size() - 9, bytes.size() - 1}) {
    std::vector<uint8_t> damaged = bytes;
    damaged[at] ^= 0x10;
    INFO("byte " << at);
    CHECK(Layout::Parse(damaged).status().code() == absl::StatusCode::kDataLoss);
  }
  std::vector<uint8_t> truncated(bytes.begin(), bytes.begin() + bytes.size() / 2);
  CHECK(Layout::Parse(truncated).status().code() == absl::StatusCode::kDataLoss);
  CHECK(Layout::Parse(std::vector<uint8_t>{'H', 'L'}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  const std::string text = "not a layout at all, just some text";
  CHECK_THAT(
      std::string(Layout::Parse(std::vector<uint8_t>(text.begin(), text.end())).status().message()),
      Contains("not a layout record"));
  CHECK_THAT(std::string(Layout::Parse(Frame(Body(bytes), 0)).status().message()),
             Contains("format version 0 does not exist"));
}

TEST_CASE("Serialize: a well-framed but invalid record names its problem", "[layout]") {
  auto parse_error = [](const WireWriter& body) {
    return std::string(Layout::Parse(Frame(body.bytes())).status().message());
  };
  WireWriter no_parameters;
  no_parameters.Uint(1, 16);
  CHECK_THAT(parse_error(no_parameters), Contains("the partition count or the parameters"));
  WireWriter truncated_field;
  truncated_field.Raw(std::string("\x12\x40", 2));  // field 2, 64 bytes, none follow
  CHECK_THAT(parse_error(truncated_field), Contains("runs past its end"));
  WireWriter bad_varint;
  bad_varint.Raw(std::string(11, '\xff'));
  CHECK_THAT(parse_error(bad_varint), Contains("varint"));
  // A version whose assignment names a node index that does not exist.
  const Layout layout = testing::StagedLayout(2, {{.id = "a", .zone = "x", .capacity_bytes = 1},
                                                  {.id = "b", .zone = "y", .capacity_bytes = 1}});
  std::vector<uint8_t> bytes = layout.Serialize();  // no version yet: add one by hand
  WireWriter version;
  version.Uint(1, 1);
  WireWriter profile;
  profile.Uint(1, 1);
  profile.Uint(2, 1);
  version.Message(2, profile);
  for (const char* id : {"a", "b"}) {
    WireWriter role;
    role.Bytes(1, id);
    role.Bytes(2, id);
    role.Uint(3, 1);
    role.Uint(4, 10);
    version.Message(4, role);
  }
  const uint64_t assignment[] = {0, 1, 1, 5};
  version.Packed(5, assignment);
  WireWriter body;
  body.Raw(Body(bytes));
  body.Message(3, version);
  const uint64_t synced[] = {0, 0};
  body.Packed(4, synced);
  CHECK_THAT(parse_error(body), Contains("partition 1 shard 1 names node index 5"));
}

}  // namespace
}  // namespace hamster::layout
