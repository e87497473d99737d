#include "src/aws_chunked.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "hamster/s3/errors.h"
#include "hamster/s3/sigv4.h"
#include "src/sigv4_internal.h"

namespace hamster::s3 {
namespace {

// A chunk header with extensions or one trailer line; real ones are < 200.
constexpr size_t kMaxLineBytes = 4096;
constexpr size_t kMaxTrailerBytes = 16 * 1024;
// Line endings some clients leave after the last line are accepted, up to this.
constexpr size_t kMaxTrailingLineEndBytes = 64;

absl::string_view AbslView(std::string_view text) { return {text.data(), text.size()}; }

absl::Status Framing(std::string_view why) {
  return Error(ErrorCode::kInvalidRequest, absl::StrCat("aws-chunked body: ", AbslView(why)));
}

absl::Status Truncated(std::string_view where) {
  return Error(ErrorCode::kIncompleteBody,
               absl::StrCat("The request body ended ", AbslView(where)));
}

uint64_t ParseHex(std::string_view text) {
  uint64_t value = 0;
  for (char c : text) {
    const int digit = absl::ascii_isdigit(static_cast<unsigned char>(c))
                          ? c - '0'
                          : absl::ascii_tolower(static_cast<unsigned char>(c)) - 'a' + 10;
    value = (value << 4) | static_cast<uint64_t>(digit);
  }
  return value;
}

bool IsSignedMode(PayloadMode mode) {
  return mode == PayloadMode::kStreamingSigned || mode == PayloadMode::kStreamingSignedTrailer;
}

bool IsTrailerMode(PayloadMode mode) {
  return mode == PayloadMode::kStreamingSignedTrailer ||
         mode == PayloadMode::kStreamingUnsignedTrailer;
}

}  // namespace

AwsChunkedReader::AwsChunkedReader(BodyReader& raw, const AuthContext& auth,
                                   uint64_t decoded_length)
    : raw_(raw),
      chunks_signed_(IsSignedMode(auth.payload_mode)),
      has_trailer_(IsTrailerMode(auth.payload_mode)),
      trailer_signed_(auth.payload_mode == PayloadMode::kStreamingSignedTrailer),
      signing_key_(auth.signing_key),
      amz_date_(auth.amz_date),
      scope_(auth.scope),
      previous_signature_(auth.seed_signature),
      undelivered_bytes_(decoded_length) {
  if (chunks_signed_) chunk_sha256_ = NewSha256Hasher();
}

absl::StatusOr<size_t> AwsChunkedReader::Read(std::span<uint8_t> buffer) {
  if (buffer.empty()) return absl::InvalidArgumentError("Read() needs a non-empty buffer");
  // Each pass consumes framing bytes from the raw body, so the loop ends.
  while (state_ != State::kDone) {
    if (state_ == State::kData) return ReadData(buffer);
    absl::Status status = Step();
    if (!status.ok()) return status;
  }
  return 0;
}

absl::StatusOr<size_t> AwsChunkedReader::ReadData(std::span<uint8_t> buffer) {
  const size_t wanted =
      static_cast<size_t>(std::min<uint64_t>(buffer.size(), chunk_remaining_bytes_));
  size_t got = 0;
  if (lookahead_begin_ < lookahead_end_) {
    got = std::min(wanted, lookahead_end_ - lookahead_begin_);
    std::memcpy(buffer.data(), lookahead_.data() + lookahead_begin_, got);
    lookahead_begin_ += got;
  } else {
    absl::StatusOr<size_t> read = raw_.Read(buffer.first(wanted));
    if (!read.ok()) return read.status();
    if (*read == 0) return Truncated("inside a chunk");
    got = std::min(*read, wanted);
  }
  if (chunk_sha256_ != nullptr) chunk_sha256_->Update(buffer.first(got));
  chunk_remaining_bytes_ -= got;
  undelivered_bytes_ -= got;
  if (chunk_remaining_bytes_ == 0) {
    if (chunks_signed_) {
      absl::Status verified = VerifyChunk(HexEncode(chunk_sha256_->Finish()));
      if (!verified.ok()) return verified;
    }
    state_ = State::kChunkEnd;
  }
  return got;
}

absl::Status AwsChunkedReader::Step() {
  if (state_ == State::kEnd) return ExpectEnd();
  absl::StatusOr<std::optional<std::string>> line = ReadLine();
  if (!line.ok()) return line.status();
  switch (state_) {
    case State::kChunkHeader:
      if (!line->has_value()) return Truncated("before the final chunk");
      return StartChunk(**line);
    case State::kChunkEnd:
      if (!line->has_value()) return Truncated("before the end of a chunk");
      if (!(*line)->empty()) return Framing("chunk data is longer than its declared size");
      state_ = State::kChunkHeader;
      return absl::OkStatus();
    case State::kFinalLine:
      // A body that stops right after the final chunk lacks only the empty
      // line; clients that do so are accepted.
      if (line->has_value() && !(*line)->empty()) {
        return Framing("unexpected data after the final chunk");
      }
      state_ = line->has_value() ? State::kEnd : State::kDone;
      return absl::OkStatus();
    case State::kTrailer:
      if (line->has_value() && !(*line)->empty()) return AddTrailerLine(**line);
      // AWS's documented example puts a blank line between the final chunk
      // and the trailer; one blank line before any trailer line is skipped.
      if (line->has_value() && trailers_.empty() && !trailer_signature_.has_value() &&
          !blank_line_before_trailer_) {
        blank_line_before_trailer_ = true;
        return absl::OkStatus();
      }
      state_ = line->has_value() ? State::kEnd : State::kDone;
      return FinishTrailer();
    case State::kData:
    case State::kEnd:
    case State::kDone:
      break;
  }
  return absl::InternalError("aws-chunked decoder stepped in a state without framing");
}

absl::Status AwsChunkedReader::StartChunk(std::string_view line) {
  const size_t semicolon = line.find(';');
  const std::string_view size_text = line.substr(0, semicolon);
  if (size_text.empty() || size_text.size() > 16 || !IsHex(size_text)) {
    return Framing(absl::StrCat("invalid chunk size line '", AbslView(line.substr(0, 64)), "'"));
  }
  const uint64_t size = ParseHex(size_text);
  if (chunks_signed_) {
    absl::string_view extension =
        semicolon == std::string_view::npos ? "" : AbslView(line.substr(semicolon + 1));
    if (!absl::ConsumePrefix(&extension, "chunk-signature=") || extension.size() != 64 ||
        !IsHex(std::string_view(extension.data(), extension.size()))) {
      return Error(ErrorCode::kSignatureDoesNotMatch, "a chunk lacks a valid chunk-signature");
    }
    chunk_signature_ = absl::AsciiStrToLower(extension);
  }
  if (size > undelivered_bytes_) {
    return Framing(absl::StrCat("a chunk of ", size, " bytes goes past the ", undelivered_bytes_,
                                " bytes x-amz-decoded-content-length leaves"));
  }
  if (size > 0) {
    chunk_remaining_bytes_ = size;
    if (chunk_sha256_ != nullptr) chunk_sha256_->Reset();
    state_ = State::kData;
    return absl::OkStatus();
  }
  state_ = has_trailer_ ? State::kTrailer : State::kFinalLine;
  return chunks_signed_ ? VerifyChunk(kEmptySha256Hex) : absl::OkStatus();
}

absl::Status AwsChunkedReader::VerifyChunk(std::string_view chunk_sha256_hex) {
  std::string expected = ChunkSignatureFromHash(signing_key_, amz_date_, scope_,
                                                previous_signature_, chunk_sha256_hex);
  if (!SignaturesEqual(expected, chunk_signature_)) {
    return Error(ErrorCode::kSignatureDoesNotMatch,
                 "The chunk signature we calculated does not match the one you provided.");
  }
  previous_signature_ = std::move(expected);
  return absl::OkStatus();
}

absl::Status AwsChunkedReader::AddTrailerLine(std::string_view line) {
  trailer_bytes_ += line.size() + 2;
  if (trailer_bytes_ > kMaxTrailerBytes) return Framing("the trailer is too large");
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Framing("a trailer line is not name:value");
  }
  std::string name =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(AbslView(line.substr(0, colon))));
  std::string value(absl::StripAsciiWhitespace(AbslView(line.substr(colon + 1))));
  if (name == "x-amz-trailer-signature") {
    if (trailer_signature_.has_value()) return Framing("x-amz-trailer-signature repeats");
    trailer_signature_ = std::move(value);
    return absl::OkStatus();
  }
  trailers_.emplace_back(std::move(name), std::move(value));
  return absl::OkStatus();
}

absl::Status AwsChunkedReader::FinishTrailer() {
  if (!trailer_signed_) return absl::OkStatus();
  // An empty trailer has nothing to authenticate; the payload check then
  // reports any checksum x-amz-trailer promised.
  if (!trailer_signature_.has_value()) {
    if (trailers_.empty()) return absl::OkStatus();
    return Error(ErrorCode::kSignatureDoesNotMatch, "the trailer has no x-amz-trailer-signature");
  }
  const std::string expected =
      TrailerSignature(signing_key_, amz_date_, scope_, previous_signature_, trailers_);
  if (!SignaturesEqual(expected, *trailer_signature_)) {
    return Error(ErrorCode::kSignatureDoesNotMatch,
                 "The trailer signature we calculated does not match the one you provided.");
  }
  return absl::OkStatus();
}

absl::Status AwsChunkedReader::ExpectEnd() {
  size_t line_end_bytes = 0;
  while (true) {
    for (; lookahead_begin_ < lookahead_end_; ++lookahead_begin_) {
      const uint8_t byte = lookahead_[lookahead_begin_];
      if ((byte != '\r' && byte != '\n') || ++line_end_bytes > kMaxTrailingLineEndBytes) {
        return Framing("unexpected bytes after the end of the payload");
      }
    }
    absl::StatusOr<bool> filled = Fill();
    if (!filled.ok()) return filled.status();
    if (!*filled) break;
  }
  state_ = State::kDone;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> AwsChunkedReader::ReadLine() {
  std::string line;
  while (true) {
    if (lookahead_begin_ == lookahead_end_) {
      absl::StatusOr<bool> filled = Fill();
      if (!filled.ok()) return filled.status();
      if (!*filled) {
        if (line.empty()) return std::optional<std::string>();
        return Truncated("inside a chunk header or trailer line");
      }
    }
    const uint8_t* begin = lookahead_.data() + lookahead_begin_;
    const size_t available = lookahead_end_ - lookahead_begin_;
    const auto* newline = static_cast<const uint8_t*>(std::memchr(begin, '\n', available));
    const size_t taken = newline != nullptr ? static_cast<size_t>(newline - begin) : available;
    if (line.size() + taken > kMaxLineBytes) return Framing("a line is too long");
    line.append(reinterpret_cast<const char*>(begin), taken);
    lookahead_begin_ += taken;
    if (newline == nullptr) continue;
    ++lookahead_begin_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return std::optional<std::string>(std::move(line));
  }
}

absl::StatusOr<bool> AwsChunkedReader::Fill() {
  absl::StatusOr<size_t> read = raw_.Read(std::span<uint8_t>(lookahead_));
  if (!read.ok()) return read.status();
  lookahead_begin_ = 0;
  lookahead_end_ = std::min(*read, lookahead_.size());
  return lookahead_end_ > 0;
}

}  // namespace hamster::s3
