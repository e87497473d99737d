// The smallest useful embedding of libhamster-ec: store a message as 4+2
// shard files, lose two of them, and get the message back.

#include <cstdio>
#include <string>
#include <vector>

#include "hamster/ec/object.h"

int main() {
  const std::string message = "Hamster keeps your bytes even when two disks die.";
  const std::vector<uint8_t> object(message.begin(), message.end());

  hamster::ec::EncoderOptions options;
  options.data_shard_count = 4;
  options.parity_shard_count = 2;
  absl::StatusOr<std::vector<hamster::ec::ShardFile>> shards =
      hamster::ec::EncodeObject(object, options);
  if (!shards.ok()) {
    std::fprintf(stderr, "encode: %s\n", std::string(shards.status().message()).c_str());
    return 1;
  }

  // Keep shards 1, 2, 4 and 5: data shards 0 and 3 are lost.
  std::vector<std::span<const uint8_t>> survivors = {(*shards)[1], (*shards)[2], (*shards)[4],
                                                     (*shards)[5]};
  absl::StatusOr<std::vector<uint8_t>> decoded = hamster::ec::DecodeObject(survivors);
  if (!decoded.ok()) {
    std::fprintf(stderr, "decode: %s\n", std::string(decoded.status().message()).c_str());
    return 1;
  }
  if (*decoded != object) {
    std::fprintf(stderr, "decoded bytes differ from the original\n");
    return 1;
  }
  std::printf("recovered %zu bytes from 4 of 6 shards: %s\n", decoded->size(),
              std::string(decoded->begin(), decoded->end()).c_str());
  return 0;
}
