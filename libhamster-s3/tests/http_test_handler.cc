#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "http_test_support.h"

namespace hamster::s3::testing {
namespace {

std::span<const uint8_t> AsBytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

uint64_t SizeParameter(std::string_view target) {
  const size_t at = target.find("size=");
  uint64_t size = 0;
  if (at == std::string_view::npos) return 0;
  std::string_view digits = target.substr(at + 5);
  digits = digits.substr(0, digits.find('&'));
  return absl::SimpleAtoi(absl::string_view(digits.data(), digits.size()), &size) ? size : 0;
}

// Answers `status` with `body` and a content length; the status of the
// response is the test's evidence, so failures here are not recorded.
void Answer(ResponseWriter& response, int status, std::string_view body) {
  if (!response.Start(status, {{"content-type", "text/plain"}}, body.size()).ok()) return;
  if (!response.Write(AsBytes(body)).ok()) return;
  response.Finish().IgnoreError();
}

}  // namespace

void TestHandler::Handle(const HttpRequest& request, BodyReader& body, ResponseWriter& response) {
  {
    std::lock_guard lock(mu_);
    requests_.push_back(request);
  }
  changed_.notify_all();
  const std::string_view target = request.target;
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/echo") return Echo(body, response);
  if (path == "/sink") return Sink(body, response);
  if (path == "/discard") return Discard(body, response);
  if (path == "/zeros") return Zeros(response, SizeParameter(target));
  if (path == "/reject") return Answer(response, 403, "denied");
  if (path == "/chunked") return SendPattern(response, SizeParameter(target), false);
  if (path == "/big") return SendPattern(response, SizeParameter(target), true);
  if (path == "/object") {
    if (request.method != "HEAD") return SendPattern(response, 12345, true);
    if (response.Start(200, {{"etag", "\"abc\""}}, 12345).ok()) response.Finish().IgnoreError();
    return;
  }
  if (path == "/nofinish") {
    if (response.Start(200, {}, 100).ok())
      response.Write(AsBytes(PatternBytes(0, 50))).IgnoreError();
    return;
  }
  if (path == "/nostart") return;
  if (path == "/block") return Block(response);
  if (path == "/stream") return Stream(response);
  if (path == "/misuse") return Misuse(response);
  Answer(response, 200, "ok");
}

void TestHandler::HandleTransportError(ErrorCode code, std::string_view message,
                                       ResponseWriter& response) {
  {
    std::lock_guard lock(mu_);
    transport_errors_.push_back(code);
  }
  changed_.notify_all();
  const std::string xml = absl::StrCat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>",
                                       std::string(ErrorCodeName(code)), "</Code><Message>",
                                       std::string(message), "</Message></Error>");
  if (!response.Start(HttpStatusOf(code), {{"content-type", "application/xml"}}, xml.size()).ok()) {
    return;
  }
  if (response.Write(AsBytes(xml)).ok()) response.Finish().IgnoreError();
}

void TestHandler::Echo(BodyReader& body, ResponseWriter& response) {
  std::string received;
  // An odd size, so reads end in the middle of chunks and pipelined heads.
  std::vector<uint8_t> buffer(7001);
  for (;;) {
    absl::StatusOr<size_t> count = body.Read(buffer);
    if (!count.ok()) {
      {
        std::lock_guard lock(mu_);
        body_errors_.push_back(count.status());
      }
      changed_.notify_all();
      return Answer(response,
                    HttpStatusOf(ErrorCodeOf(count.status()).value_or(ErrorCode::kInternalError)),
                    count.status().ToString());
    }
    if (*count == 0) break;
    received.append(reinterpret_cast<const char*>(buffer.data()), *count);
  }
  Answer(response, 200, received);
}

void TestHandler::Sink(BodyReader& body, ResponseWriter& response) {
  std::vector<uint8_t> buffer(1 << 20);
  uint64_t offset = 0;
  for (;;) {
    absl::StatusOr<size_t> count = body.Read(buffer);
    if (!count.ok()) return Answer(response, 400, count.status().ToString());
    if (*count == 0) break;
    for (size_t i = 0; i < *count; ++i) {
      if (buffer[i] != PatternByte(offset + i)) {
        return Answer(response, 400, absl::StrCat("pattern mismatch at ", offset + i));
      }
    }
    offset += *count;
  }
  Answer(response, 200, absl::StrCat(offset));
}

void TestHandler::Discard(BodyReader& body, ResponseWriter& response) {
  // Not zeroed, so a benchmark of small requests measures the transport
  // rather than clearing 1 MiB per request.
  constexpr size_t kBufferBytes = 1 << 20;
  const std::unique_ptr<uint8_t[]> buffer = std::make_unique_for_overwrite<uint8_t[]>(kBufferBytes);
  uint64_t total = 0;
  for (;;) {
    absl::StatusOr<size_t> count = body.Read(std::span<uint8_t>(buffer.get(), kBufferBytes));
    if (!count.ok()) return Answer(response, 400, count.status().ToString());
    if (*count == 0) break;
    total += *count;
  }
  Answer(response, 200, absl::StrCat(total));
}

void TestHandler::Zeros(ResponseWriter& response, uint64_t size) {
  static const std::vector<uint8_t> zeros(1 << 20, 0);
  if (!response.Start(200, {}, size).ok()) return;
  for (uint64_t offset = 0; offset < size; offset += zeros.size()) {
    const size_t piece = static_cast<size_t>(std::min<uint64_t>(zeros.size(), size - offset));
    absl::Status written = response.Write(std::span<const uint8_t>(zeros.data(), piece));
    if (!written.ok()) return RecordWrite(written);
  }
  absl::Status finished = response.Finish();
  if (!finished.ok()) RecordWrite(finished);
}

void TestHandler::SendPattern(ResponseWriter& response, uint64_t size, bool with_length) {
  const std::optional<uint64_t> length = with_length ? std::optional<uint64_t>(size) : std::nullopt;
  if (!response.Start(200, {}, length).ok()) return;
  // Small pieces for chunked responses, so there are many chunks.
  const size_t piece = with_length ? 256 * 1024 : 10000;
  for (uint64_t offset = 0; offset < size; offset += piece) {
    const std::string bytes = PatternBytes(offset, std::min<uint64_t>(piece, size - offset));
    absl::Status written = response.Write(AsBytes(bytes));
    if (!written.ok()) return RecordWrite(written);
  }
  absl::Status finished = response.Finish();
  if (!finished.ok()) RecordWrite(finished);
}

void TestHandler::Block(ResponseWriter& response) {
  {
    std::unique_lock lock(mu_);
    ++blocked_;
    max_blocked_ = std::max(max_blocked_, blocked_);
    changed_.notify_all();
    changed_.wait(lock, [this] { return released_; });
    --blocked_;
  }
  Answer(response, 200, "done");
}

void TestHandler::Stream(ResponseWriter& response) {
  if (!response.Start(200, {}, std::nullopt).ok()) return;
  const std::string piece = PatternBytes(0, 1024);
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (absl::Now() < give_up) {
    absl::Status written = response.Write(AsBytes(piece));
    if (!written.ok()) return RecordWrite(written);
    absl::SleepFor(absl::Milliseconds(10));
  }
  response.Finish().IgnoreError();  // the test fails on the missing write error
}

void TestHandler::Misuse(ResponseWriter& response) {
  std::vector<absl::Status> results;
  results.push_back(response.Start(99, {}, 0));
  results.push_back(response.Start(200, {{"x-bad", "a\r\nb"}}, 0));
  results.push_back(response.Start(200, {{"content-length", "5"}}, 0));
  results.push_back(response.Start(200, {{"bad name", "x"}}, 0));
  results.push_back(response.Write(AsBytes("early")));
  results.push_back(response.Start(200, {{"x-ok", "1"}}, 4));
  results.push_back(response.Start(200, {}, 4));
  results.push_back(response.Write(AsBytes("abcdef")));
  results.push_back(response.Write(AsBytes("ab")));
  results.push_back(response.Finish());
  results.push_back(response.Write(AsBytes("cd")));
  results.push_back(response.Finish());
  results.push_back(response.Finish());
  results.push_back(response.Write(AsBytes("late")));
  std::lock_guard lock(mu_);
  misuse_results_ = std::move(results);
  changed_.notify_all();
}

void TestHandler::RecordWrite(const absl::Status& status) {
  std::lock_guard lock(mu_);
  write_errors_.push_back(status);
  changed_.notify_all();
}

void TestHandler::Release() {
  std::lock_guard lock(mu_);
  released_ = true;
  changed_.notify_all();
}

bool TestHandler::Await(const std::function<bool()>& done, absl::Duration within) {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, absl::ToChronoMilliseconds(within), done);
}

bool TestHandler::AwaitBlocked(int count, absl::Duration within) {
  return Await([this, count] { return blocked_ >= count; }, within);
}

bool TestHandler::AwaitWriteError(absl::Duration within) {
  return Await([this] { return !write_errors_.empty(); }, within);
}

bool TestHandler::AwaitBodyError(absl::Duration within) {
  return Await([this] { return !body_errors_.empty(); }, within);
}

bool TestHandler::AwaitTransportError(absl::Duration within) {
  return Await([this] { return !transport_errors_.empty(); }, within);
}

std::vector<HttpRequest> TestHandler::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::vector<ErrorCode> TestHandler::transport_errors() const {
  std::lock_guard lock(mu_);
  return transport_errors_;
}

std::vector<absl::Status> TestHandler::body_errors() const {
  std::lock_guard lock(mu_);
  return body_errors_;
}

std::vector<absl::Status> TestHandler::write_errors() const {
  std::lock_guard lock(mu_);
  return write_errors_;
}

std::vector<absl::Status> TestHandler::misuse_results() const {
  std::lock_guard lock(mu_);
  return misuse_results_;
}

int TestHandler::max_blocked() const {
  std::lock_guard lock(mu_);
  return max_blocked_;
}

}  // namespace hamster::s3::testing
