// Decoder of aws-chunked request bodies (Content-Encoding: aws-chunked):
//   signed:   <hex size>;chunk-signature=<sig>\r\n<data>\r\n ... 0;chunk-signature=<sig>\r\n
//   unsigned: <hex size>\r\n<data>\r\n ... 0\r\n
// then "\r\n", or trailing header lines ("x-amz-checksum-crc32:<base64>\r\n",
// "x-amz-trailer-signature:<sig>\r\n" when signed) and "\r\n".
// Each chunk signature is verified as its data completes, chained from the
// request's seed signature; so is the trailer signature. Data is read from
// the raw body straight into the caller's buffer; only framing passes through
// a small fixed lookahead, so memory stays bounded whatever a chunk-size line
// claims. Thread safety: one thread at a time, like any BodyReader.
#ifndef HAMSTER_S3_SRC_AWS_CHUNKED_H_
#define HAMSTER_S3_SRC_AWS_CHUNKED_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hamster/s3/body.h"
#include "src/auth.h"
#include "src/checksums.h"

namespace hamster::s3 {

class AwsChunkedReader : public BodyReader {
 public:
  // REQUIRES: auth.payload_mode is one of the streaming modes. `raw` must
  // outlive the reader. A chunk that would take the decoded data past
  // `decoded_length` fails with kInvalidRequest before any of it is read.
  AwsChunkedReader(BodyReader& raw, const AuthContext& auth, uint64_t decoded_length);

  // Decoded object bytes; 0 once the final chunk, the trailer and the end of
  // the raw body have been read and every signature checked. Errors:
  // kInvalidRequest (framing), kSignatureDoesNotMatch (chunk or trailer
  // signature), kIncompleteBody (raw body ended inside the framing or a
  // chunk), and the raw body's own errors.
  absl::StatusOr<size_t> Read(std::span<uint8_t> buffer) override;

  // Trailing headers other than x-amz-trailer-signature, names lowercase,
  // in the order received. Complete once Read() returned 0.
  const std::vector<std::pair<std::string, std::string>>& trailers() const { return trailers_; }

 private:
  enum class State { kChunkHeader, kData, kChunkEnd, kFinalLine, kTrailer, kEnd, kDone };

  absl::StatusOr<size_t> ReadData(std::span<uint8_t> buffer);
  absl::Status Step();
  absl::Status StartChunk(std::string_view line);
  absl::Status VerifyChunk(std::string_view chunk_sha256_hex);
  absl::Status AddTrailerLine(std::string_view line);
  absl::Status FinishTrailer();
  absl::Status ExpectEnd();
  // One line without its line ending; nullopt when the body ended cleanly
  // before its first byte.
  absl::StatusOr<std::optional<std::string>> ReadLine();
  // Refills the empty lookahead; false at the end of the raw body.
  absl::StatusOr<bool> Fill();

  BodyReader& raw_;
  const bool chunks_signed_;
  const bool has_trailer_;
  const bool trailer_signed_;
  std::string signing_key_;
  std::string amz_date_;
  std::string scope_;
  std::string previous_signature_;
  uint64_t undelivered_bytes_;  // what the declared decoded length still allows

  State state_ = State::kChunkHeader;
  uint64_t chunk_remaining_bytes_ = 0;
  std::string chunk_signature_;
  std::unique_ptr<Hasher> chunk_sha256_;  // only when chunks are signed

  // Sized for a chunk header or trailer line in one raw read; what it
  // over-reads of the next chunk's data is at most this much per chunk.
  static constexpr size_t kLookaheadBytes = 1024;
  std::array<uint8_t, kLookaheadBytes> lookahead_{};
  size_t lookahead_begin_ = 0;
  size_t lookahead_end_ = 0;

  bool blank_line_before_trailer_ = false;
  size_t trailer_bytes_ = 0;
  std::vector<std::pair<std::string, std::string>> trailers_;
  std::optional<std::string> trailer_signature_;
};

}  // namespace hamster::s3

#endif  // HAMSTER_S3_SRC_AWS_CHUNKED_H_
