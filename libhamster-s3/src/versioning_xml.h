// The XML documents of versioning and object lock: parsers for request
// bodies (kMalformedXML for a document S3 would not accept, kInvalidArgument
// for a well-formed one with a bad value) and writers for responses.
#ifndef HAMSTER_S3_SRC_VERSIONING_XML_H_
#define HAMSTER_S3_SRC_VERSIONING_XML_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hamster/s3/backend.h"

namespace hamster::s3 {

// <VersioningConfiguration><Status>Enabled|Suspended</Status>: nullopt when
// Status is absent (nothing to change). MfaDelete Enabled is kNotImplemented.
absl::StatusOr<std::optional<VersioningState>> ParseVersioningConfiguration(std::string_view xml);
std::string VersioningConfigurationXml(VersioningState state);

absl::StatusOr<ObjectLockConfiguration> ParseObjectLockConfiguration(std::string_view xml);
std::string ObjectLockConfigurationXml(const ObjectLockConfiguration& config);

// <Retention> with Mode and RetainUntilDate, or neither (remove it).
absl::StatusOr<ObjectRetention> ParseRetention(std::string_view xml);
std::string RetentionXml(const ObjectRetention& retention);

// <LegalHold><Status>ON|OFF</Status>.
absl::StatusOr<LegalHold> ParseLegalHold(std::string_view xml);
std::string LegalHoldXml(LegalHold legal_hold);

// "GOVERNANCE" / "COMPLIANCE"; nullopt for anything else.
std::optional<RetentionMode> ParseRetentionMode(std::string_view text);
std::string_view RetentionModeName(RetentionMode mode);
// An ISO 8601 / RFC 3339 time such as 2030-01-01T00:00:00Z.
std::optional<absl::Time> ParseIsoTime(std::string_view text);

}  // namespace hamster::s3

#endif  // HAMSTER_S3_SRC_VERSIONING_XML_H_
