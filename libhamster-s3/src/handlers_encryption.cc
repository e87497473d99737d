// Encryption at rest: a bucket's default encryption (?encryption).
#include "hamster/s3/errors.h"
#include "src/handler_context.h"
#include "src/sse.h"

namespace hamster::s3 {
namespace {

constexpr size_t kMaxEncryptionDocumentBytes = 64 * 1024;

}  // namespace

absl::Status GetBucketEncryption(HandlerContext& context) {
  absl::StatusOr<BucketEncryption> encryption =
      context.backend.GetBucketEncryption(context.bucket());
  if (!encryption.ok()) return encryption.status();
  return SendXml(context, 200, BucketEncryptionXml(*encryption));
}

absl::Status PutBucketEncryption(HandlerContext& context) {
  absl::StatusOr<std::string> body = ReadSmallBody(context, kMaxEncryptionDocumentBytes);
  if (!body.ok()) return body.status();
  absl::StatusOr<BucketEncryption> encryption = ParseBucketEncryption(*body);
  if (!encryption.ok()) return encryption.status();
  absl::Status stored = context.backend.PutBucketEncryption(context.bucket(), *encryption);
  if (!stored.ok()) return stored;
  return SendEmpty(context, 200);
}

absl::Status DeleteBucketEncryption(HandlerContext& context) {
  absl::Status deleted = context.backend.DeleteBucketEncryption(context.bucket());
  if (!deleted.ok()) return deleted;
  return SendEmpty(context, 204);
}

}  // namespace hamster::s3
