// Payload: identity and aws-chunked bodies, every integrity claim a client
// can make, and reads split at every boundary.
#include "src/payload.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "hamster/s3/errors.h"
#include "hamster/s3/sigv4.h"
#include "src/checksums.h"
#include "src/sigv4_internal.h"

namespace hamster::s3 {
namespace {

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kDocSeed =
    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
constexpr std::string_view kDocTrailerSeed =
    "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";

// The raw body: at most `max_read` bytes per Read(), then optionally an error.
class StringBody : public BodyReader {
 public:
  explicit StringBody(std::string data, size_t max_read = SIZE_MAX,
                      std::optional<absl::Status> error_at_end = std::nullopt)
      : data_(std::move(data)), max_read_(max_read), error_at_end_(std::move(error_at_end)) {}
  absl::StatusOr<size_t> Read(std::span<uint8_t> buffer) override {
    const size_t size = std::min({buffer.size(), max_read_, data_.size() - offset_});
    if (size == 0 && error_at_end_.has_value()) return *error_at_end_;
    std::memcpy(buffer.data(), data_.data() + offset_, size);
    offset_ += size;
    return size;
  }

 private:
  std::string data_;
  size_t offset_ = 0;
  size_t max_read_;
  std::optional<absl::Status> error_at_end_;
};

struct Outcome {
  std::string data;
  absl::Status status;
  std::string md5_hex;
  std::map<std::string, std::string> checksums;
};

Outcome ReadAll(Payload& payload, size_t buffer_size) {
  Outcome outcome;
  std::vector<uint8_t> buffer(buffer_size);
  while (true) {
    absl::StatusOr<size_t> read = payload.Read(buffer);
    if (!read.ok()) {
      outcome.status = read.status();
      // A failed payload keeps failing: nobody can mistake it for a clean end.
      absl::StatusOr<size_t> again = payload.Read(buffer);
      CHECK_FALSE(again.ok());
      return outcome;
    }
    if (*read == 0) break;
    REQUIRE(*read <= buffer_size);
    outcome.data.append(reinterpret_cast<const char*>(buffer.data()), *read);
  }
  outcome.md5_hex = std::string(payload.md5_hex());
  outcome.checksums = payload.verified_checksums();
  absl::StatusOr<size_t> again = payload.Read(buffer);
  CHECK((again.ok() && *again == 0));
  return outcome;
}

Outcome Run(std::string raw, PayloadOptions options, size_t buffer_size = 4096,
            size_t max_read = SIZE_MAX) {
  StringBody body(std::move(raw), max_read);
  absl::StatusOr<std::unique_ptr<Payload>> payload = Payload::Create(body, std::move(options));
  REQUIRE(payload.ok());
  return ReadAll(**payload, buffer_size);
}

std::optional<ErrorCode> CodeOf(const absl::Status& status) {
  if (status.ok()) return std::nullopt;
  return ErrorCodeOf(status);
}

std::string Md5Hex(std::string_view data) {
  std::unique_ptr<Hasher> md5 = NewMd5Hasher();
  md5->Update({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
  return HexEncode(md5->Finish());
}

std::string Digest(ChecksumAlgorithm algorithm, std::string_view data) {
  std::unique_ptr<Hasher> hasher = NewChecksumHasher(algorithm);
  hasher->Update({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
  return Base64Encode(hasher->Finish());
}

AuthContext StreamingAuth(PayloadMode mode, std::string_view seed = kDocSeed) {
  AuthContext auth;
  auth.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  auth.payload_mode = mode;
  auth.signing_key = DeriveSigningKey(kSecret, "20130524", "us-east-1", "s3");
  auth.amz_date = "20130524T000000Z";
  auth.scope = "20130524/us-east-1/s3/aws4_request";
  auth.seed_signature = std::string(seed);
  return auth;
}

// An aws-chunked body of `data` cut into `sizes` (the rest in one chunk),
// framed and signed as `auth.payload_mode` says, with `trailers`.
std::string Encode(std::string_view data, std::vector<size_t> sizes, const AuthContext& auth,
                   const std::vector<std::pair<std::string, std::string>>& trailers = {}) {
  const bool chunks_signed = auth.payload_mode == PayloadMode::kStreamingSigned ||
                             auth.payload_mode == PayloadMode::kStreamingSignedTrailer;
  std::string body;
  std::string previous = auth.seed_signature;
  size_t offset = 0;
  auto add_chunk = [&](std::string_view chunk) {
    absl::StrAppend(&body, absl::Hex(chunk.size()));
    if (chunks_signed) {
      previous = ChunkSignature(auth.signing_key, auth.amz_date, auth.scope, previous, chunk);
      absl::StrAppend(&body, ";chunk-signature=", previous);
    }
    body += "\r\n";
    body += chunk;
    if (!chunk.empty()) body += "\r\n";
  };
  for (size_t size : sizes) {
    if (offset >= data.size()) break;
    size = std::min(size, data.size() - offset);
    add_chunk(data.substr(offset, size));
    offset += size;
  }
  if (offset < data.size()) add_chunk(data.substr(offset));
  add_chunk("");
  for (const auto& [name, value] : trailers) absl::StrAppend(&body, name, ":", value, "\r\n");
  if (auth.payload_mode == PayloadMode::kStreamingSignedTrailer && !trailers.empty()) {
    absl::StrAppend(
        &body, "x-amz-trailer-signature:",
        TrailerSignature(auth.signing_key, auth.amz_date, auth.scope, previous, trailers), "\r\n");
  }
  return body + "\r\n";
}

PayloadOptions ChunkedOptions(PayloadMode mode, uint64_t decoded_length,
                              std::string_view seed = kDocSeed) {
  PayloadOptions options;
  options.auth = StreamingAuth(mode, seed);
  options.decoded_length = decoded_length;
  return options;
}

std::string RandomData(std::mt19937_64& rng, size_t size) {
  std::string data(size, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  return data;
}

const std::string kFox = "The quick brown fox jumps over the lazy dog";

TEST_CASE("Payload: an identity body streams through with its MD5", "[s3][payload]") {
  PayloadOptions options;
  options.decoded_length = kFox.size();
  const Outcome outcome = Run(kFox, options, 5);
  REQUIRE(outcome.status.ok());
  CHECK(outcome.data == kFox);
  CHECK(outcome.md5_hex == "9e107d9d372bb6826bd81d3542a419d6");

  const Outcome empty = Run("", PayloadOptions{});
  REQUIRE(empty.status.ok());
  CHECK(empty.md5_hex == "d41d8cd98f00b204e9800998ecf8427e");
}

TEST_CASE("Payload: x-amz-content-sha256 is checked against the body", "[s3][payload]") {
  PayloadOptions options;
  options.auth.payload_mode = PayloadMode::kSha256;
  options.auth.payload_sha256_hex = Sha256Hex(kFox);
  CHECK(Run(kFox, options).status.ok());
  const Outcome tampered = Run(kFox + ".", options);
  CHECK(CodeOf(tampered.status) == ErrorCode::kXAmzContentSHA256Mismatch);
  CHECK(tampered.data == kFox + ".");  // bytes flow, but the end is an error, never a clean 0
  options.auth.payload_sha256_hex = "not hex";
  StringBody body(kFox);
  CHECK(CodeOf(Payload::Create(body, options).status()) == ErrorCode::kInvalidArgument);
}

TEST_CASE("Payload: Content-MD5", "[s3][payload]") {
  PayloadOptions options;
  options.content_md5_base64 = "nhB9nTcrtoJr2B01QqQZ1g==";  // MD5 of kFox
  CHECK(Run(kFox, options).status.ok());
  CHECK(CodeOf(Run(kFox + "!", options).status) == ErrorCode::kBadDigest);
  for (std::string bad : {"nhB9nTcrtoJr2B01QqQZ1g", "nhB9nTcrtoJr2B01QqQZ", "not base64!", "",
                          "nhB9nTcrtoJr2B01QqQZ1gAA"}) {
    INFO("Content-MD5=" << bad);
    options.content_md5_base64 = bad;
    StringBody body(kFox);
    absl::StatusOr<std::unique_ptr<Payload>> payload = Payload::Create(body, options);
    if (bad == "nhB9nTcrtoJr2B01QqQZ1g") {  // unpadded but well-formed
      CHECK(payload.ok());
    } else {
      CHECK(CodeOf(payload.status()) == ErrorCode::kInvalidDigest);
    }
  }
}

TEST_CASE("Payload: the body length must match the declared length", "[s3][payload]") {
  PayloadOptions options;
  options.decoded_length = kFox.size() + 1;
  CHECK(CodeOf(Run(kFox, options).status) == ErrorCode::kIncompleteBody);
  options.decoded_length = kFox.size() - 1;
  CHECK(CodeOf(Run(kFox, options).status) == ErrorCode::kInvalidRequest);
  options.decoded_length = 0;
  CHECK(CodeOf(Run("x", options).status) == ErrorCode::kInvalidRequest);
}

TEST_CASE("Payload: size limits", "[s3][payload]") {
  PayloadOptions options;
  options.max_length = 10;
  CHECK(CodeOf(Run(kFox, options).status) == ErrorCode::kEntityTooLarge);
  options.decoded_length = 11;
  StringBody body(kFox);
  CHECK(CodeOf(Payload::Create(body, options).status()) == ErrorCode::kEntityTooLarge);
  options.decoded_length = 10;
  CHECK(Run(kFox.substr(0, 10), options).status.ok());
}

TEST_CASE("Payload: x-amz-checksum-* headers are verified and exposed", "[s3][payload]") {
  for (ChecksumAlgorithm algorithm :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
        ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256}) {
    const std::string name(ChecksumAlgorithmName(algorithm));
    INFO("algorithm=" << name);
    PayloadOptions options;
    options.checksum_headers[name] = Digest(algorithm, kFox);
    const Outcome outcome = Run(kFox, options, 3);
    REQUIRE(outcome.status.ok());
    CHECK(outcome.checksums == std::map<std::string, std::string>{{name, Digest(algorithm, kFox)}});
    CHECK(CodeOf(Run(kFox + " ", options).status) == ErrorCode::kBadDigest);
    options.checksum_headers[name] = Digest(algorithm, kFox).substr(4);
    StringBody body(kFox);
    CHECK(CodeOf(Payload::Create(body, options).status()) == ErrorCode::kInvalidRequest);
  }
  PayloadOptions options;
  options.checksum_headers["md4"] = "AAAAAA==";
  StringBody body(kFox);
  CHECK(CodeOf(Payload::Create(body, options).status()) == ErrorCode::kInvalidRequest);
  options.checksum_headers = {{"crc32", "!!!!"}};
  CHECK(CodeOf(Payload::Create(body, options).status()) == ErrorCode::kInvalidRequest);
}

TEST_CASE("Payload: the raw body's errors surface and stick", "[s3][payload]") {
  StringBody body(kFox, 7, absl::UnavailableError("client went away"));
  absl::StatusOr<std::unique_ptr<Payload>> payload = Payload::Create(body, PayloadOptions{});
  REQUIRE(payload.ok());
  const Outcome outcome = ReadAll(**payload, 100);
  CHECK(outcome.status.code() == absl::StatusCode::kUnavailable);
  CHECK(outcome.data == kFox);
}

TEST_CASE("Payload: the AWS multiple-chunk example decodes at every buffer size", "[s3][payload]") {
  const std::string data(66560, 'a');
  const std::string raw = absl::StrCat(
      "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a"
      "288648\r\n",
      std::string(65536, 'a'),
      "\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a5"
      "03ef5497\r\n",
      std::string(1024, 'a'),
      "\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d"
      "449df9\r\n\r\n");
  REQUIRE(raw.size() == 66824);  // the example's Content-Length
  CHECK(Encode(data, {65536}, StreamingAuth(PayloadMode::kStreamingSigned)) == raw);
  for (size_t buffer_size : {size_t{1}, size_t{7}, size_t{4096}, size_t{1} << 20}) {
    for (size_t max_read : {size_t{1}, size_t{13}, size_t{1000}, SIZE_MAX}) {
      if (buffer_size == 1 && max_read > 13) continue;  // slow and adds nothing
      INFO("buffer=" << buffer_size << " max_read=" << max_read);
      const Outcome outcome =
          Run(raw, ChunkedOptions(PayloadMode::kStreamingSigned, 66560), buffer_size, max_read);
      REQUIRE(outcome.status.ok());
      CHECK(outcome.data == data);
      CHECK(outcome.md5_hex == Md5Hex(data));
    }
  }
}

std::string DocTrailerBody(bool blank_line_before_trailer) {
  return absl::StrCat(
      "10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n",
      std::string(65536, 'a'),
      "\r\n400;chunk-signature="
      "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n",
      std::string(1024, 'a'),
      "\r\n0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n",
      blank_line_before_trailer ? "\r\n" : "", "x-amz-checksum-crc32c:sOO8/Q==\r\n",
      "x-amz-trailer-signature:"
      "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n",
      "\r\n");
}

TEST_CASE("Payload: the AWS trailing-header example decodes and verifies its CRC32C",
          "[s3][payload]") {
  for (bool blank_line : {false, true}) {
    INFO("blank line before the trailer: " << blank_line);
    PayloadOptions options =
        ChunkedOptions(PayloadMode::kStreamingSignedTrailer, 66560, kDocTrailerSeed);
    options.trailer_header = "x-amz-checksum-crc32c";
    const Outcome outcome = Run(DocTrailerBody(blank_line), options, 10000, 777);
    REQUIRE(outcome.status.ok());
    CHECK(outcome.data == std::string(66560, 'a'));
    CHECK(outcome.checksums == std::map<std::string, std::string>{{"crc32c", "sOO8/Q=="}});
  }
  PayloadOptions options =
      ChunkedOptions(PayloadMode::kStreamingSignedTrailer, 66560, kDocTrailerSeed);
  options.trailer_header = "x-amz-checksum-crc32c";
  // A different (even correct-looking) checksum breaks the trailer signature.
  const std::string other = absl::StrReplaceAll(DocTrailerBody(false), {{"sOO8/Q==", "sOO8/A=="}});
  CHECK(CodeOf(Run(other, options).status) == ErrorCode::kSignatureDoesNotMatch);
  const std::string bad_signature =
      absl::StrReplaceAll(DocTrailerBody(false), {{":d81f82fc", ":d81f82fd"}});
  CHECK(CodeOf(Run(bad_signature, options).status) == ErrorCode::kSignatureDoesNotMatch);
  const std::string no_signature =
      absl::StrReplaceAll(DocTrailerBody(false),
                          {{"x-amz-trailer-signature:"
                            "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n",
                            ""}});
  CHECK(CodeOf(Run(no_signature, options).status) == ErrorCode::kSignatureDoesNotMatch);
}

TEST_CASE("Payload: chunk signatures are checked", "[s3][payload]") {
  std::mt19937_64 rng(7);
  const std::string data = RandomData(rng, 3000);
  const AuthContext auth = StreamingAuth(PayloadMode::kStreamingSigned);
  const std::string raw = Encode(data, {1000, 1000}, auth);
  const PayloadOptions options = ChunkedOptions(PayloadMode::kStreamingSigned, data.size());
  REQUIRE(Run(raw, options).status.ok());

  SECTION("a wrong signature on any chunk, the final one included") {
    size_t at = 0;
    int chunks = 0;
    while ((at = raw.find("chunk-signature=", at)) != std::string::npos) {
      std::string bad = raw;
      at += 16;
      bad[at] = bad[at] == 'a' ? 'b' : 'a';
      INFO("chunk " << chunks);
      CHECK(CodeOf(Run(bad, options).status) == ErrorCode::kSignatureDoesNotMatch);
      ++chunks;
    }
    CHECK(chunks == 4);
  }
  SECTION("a flipped data byte") {
    std::string bad = raw;
    bad[raw.find("\r\n") + 500] ^= 1;
    CHECK(CodeOf(Run(bad, options).status) == ErrorCode::kSignatureDoesNotMatch);
  }
  SECTION("a different seed (another request's signature)") {
    PayloadOptions other = options;
    other.auth.seed_signature = std::string(64, '0');
    CHECK(CodeOf(Run(raw, other).status) == ErrorCode::kSignatureDoesNotMatch);
  }
  SECTION("a missing or malformed chunk-signature") {
    const size_t line_end = raw.find("\r\n");
    for (const std::string& header : std::vector<std::string>{
             "3e8", "3e8;chunk-signature=abc",
             "3e8;chunk-signature=", "3e8;chunk-sig=" + std::string(64, 'a')}) {
      INFO("header=" << header);
      CHECK(CodeOf(Run(header + raw.substr(line_end), options).status) ==
            ErrorCode::kSignatureDoesNotMatch);
    }
  }
  SECTION("chunks reordered") {
    // Both full chunks are 1000 bytes, so their frames have the same length.
    const size_t frame = raw.find("\r\n") + 2 + 1000 + 2;
    const std::string swapped =
        raw.substr(frame, frame) + raw.substr(0, frame) + raw.substr(2 * frame);
    REQUIRE(swapped.size() == raw.size());
    CHECK(CodeOf(Run(swapped, options).status) == ErrorCode::kSignatureDoesNotMatch);
  }
}

TEST_CASE("Payload: broken aws-chunked framing", "[s3][payload]") {
  const std::string data = "hello world, this is chunked";
  const PayloadOptions options =
      ChunkedOptions(PayloadMode::kStreamingUnsignedTrailer, data.size());
  REQUIRE(Run(Encode(data, {5}, options.auth), options).status.ok());
  const std::vector<std::pair<std::string, ErrorCode>> cases = {
      {"zz\r\nhello\r\n0\r\n\r\n", ErrorCode::kInvalidRequest},                 // bad hex
      {"\r\nhello\r\n0\r\n\r\n", ErrorCode::kInvalidRequest},                   // empty size
      {"-5\r\nhello\r\n0\r\n\r\n", ErrorCode::kInvalidRequest},                 // sign
      {"00000000000000005\r\nhello\r\n0\r\n\r\n", ErrorCode::kInvalidRequest},  // 17 digits
      {"1000000000000000\r\nhello", ErrorCode::kInvalidRequest},                // 2^60 bytes
      {"ffffffffffffffff\r\nhello", ErrorCode::kInvalidRequest},                // 2^64 - 1
      {"1d\r\n" + data + "!\r\n0\r\n\r\n", ErrorCode::kInvalidRequest},         // past decoded
      {"5\r\nhello world\r\n0\r\n\r\n", ErrorCode::kInvalidRequest},            // data too long
      {"5\r\nhelloXX\r\n", ErrorCode::kInvalidRequest},                         // no CRLF after
      {"5 \r\nhello\r\n", ErrorCode::kInvalidRequest},                          // space in size
      {std::string(5000, '1'), ErrorCode::kInvalidRequest},                     // endless line
      {"5\r\nhel", ErrorCode::kIncompleteBody},                                 // truncated data
      {"5\r\nhello", ErrorCode::kIncompleteBody},                               // no CRLF
      {"5\r\nhello\r\n", ErrorCode::kIncompleteBody},                           // no final chunk
      {"1c\r\n" + data + "\r\n0\r\nx-amz-checksum-crc32", ErrorCode::kIncompleteBody},
      {"1c\r\n" + data + "\r\n0\r\nbad trailer line\r\n\r\n", ErrorCode::kInvalidRequest},
      {"1c\r\n" + data + "\r\n0\r\n\r\n\r\ntrailing junk", ErrorCode::kInvalidRequest},
  };
  for (const auto& [raw, code] : cases) {
    INFO("raw=" << raw.substr(0, 60));
    CHECK(CodeOf(Run(raw, options).status) == code);
  }
  PayloadOptions missing_length = options;
  missing_length.decoded_length.reset();
  StringBody body("0\r\n\r\n");
  CHECK(CodeOf(Payload::Create(body, missing_length).status()) == ErrorCode::kMissingContentLength);
}

TEST_CASE("Payload: a huge chunk-size line allocates nothing", "[s3][payload]") {
  // 1 TiB declared, a first chunk claiming 512 GiB, then the body ends: the
  // decoder streams what arrives into the caller's buffer and reports the
  // truncation, without reserving anything for the claimed size.
  const PayloadOptions options =
      ChunkedOptions(PayloadMode::kStreamingUnsignedTrailer, uint64_t{1} << 40);
  const Outcome outcome = Run("8000000000\r\nonly a few bytes", options);
  CHECK(CodeOf(outcome.status) == ErrorCode::kIncompleteBody);
  CHECK(outcome.data == "only a few bytes");
}

TEST_CASE("Payload: the decoded length must match x-amz-decoded-content-length", "[s3][payload]") {
  const std::string data(1000, 'x');
  const AuthContext auth = StreamingAuth(PayloadMode::kStreamingSigned);
  const std::string raw = Encode(data, {300}, auth);
  CHECK(CodeOf(Run(raw, ChunkedOptions(PayloadMode::kStreamingSigned, 1001)).status) ==
        ErrorCode::kIncompleteBody);
  CHECK(CodeOf(Run(raw, ChunkedOptions(PayloadMode::kStreamingSigned, 999)).status) ==
        ErrorCode::kInvalidRequest);
}

TEST_CASE("Payload: trailing checksums", "[s3][payload]") {
  const std::string data = "some object bytes";
  PayloadOptions options = ChunkedOptions(PayloadMode::kStreamingUnsignedTrailer, data.size());
  options.trailer_header = "x-amz-checksum-crc32";
  const std::string crc32 = Digest(ChecksumAlgorithm::kCrc32, data);
  const Outcome good =
      Run(Encode(data, {4}, options.auth, {{"x-amz-checksum-crc32", crc32}}), options);
  REQUIRE(good.status.ok());
  CHECK(good.checksums == std::map<std::string, std::string>{{"crc32", crc32}});

  CHECK(CodeOf(Run(Encode(data, {4}, options.auth, {{"x-amz-checksum-crc32", "AAAAAA=="}}), options)
                   .status) == ErrorCode::kBadDigest);
  CHECK(CodeOf(Run(Encode(data, {4}, options.auth), options).status) ==
        ErrorCode::kInvalidRequest);  // declared, never sent
  CHECK(CodeOf(Run(Encode(data, {4}, options.auth, {{"x-amz-checksum-crc32", "!!"}}), options)
                   .status) == ErrorCode::kInvalidRequest);
  CHECK(CodeOf(Run(Encode(data, {4}, options.auth,
                          {{"x-amz-checksum-crc32", crc32},
                           {"x-amz-checksum-sha1", Digest(ChecksumAlgorithm::kSha1, data)}}),
                   options)
                   .status) == ErrorCode::kInvalidRequest);  // sent, never declared
  PayloadOptions unknown = options;
  unknown.trailer_header = "x-amz-checksum-md4";
  StringBody body("");
  CHECK(CodeOf(Payload::Create(body, unknown).status()) == ErrorCode::kInvalidRequest);

  // Clients that stop after the trailer lines, without the final empty line.
  std::string no_final_line = Encode(data, {4}, options.auth, {{"x-amz-checksum-crc32", crc32}});
  no_final_line.resize(no_final_line.size() - 2);
  CHECK(Run(no_final_line, options).status.ok());
}

TEST_CASE("Payload: Content-MD5 with an aws-chunked body", "[s3][payload]") {
  PayloadOptions options = ChunkedOptions(PayloadMode::kStreamingSigned, kFox.size());
  options.content_md5_base64 = "nhB9nTcrtoJr2B01QqQZ1g==";
  CHECK(Run(Encode(kFox, {10}, options.auth), options).status.ok());
  options.content_md5_base64 = "AAAAAAAAAAAAAAAAAAAAAA==";
  CHECK(CodeOf(Run(Encode(kFox, {10}, options.auth), options).status) == ErrorCode::kBadDigest);
}

TEST_CASE("Payload: a truncated aws-chunked body never ends cleanly", "[s3][payload]") {
  const std::string data = "0123456789abcdefghij";
  for (PayloadMode mode : {PayloadMode::kStreamingSigned, PayloadMode::kStreamingSignedTrailer,
                           PayloadMode::kStreamingUnsignedTrailer}) {
    PayloadOptions options = ChunkedOptions(mode, data.size());
    std::vector<std::pair<std::string, std::string>> trailers;
    if (mode != PayloadMode::kStreamingSigned) {
      options.trailer_header = "x-amz-checksum-crc64nvme";
      trailers = {{"x-amz-checksum-crc64nvme", Digest(ChecksumAlgorithm::kCrc64Nvme, data)}};
    }
    const std::string raw = Encode(data, {7, 7}, options.auth, trailers);
    // Bodies missing only their final empty line are accepted (see above).
    const size_t complete = raw.size() - 2;
    for (size_t cut = 0; cut < complete; ++cut) {
      INFO("mode=" << static_cast<int>(mode) << " cut=" << cut);
      const Outcome outcome = Run(raw.substr(0, cut), options, 1, 1);
      CHECK_FALSE(outcome.status.ok());
    }
    CHECK(Run(raw.substr(0, complete), options, 1, 1).status.ok());
    CHECK(Run(raw, options, 1, 1).status.ok());
  }
}

TEST_CASE("Payload: random aws-chunked bodies round-trip at every framing", "[s3][payload]") {
  const uint64_t seed = GENERATE(1, 2, 3, 4, 5, 6, 7, 8);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  const PayloadMode mode =
      std::array{PayloadMode::kStreamingSigned, PayloadMode::kStreamingSignedTrailer,
                 PayloadMode::kStreamingUnsignedTrailer}[seed % 3];
  const std::string data = RandomData(rng, rng() % 200000);
  std::vector<size_t> sizes;
  for (int i = 0; i < 20; ++i) sizes.push_back(1 + rng() % 30000);
  PayloadOptions options = ChunkedOptions(mode, data.size());
  std::vector<std::pair<std::string, std::string>> trailers;
  if (mode != PayloadMode::kStreamingSigned) {
    options.trailer_header = "x-amz-checksum-crc32c, x-amz-checksum-sha256";
    trailers = {{"x-amz-checksum-crc32c", Digest(ChecksumAlgorithm::kCrc32c, data)},
                {"x-amz-checksum-sha256", Digest(ChecksumAlgorithm::kSha256, data)}};
  }
  options.checksum_headers["crc64nvme"] = Digest(ChecksumAlgorithm::kCrc64Nvme, data);
  const size_t buffer_size = 1 + rng() % 70000;
  const size_t max_read = 1 + rng() % 70000;
  INFO("mode=" << static_cast<int>(mode) << " size=" << data.size() << " buffer=" << buffer_size
               << " max_read=" << max_read);
  const Outcome outcome =
      Run(Encode(data, sizes, options.auth, trailers), options, buffer_size, max_read);
  REQUIRE(outcome.status.ok());
  CHECK(outcome.data == data);
  CHECK(outcome.checksums.size() == (mode == PayloadMode::kStreamingSigned ? 1u : 3u));
}

TEST_CASE("Payload: one-byte reads see every boundary of a small chunked body", "[s3][payload]") {
  const std::string data = "abcdefghijklmnopqrstuvwxyz";
  for (PayloadMode mode : {PayloadMode::kStreamingSigned, PayloadMode::kStreamingSignedTrailer,
                           PayloadMode::kStreamingUnsignedTrailer}) {
    for (size_t first = 1; first <= data.size(); ++first) {
      INFO("mode=" << static_cast<int>(mode) << " first chunk=" << first);
      PayloadOptions options = ChunkedOptions(mode, data.size());
      std::vector<std::pair<std::string, std::string>> trailers;
      if (mode != PayloadMode::kStreamingSigned) {
        options.trailer_header = "x-amz-checksum-crc32";
        trailers = {{"x-amz-checksum-crc32", Digest(ChecksumAlgorithm::kCrc32, data)}};
      }
      const Outcome outcome = Run(Encode(data, {first, 3}, options.auth, trailers), options, 1, 1);
      REQUIRE(outcome.status.ok());
      CHECK(outcome.data == data);
    }
  }
}

}  // namespace
}  // namespace hamster::s3
