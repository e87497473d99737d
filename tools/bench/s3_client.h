#ifndef HAMSTER_TOOLS_BENCH_S3_CLIENT_H_
#define HAMSTER_TOOLS_BENCH_S3_CLIENT_H_

// The S3 client of `hamster-bench s3`: plain HTTP/1.1 over one blocking,
// keep-alive TCP connection, each request signed with SigV4 (hamster/s3/sigv4.h)
// as UNSIGNED-PAYLOAD, so the client never hashes a body and its CPU stays out
// of the measurement as far as possible. Request bodies are streamed from a
// caller's buffer, repeated cyclically, and response bodies are read through a
// reusable buffer owned by the connection: nothing is allocated per byte moved.
//
// Thread safety: an S3Connection is used by one thread at a time; the body
// source it is given is only read, so one source can feed many connections.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/s3/sigv4.h"

namespace hamster::bench {

// Where the server listens: "http://HOST:PORT" (HTTPS is not supported).
struct Endpoint {
  std::string host;
  uint16_t port = 80;
  std::string host_header;  // HOST:PORT as sent in Host (and signed)
};

// Returns InvalidArgument unless `url` is http://HOST[:PORT][/].
absl::StatusOr<Endpoint> ParseEndpoint(std::string_view url);

// A request body: `size_bytes` bytes, byte i being source[(offset + i) % source.size()].
struct CyclicBody {
  std::span<const uint8_t> source;  // must outlive the request; non-empty if size_bytes > 0
  uint64_t offset = 0;
  uint64_t size_bytes = 0;

  uint8_t At(uint64_t i) const { return source[(offset + i) % source.size()]; }
};

// Receives a response body as it arrives, in pieces of at most the
// connection's buffer size.
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual void Consume(std::span<const uint8_t> bytes) = 0;
};

struct S3Request {
  std::string method;
  std::string path;   // percent-encoded, e.g. "/bucket/key"
  std::string query;  // raw query without '?', values already percent-encoded
  CyclicBody body;
  std::string server_side_encryption;  // x-amz-server-side-encryption, signed; empty: none
  BodySink* sink = nullptr;            // receives a 2xx response body; nullptr: discarded
  size_t keep_body_bytes = 512;        // how much of the body to keep in S3Response::body
};

struct S3Response {
  int status = 0;
  uint64_t body_bytes = 0;  // body bytes received (0 for HEAD)
  std::string body;         // the first keep_body_bytes bytes of the body
  std::string etag;
  std::string server_side_encryption;  // the response's x-amz-server-side-encryption
};

class S3Connection {
 public:
  // Connects lazily, on the first request. `receive_buffer_bytes` bounds the
  // pieces a BodySink sees.
  S3Connection(Endpoint endpoint, s3::SigningCredentials credentials,
               size_t receive_buffer_bytes = 1 << 20);
  ~S3Connection();
  S3Connection(const S3Connection&) = delete;
  S3Connection& operator=(const S3Connection&) = delete;

  // Sends `request` and reads the whole response. Any HTTP status is a
  // response; kUnavailable means the connection failed (refused, reset,
  // timed out, or a malformed response), after which the connection is
  // closed and the next call reconnects.
  absl::StatusOr<S3Response> Execute(const S3Request& request);

  // Execute, and an error unless the HTTP status is one of `accepted`
  // (empty: any 2xx): kNotFound for 404, kUnavailable for 5xx, else
  // kFailedPrecondition, with a message naming the request, the status and
  // the start of the S3 error XML.
  absl::StatusOr<S3Response> ExecuteExpecting(const S3Request& request,
                                              std::vector<int> accepted = {});

  void Close();

 private:
  class Reader;

  absl::Status Connect();
  std::string RequestHead(const S3Request& request);
  absl::Status SendRequest(const S3Request& request);
  absl::Status ReadResponse(const S3Request& request, S3Response& response);
  absl::Status ReadBody(Reader& reader, const S3Request& request, uint64_t length,
                        S3Response& response);
  absl::Status ReadChunkedBody(Reader& reader, const S3Request& request, S3Response& response);
  std::string Authorization(const s3::RequestToSign& request, const std::string& amz_date);

  Endpoint endpoint_;
  s3::SigningCredentials credentials_;
  std::vector<uint8_t> receive_buffer_;
  size_t buffered_begin_ = 0;  // unread bytes of receive_buffer_ are [begin, end)
  size_t buffered_end_ = 0;
  int socket_ = -1;
  bool close_after_response_ = false;
  // The derived signing key of `signing_date_` (yyyymmdd): HMAC chains are
  // computed once a day, not per request.
  std::string signing_date_;
  std::string signing_key_;
  bool signature_checked_ = false;
};

}  // namespace hamster::bench

#endif  // HAMSTER_TOOLS_BENCH_S3_CLIENT_H_
