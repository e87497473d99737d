// Object lock: Put/GetObjectLockConfiguration, Put/GetObjectRetention,
// Put/GetObjectLegalHold, and the x-amz-object-lock-* and version headers
// the object handlers share. Enforcement is not here: the Backend's commit
// point refuses what object lock forbids (invariant 4), so no path through
// this service can bypass it.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "hamster/s3/errors.h"
#include "src/handler_context.h"
#include "src/strings.h"
#include "src/versioning_xml.h"
#include "src/xml.h"

namespace hamster::s3 {
namespace {

constexpr size_t kMaxConfigurationBytes = 64 * 1024;

std::optional<std::string> VersionIdQuery(const HandlerContext& context) {
  if (!context.HasQuery("versionId")) return std::nullopt;
  return context.Query("versionId");
}

absl::Status RequireBodyIntegrity(const HandlerContext& context, std::string_view operation) {
  if (HasIntegrityHeader(context)) return absl::OkStatus();
  return Error(
      ErrorCode::kInvalidRequest,
      Cat("Content-MD5 OR x-amz-checksum- HTTP header is required for ", operation, " requests"));
}

}  // namespace

bool HasIntegrityHeader(const HandlerContext& context) {
  bool found =
      context.Header("content-md5").has_value() || context.Header("x-amz-trailer").has_value();
  for (const HttpHeader& header : context.http.headers) {
    found = found || header.name.starts_with("x-amz-checksum-");
  }
  return found;
}

bool HasObjectLockHeaders(const HandlerContext& context) {
  return context.Header("x-amz-object-lock-mode").has_value() ||
         context.Header("x-amz-object-lock-retain-until-date").has_value() ||
         context.Header("x-amz-object-lock-legal-hold").has_value();
}

absl::Status ObjectLockFromHeaders(const HandlerContext& context, ObjectRetention* retention,
                                   LegalHold* legal_hold) {
  std::optional<std::string> mode = context.Header("x-amz-object-lock-mode");
  std::optional<std::string> until = context.Header("x-amz-object-lock-retain-until-date");
  if (mode.has_value() != until.has_value()) {
    return Error(ErrorCode::kInvalidArgument,
                 "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be "
                 "supplied");
  }
  if (mode.has_value()) {
    std::optional<RetentionMode> parsed_mode = ParseRetentionMode(*mode);
    if (!parsed_mode) return Error(ErrorCode::kInvalidArgument, "Unknown wormMode directive.");
    std::optional<absl::Time> parsed_until = ParseIsoTime(*until);
    if (!parsed_until) {
      return Error(ErrorCode::kInvalidArgument,
                   "The retain until date must be provided in ISO 8601 format");
    }
    *retention = ObjectRetention{.mode = *parsed_mode, .retain_until = *parsed_until};
  }
  if (std::optional<std::string> hold = context.Header("x-amz-object-lock-legal-hold")) {
    if (*hold != "ON" && *hold != "OFF") {
      return Error(ErrorCode::kInvalidArgument, "Legal Hold must be either of 'ON' or 'OFF'");
    }
    *legal_hold = *hold == "ON" ? LegalHold::kOn : LegalHold::kOff;
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> BypassGovernanceRetention(HandlerContext& context) {
  std::optional<std::string> header = context.Header("x-amz-bypass-governance-retention");
  if (!header.has_value() || !absl::EqualsIgnoreCase(ToAbsl(*header), "true")) return false;
  // The permission to bypass: owning the bucket (every credential is the
  // root owner today; docs/versioning-and-lock.md).
  absl::StatusOr<BucketInfo> bucket = context.backend.GetBucket(context.bucket());
  if (!bucket.ok()) return bucket.status();
  return bucket->owner == context.auth.access_key_id;
}

void AppendVersionHeaders(const ObjectInfo& info, std::vector<HttpHeader>& headers) {
  if (!info.version_id.empty() && info.version_id != "null") {
    headers.push_back({"x-amz-version-id", info.version_id});
  }
  if (info.retention.mode != RetentionMode::kNone) {
    headers.push_back(
        {"x-amz-object-lock-mode", std::string(RetentionModeName(info.retention.mode))});
    headers.push_back(
        {"x-amz-object-lock-retain-until-date", FormatIsoTime(info.retention.retain_until)});
  }
  if (info.legal_hold != LegalHold::kUnset) {
    headers.push_back(
        {"x-amz-object-lock-legal-hold", info.legal_hold == LegalHold::kOn ? "ON" : "OFF"});
  }
}

absl::Status PutObjectLockConfiguration(HandlerContext& context) {
  if (absl::Status s = RequireBodyIntegrity(context, "PutObjectLockConfiguration"); !s.ok()) {
    return s;
  }
  absl::StatusOr<std::string> body = ReadSmallBody(context, kMaxConfigurationBytes);
  if (!body.ok()) return body.status();
  absl::StatusOr<ObjectLockConfiguration> config = ParseObjectLockConfiguration(*body);
  if (!config.ok()) return config.status();
  absl::Status stored = context.backend.PutObjectLockConfiguration(context.bucket(), *config);
  if (!stored.ok()) return stored;
  return SendEmpty(context, 200);
}

absl::Status GetObjectLockConfiguration(HandlerContext& context) {
  absl::StatusOr<BucketInfo> bucket = context.backend.GetBucket(context.bucket());
  if (!bucket.ok()) return bucket.status();
  if (!bucket->object_lock.enabled) {
    return Error(ErrorCode::kObjectLockConfigurationNotFoundError,
                 "Object Lock configuration does not exist for this bucket");
  }
  return SendXml(context, 200, ObjectLockConfigurationXml(bucket->object_lock));
}

absl::Status PutObjectRetention(HandlerContext& context) {
  if (absl::Status s = RequireBodyIntegrity(context, "PutObjectRetention"); !s.ok()) return s;
  absl::StatusOr<std::string> body = ReadSmallBody(context, kMaxConfigurationBytes);
  if (!body.ok()) return body.status();
  absl::StatusOr<ObjectRetention> retention = ParseRetention(*body);
  if (!retention.ok()) return retention.status();
  absl::StatusOr<bool> bypass = BypassGovernanceRetention(context);
  if (!bypass.ok()) return bypass.status();
  absl::Status stored =
      context.backend.PutObjectRetention({.bucket = context.bucket(),
                                          .key = context.key(),
                                          .version_id = VersionIdQuery(context),
                                          .retention = *retention,
                                          .bypass_governance_retention = *bypass});
  if (!stored.ok()) return stored;
  return SendEmpty(context, 200);
}

absl::Status GetObjectRetention(HandlerContext& context) {
  absl::StatusOr<BucketInfo> bucket = context.backend.GetBucket(context.bucket());
  if (!bucket.ok()) return bucket.status();
  if (!bucket->object_lock.enabled) {
    return Error(ErrorCode::kInvalidRequest, "Bucket is missing Object Lock Configuration");
  }
  absl::StatusOr<ObjectInfo> info =
      context.backend.StatObject(context.bucket(), context.key(), VersionIdQuery(context));
  if (!info.ok()) return info.status();
  if (info->retention.mode == RetentionMode::kNone) {
    return Error(ErrorCode::kNoSuchObjectLockConfiguration,
                 "The specified object does not have a ObjectLock configuration");
  }
  return SendXml(context, 200, RetentionXml(info->retention));
}

absl::Status PutObjectLegalHold(HandlerContext& context) {
  if (absl::Status s = RequireBodyIntegrity(context, "PutObjectLegalHold"); !s.ok()) return s;
  absl::StatusOr<std::string> body = ReadSmallBody(context, kMaxConfigurationBytes);
  if (!body.ok()) return body.status();
  absl::StatusOr<LegalHold> legal_hold = ParseLegalHold(*body);
  if (!legal_hold.ok()) return legal_hold.status();
  absl::Status stored = context.backend.PutObjectLegalHold(context.bucket(), context.key(),
                                                           VersionIdQuery(context), *legal_hold);
  if (!stored.ok()) return stored;
  return SendEmpty(context, 200);
}

absl::Status GetObjectLegalHold(HandlerContext& context) {
  absl::StatusOr<BucketInfo> bucket = context.backend.GetBucket(context.bucket());
  if (!bucket.ok()) return bucket.status();
  if (!bucket->object_lock.enabled) {
    return Error(ErrorCode::kInvalidRequest, "Bucket is missing Object Lock Configuration");
  }
  absl::StatusOr<ObjectInfo> info =
      context.backend.StatObject(context.bucket(), context.key(), VersionIdQuery(context));
  if (!info.ok()) return info.status();
  if (info->legal_hold == LegalHold::kUnset) {
    return Error(ErrorCode::kNoSuchObjectLockConfiguration,
                 "The specified object does not have a ObjectLock configuration");
  }
  return SendXml(context, 200, LegalHoldXml(info->legal_hold));
}

}  // namespace hamster::s3
