#include "snapshot_envelope.h"

#include <catch2/catch.hpp>

namespace hamster::raft {
namespace {

TEST_CASE("SnapshotEnvelope: round trips addresses and data, refuses what it cannot read",
          "[raft_node]") {
  const SnapshotEnvelope envelope{.addresses = {{2, "10.0.0.2:7000"}, {5, ""}},
                                  .data = std::string("state\0bytes", 11)};
  const std::string encoded = EncodeSnapshotEnvelope(envelope);
  absl::StatusOr<SnapshotEnvelope> decoded = DecodeSnapshotEnvelope(encoded);
  REQUIRE(decoded.ok());
  CHECK(decoded->addresses == envelope.addresses);
  CHECK(decoded->data == envelope.data);
  CHECK(DecodeSnapshotEnvelope("").status().code() == absl::StatusCode::kDataLoss);
  CHECK(DecodeSnapshotEnvelope(std::string(1, '\x02')).status().code() ==
        absl::StatusCode::kDataLoss);
  CHECK(DecodeSnapshotEnvelope(encoded.substr(0, 20)).status().code() ==
        absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace hamster::raft
