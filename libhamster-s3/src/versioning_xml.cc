#include "src/versioning_xml.h"

#include <pugixml.hpp>

#include "hamster/s3/errors.h"
#include "src/request.h"
#include "src/strings.h"
#include "src/xml.h"

namespace hamster::s3 {
namespace {

constexpr uint32_t kMaxDefaultRetentionDays = 36500;
constexpr uint32_t kMaxDefaultRetentionYears = 100;

absl::StatusOr<pugi::xml_node> RootElement(pugi::xml_document& document, std::string_view xml,
                                           const char* root) {
  const pugi::xml_parse_result result = document.load_buffer(xml.data(), xml.size());
  if (!result) {
    return Error(ErrorCode::kMalformedXML,
                 Cat("The XML you provided was not well-formed: ", result.description()));
  }
  pugi::xml_node node = document.child(root);
  if (!node) return Error(ErrorCode::kMalformedXML, Cat("expected <", root, ">"));
  return node;
}

absl::Status Malformed(std::string_view message) {
  return Error(ErrorCode::kMalformedXML, message);
}

}  // namespace

std::optional<RetentionMode> ParseRetentionMode(std::string_view text) {
  if (text == "GOVERNANCE") return RetentionMode::kGovernance;
  if (text == "COMPLIANCE") return RetentionMode::kCompliance;
  return std::nullopt;
}

std::string_view RetentionModeName(RetentionMode mode) {
  return mode == RetentionMode::kCompliance ? "COMPLIANCE" : "GOVERNANCE";
}

std::optional<absl::Time> ParseIsoTime(std::string_view text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, ToAbsl(text), &time, &error)) return std::nullopt;
  return time;
}

absl::StatusOr<std::optional<VersioningState>> ParseVersioningConfiguration(std::string_view xml) {
  pugi::xml_document document;
  absl::StatusOr<pugi::xml_node> root = RootElement(document, xml, "VersioningConfiguration");
  if (!root.ok()) return root.status();
  const std::string_view mfa_delete = root->child_value("MfaDelete");
  if (mfa_delete == "Enabled") {
    return Error(ErrorCode::kNotImplemented, "MFA delete is not implemented by this server");
  }
  if (!mfa_delete.empty() && mfa_delete != "Disabled") {
    return Malformed("MfaDelete must be Enabled or Disabled");
  }
  if (!root->child("Status")) return std::optional<VersioningState>();
  const std::string_view status = root->child_value("Status");
  if (status == "Enabled") return std::optional<VersioningState>(VersioningState::kEnabled);
  if (status == "Suspended") return std::optional<VersioningState>(VersioningState::kSuspended);
  return Malformed("The versioning Status must be Enabled or Suspended");
}

std::string VersioningConfigurationXml(VersioningState state) {
  XmlWriter xml("VersioningConfiguration");
  // A bucket that was never versioned answers an empty configuration, as S3.
  if (state == VersioningState::kEnabled) xml.Element("Status", "Enabled");
  if (state == VersioningState::kSuspended) xml.Element("Status", "Suspended");
  return xml.Finish();
}

absl::StatusOr<ObjectLockConfiguration> ParseObjectLockConfiguration(std::string_view xml) {
  pugi::xml_document document;
  absl::StatusOr<pugi::xml_node> root = RootElement(document, xml, "ObjectLockConfiguration");
  if (!root.ok()) return root.status();
  if (std::string_view(root->child_value("ObjectLockEnabled")) != "Enabled") {
    return Malformed("ObjectLockEnabled must be Enabled");
  }
  ObjectLockConfiguration config{.enabled = true};
  const pugi::xml_node rule = root->child("Rule");
  if (!rule) return config;
  const pugi::xml_node retention = rule.child("DefaultRetention");
  if (!retention) return Malformed("a Rule needs its DefaultRetention");
  std::optional<RetentionMode> mode = ParseRetentionMode(retention.child_value("Mode"));
  if (!mode) return Malformed("DefaultRetention needs a Mode of GOVERNANCE or COMPLIANCE");
  const bool has_days = bool(retention.child("Days"));
  const bool has_years = bool(retention.child("Years"));
  if (has_days == has_years) return Malformed("DefaultRetention needs either Days or Years");
  int64_t period = 0;
  if (!ParseInteger(std::string_view(retention.child_value(has_days ? "Days" : "Years")),
                    &period)) {
    return Malformed("the default retention period is not a number");
  }
  if (period <= 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "Default retention period must be a positive integer value");
  }
  if (period > (has_days ? kMaxDefaultRetentionDays : kMaxDefaultRetentionYears)) {
    return Error(ErrorCode::kInvalidArgument, "Default retention period is too large.");
  }
  config.default_retention = DefaultRetention{.mode = *mode,
                                              .days = has_days ? uint32_t(period) : 0,
                                              .years = has_years ? uint32_t(period) : 0};
  return config;
}

std::string ObjectLockConfigurationXml(const ObjectLockConfiguration& config) {
  XmlWriter xml("ObjectLockConfiguration");
  xml.Element("ObjectLockEnabled", "Enabled");
  if (config.default_retention.has_value()) {
    const DefaultRetention& rule = *config.default_retention;
    xml.Open("Rule");
    xml.Open("DefaultRetention");
    xml.Element("Mode", RetentionModeName(rule.mode));
    if (rule.days > 0) xml.Element("Days", Cat(rule.days));
    if (rule.years > 0) xml.Element("Years", Cat(rule.years));
    xml.Close();
    xml.Close();
  }
  return xml.Finish();
}

absl::StatusOr<ObjectRetention> ParseRetention(std::string_view xml) {
  pugi::xml_document document;
  absl::StatusOr<pugi::xml_node> root = RootElement(document, xml, "Retention");
  if (!root.ok()) return root.status();
  const bool has_mode = bool(root->child("Mode"));
  const bool has_date = bool(root->child("RetainUntilDate"));
  if (!has_mode && !has_date) return ObjectRetention{};
  if (has_mode != has_date) return Malformed("a Retention needs both Mode and RetainUntilDate");
  std::optional<RetentionMode> mode = ParseRetentionMode(root->child_value("Mode"));
  if (!mode) return Malformed("the retention Mode must be GOVERNANCE or COMPLIANCE");
  std::optional<absl::Time> until = ParseIsoTime(root->child_value("RetainUntilDate"));
  if (!until) return Malformed("RetainUntilDate must be an ISO 8601 time");
  return ObjectRetention{.mode = *mode, .retain_until = *until};
}

std::string RetentionXml(const ObjectRetention& retention) {
  XmlWriter xml("Retention");
  xml.Element("Mode", RetentionModeName(retention.mode));
  xml.Element("RetainUntilDate", FormatIsoTime(retention.retain_until));
  return xml.Finish();
}

absl::StatusOr<LegalHold> ParseLegalHold(std::string_view xml) {
  pugi::xml_document document;
  absl::StatusOr<pugi::xml_node> root = RootElement(document, xml, "LegalHold");
  if (!root.ok()) return root.status();
  const std::string_view status = root->child_value("Status");
  if (status == "ON") return LegalHold::kOn;
  if (status == "OFF") return LegalHold::kOff;
  return Malformed("the legal hold Status must be ON or OFF");
}

std::string LegalHoldXml(LegalHold legal_hold) {
  XmlWriter xml("LegalHold");
  xml.Element("Status", legal_hold == LegalHold::kOn ? "ON" : "OFF");
  return xml.Finish();
}

}  // namespace hamster::s3
