#include "src/payload.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "hamster/s3/errors.h"
#include "hamster/s3/sigv4.h"
#include "src/aws_chunked.h"
#include "src/checksums.h"
#include "src/hash_pipeline.h"
#include "src/sigv4_internal.h"

namespace hamster::s3 {
namespace {

constexpr std::string_view kChecksumHeaderPrefix = "x-amz-checksum-";

absl::string_view AbslView(std::string_view text) { return {text.data(), text.size()}; }

bool IsStreaming(PayloadMode mode) {
  return mode == PayloadMode::kStreamingSigned || mode == PayloadMode::kStreamingSignedTrailer ||
         mode == PayloadMode::kStreamingUnsignedTrailer;
}

bool IsTrailerMode(PayloadMode mode) {
  return mode == PayloadMode::kStreamingSignedTrailer ||
         mode == PayloadMode::kStreamingUnsignedTrailer;
}

// One x-amz-checksum-* claim, from a header (expected known up front) or
// from the trailer (expected read at the end).
struct ChecksumClaim {
  ChecksumAlgorithm algorithm;
  std::optional<std::string> expected;  // raw digest; nullopt until the trailer arrives
  std::unique_ptr<Hasher> hasher;
};

absl::StatusOr<std::string> DecodeChecksum(ChecksumAlgorithm algorithm, std::string_view value) {
  std::optional<std::string> digest = Base64Decode(value);
  if (!digest.has_value() || digest->size() != ChecksumDigestSize(algorithm)) {
    return Error(ErrorCode::kInvalidRequest,
                 absl::StrCat("Value for x-amz-checksum-",
                              AbslView(ChecksumAlgorithmName(algorithm)), " header is invalid."));
  }
  return *std::move(digest);
}

absl::StatusOr<ChecksumAlgorithm> AlgorithmOf(std::string_view name) {
  std::optional<ChecksumAlgorithm> algorithm = ChecksumAlgorithmFromName(name);
  if (!algorithm.has_value()) {
    return Error(ErrorCode::kInvalidRequest,
                 absl::StrCat("Unsupported checksum algorithm '", AbslView(name), "'"));
  }
  return *algorithm;
}

class PayloadImpl : public Payload {
 public:
  PayloadImpl(BodyReader& raw_body, PayloadOptions options) : options_(std::move(options)) {
    md5_ = NewMd5Hasher();
    if (options_.auth.payload_mode == PayloadMode::kSha256) sha256_ = NewSha256Hasher();
    source_ = &raw_body;
    if (IsStreaming(options_.auth.payload_mode)) {
      // Create() guarantees the decoded length of every streaming payload.
      chunked_ = std::make_unique<AwsChunkedReader>(raw_body, options_.auth,
                                                    options_.decoded_length.value_or(0));
      source_ = chunked_.get();
    }
  }

  void AddClaim(ChecksumAlgorithm algorithm, std::optional<std::string> expected) {
    claims_.push_back({algorithm, std::move(expected), NewChecksumHasher(algorithm)});
  }
  void set_content_md5(std::string digest) { content_md5_ = std::move(digest); }

  absl::StatusOr<size_t> Read(std::span<uint8_t> buffer) override;
  std::string_view md5_hex() const override { return md5_hex_; }
  const std::map<std::string, std::string>& verified_checksums() const override {
    return verified_;
  }

 private:
  absl::Status Account(std::span<const uint8_t> bytes);
  absl::Status Finish();
  absl::Status VerifyClaims();
  absl::StatusOr<std::string> TrailerValue(ChecksumAlgorithm algorithm) const;
  absl::Status CheckUndeclaredTrailers() const;

  PayloadOptions options_;
  BodyReader* source_ = nullptr;
  std::unique_ptr<AwsChunkedReader> chunked_;
  std::unique_ptr<Hasher> md5_;
  std::unique_ptr<Hasher> sha256_;  // only with x-amz-content-sha256 = hex
  std::vector<ChecksumClaim> claims_;
  // Created at the first byte, once every claim is known.
  std::unique_ptr<HashPipeline> hashing_;
  std::optional<std::string> content_md5_;
  uint64_t length_bytes_ = 0;
  std::string md5_hex_;
  std::map<std::string, std::string> verified_;
  // Once the payload ended or failed, every later Read() answers the same.
  std::optional<absl::Status> outcome_;
};

absl::StatusOr<size_t> PayloadImpl::Read(std::span<uint8_t> buffer) {
  if (outcome_.has_value()) {
    if (outcome_->ok()) return 0;
    return *outcome_;
  }
  if (buffer.empty()) return absl::InvalidArgumentError("Read() needs a non-empty buffer");
  absl::StatusOr<size_t> read = source_->Read(buffer);
  if (!read.ok()) {
    outcome_ = read.status();
    return *outcome_;
  }
  if (*read == 0) {
    outcome_ = Finish();
    if (outcome_->ok()) return 0;
    return *outcome_;
  }
  absl::Status accounted = Account(buffer.first(*read));
  if (!accounted.ok()) {
    outcome_ = accounted;
    return *outcome_;
  }
  return *read;
}

absl::Status PayloadImpl::Account(std::span<const uint8_t> bytes) {
  length_bytes_ += bytes.size();
  if (length_bytes_ > options_.max_length) {
    return Error(ErrorCode::kEntityTooLarge,
                 "Your proposed upload exceeds the maximum allowed object size.");
  }
  if (options_.decoded_length.has_value() && length_bytes_ > *options_.decoded_length) {
    return Error(ErrorCode::kInvalidRequest, absl::StrCat("The body is longer than the declared ",
                                                          *options_.decoded_length, " bytes"));
  }
  if (hashing_ == nullptr) {
    std::vector<Hasher*> hashers = {md5_.get()};
    if (sha256_ != nullptr) hashers.push_back(sha256_.get());
    for (ChecksumClaim& claim : claims_) hashers.push_back(claim.hasher.get());
    hashing_ = std::make_unique<HashPipeline>(std::move(hashers));
  }
  hashing_->Update(bytes);
  return absl::OkStatus();
}

absl::Status PayloadImpl::Finish() {
  if (options_.decoded_length.has_value() && length_bytes_ < *options_.decoded_length) {
    return Error(ErrorCode::kIncompleteBody,
                 absl::StrCat("You did not provide the number of bytes specified by the "
                              "Content-Length HTTP header: got ",
                              length_bytes_, " of ", *options_.decoded_length));
  }
  if (hashing_ != nullptr) hashing_->Drain();
  md5_hex_ = HexEncode(md5_->Finish());
  if (sha256_ != nullptr &&
      !absl::EqualsIgnoreCase(HexEncode(sha256_->Finish()), options_.auth.payload_sha256_hex)) {
    return Error(ErrorCode::kXAmzContentSHA256Mismatch,
                 "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  if (content_md5_.has_value() && HexEncode(*content_md5_) != md5_hex_) {
    return Error(ErrorCode::kBadDigest,
                 "The Content-MD5 you specified did not match what we received.");
  }
  return VerifyClaims();
}

absl::Status PayloadImpl::VerifyClaims() {
  absl::Status undeclared = CheckUndeclaredTrailers();
  if (!undeclared.ok()) return undeclared;
  for (ChecksumClaim& claim : claims_) {
    const std::string_view name = ChecksumAlgorithmName(claim.algorithm);
    if (!claim.expected.has_value()) {
      absl::StatusOr<std::string> trailer = TrailerValue(claim.algorithm);
      if (!trailer.ok()) return trailer.status();
      claim.expected = *std::move(trailer);
    }
    const std::string digest = claim.hasher->Finish();
    if (digest != *claim.expected) {
      return Error(ErrorCode::kBadDigest,
                   absl::StrCat("The x-amz-checksum-", AbslView(name),
                                " you specified did not match the calculated checksum."));
    }
    verified_[std::string(name)] = Base64Encode(digest);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PayloadImpl::TrailerValue(ChecksumAlgorithm algorithm) const {
  const std::string name =
      absl::StrCat(AbslView(kChecksumHeaderPrefix), AbslView(ChecksumAlgorithmName(algorithm)));
  if (chunked_ != nullptr) {
    for (const auto& [trailer_name, value] : chunked_->trailers()) {
      if (trailer_name == name) return DecodeChecksum(algorithm, value);
    }
  }
  return Error(ErrorCode::kInvalidRequest,
               absl::StrCat("x-amz-trailer declared ", name, " but the trailer lacks it"));
}

// A checksum in the trailer that x-amz-trailer did not announce was not
// hashed while the data streamed, so it cannot be verified: refuse it rather
// than store an object whose claimed checksum nobody checked.
absl::Status PayloadImpl::CheckUndeclaredTrailers() const {
  if (chunked_ == nullptr) return absl::OkStatus();
  for (const auto& [name, value] : chunked_->trailers()) {
    absl::string_view algorithm_name = AbslView(name);
    if (!absl::ConsumePrefix(&algorithm_name, AbslView(kChecksumHeaderPrefix))) continue;
    bool declared = false;
    for (const ChecksumClaim& claim : claims_) {
      declared |= !claim.expected.has_value() &&
                  ChecksumAlgorithmName(claim.algorithm) ==
                      std::string_view(algorithm_name.data(), algorithm_name.size());
    }
    if (!declared) {
      return Error(
          ErrorCode::kInvalidRequest,
          absl::StrCat("The trailer carries ", name, " which x-amz-trailer did not declare"));
    }
  }
  return absl::OkStatus();
}

// The algorithms x-amz-trailer announces ("x-amz-checksum-crc32", comma
// separated); other trailing headers are allowed and ignored.
absl::StatusOr<std::vector<ChecksumAlgorithm>> TrailerAlgorithms(const PayloadOptions& options) {
  std::vector<ChecksumAlgorithm> algorithms;
  if (!options.trailer_header.has_value() || !IsTrailerMode(options.auth.payload_mode)) {
    return algorithms;
  }
  for (absl::string_view name :
       absl::StrSplit(AbslView(*options.trailer_header), ',', absl::SkipWhitespace())) {
    std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
    absl::string_view algorithm_name = lower;
    if (!absl::ConsumePrefix(&algorithm_name, AbslView(kChecksumHeaderPrefix))) continue;
    absl::StatusOr<ChecksumAlgorithm> algorithm =
        AlgorithmOf(std::string_view(algorithm_name.data(), algorithm_name.size()));
    if (!algorithm.ok()) return algorithm.status();
    algorithms.push_back(*algorithm);
  }
  return algorithms;
}

absl::Status CheckOptions(const PayloadOptions& options) {
  const PayloadMode mode = options.auth.payload_mode;
  if (IsStreaming(mode) && !options.decoded_length.has_value()) {
    return Error(ErrorCode::kMissingContentLength,
                 "aws-chunked uploads must send x-amz-decoded-content-length");
  }
  if (options.decoded_length.has_value() && *options.decoded_length > options.max_length) {
    return Error(ErrorCode::kEntityTooLarge,
                 "Your proposed upload exceeds the maximum allowed object size.");
  }
  if (mode == PayloadMode::kSha256 &&
      (options.auth.payload_sha256_hex.size() != 64 || !IsHex(options.auth.payload_sha256_hex))) {
    return Error(ErrorCode::kInvalidArgument, "x-amz-content-sha256 is not a hex SHA-256");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Payload>> Payload::Create(BodyReader& raw_body,
                                                         PayloadOptions options) {
  absl::Status status = CheckOptions(options);
  if (!status.ok()) return status;
  std::optional<std::string> content_md5;
  if (options.content_md5_base64.has_value()) {
    content_md5 = Base64Decode(*options.content_md5_base64);
    if (!content_md5.has_value() || content_md5->size() != 16) {
      return Error(ErrorCode::kInvalidDigest, "The Content-MD5 you specified was invalid.");
    }
  }
  absl::StatusOr<std::vector<ChecksumAlgorithm>> trailer_algorithms = TrailerAlgorithms(options);
  if (!trailer_algorithms.ok()) return trailer_algorithms.status();
  std::vector<std::pair<ChecksumAlgorithm, std::string>> header_claims;
  for (const auto& [name, value] : options.checksum_headers) {
    absl::StatusOr<ChecksumAlgorithm> algorithm = AlgorithmOf(name);
    if (!algorithm.ok()) return algorithm.status();
    absl::StatusOr<std::string> digest = DecodeChecksum(*algorithm, value);
    if (!digest.ok()) return digest.status();
    header_claims.emplace_back(*algorithm, *std::move(digest));
  }
  auto payload = std::make_unique<PayloadImpl>(raw_body, std::move(options));
  if (content_md5.has_value()) payload->set_content_md5(*std::move(content_md5));
  for (auto& [algorithm, digest] : header_claims) payload->AddClaim(algorithm, std::move(digest));
  for (ChecksumAlgorithm algorithm : *trailer_algorithms) {
    payload->AddClaim(algorithm, std::nullopt);
  }
  return std::unique_ptr<Payload>(std::move(payload));
}

}  // namespace hamster::s3
