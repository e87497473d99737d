#include "admin_api.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hamster::hamsterd {
namespace {

constexpr std::string_view kKeysPath = "/admin/v1/keys";

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void Respond(s3::ResponseWriter& response, int status, const std::string& json) {
  const std::string body = json + "\n";
  // A failed write means the client left; there is no one to tell.
  if (!response.Start(status, {{"content-type", "application/json"}}, body.size()).ok()) return;
  if (!response
           .Write(
               std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(body.data()), body.size()))
           .ok()) {
    return;
  }
  response.Finish().IgnoreError();
}

void RespondError(s3::ResponseWriter& response, int status, std::string_view code,
                  absl::string_view message) {
  Respond(response, status,
          absl::StrCat("{\"error\": {\"code\": ", JsonString(code), ", \"message\": ",
                       JsonString(std::string_view(message.data(), message.size())), "}}"));
}

// The node's refusals and failures as HTTP statuses.
void RespondStatus(s3::ResponseWriter& response, const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return RespondError(response, 400, "InvalidArgument", status.message());
    case absl::StatusCode::kNotFound:
      return RespondError(response, 404, "NotFound", status.message());
    case absl::StatusCode::kFailedPrecondition:
      return RespondError(response, 409, "FailedPrecondition", status.message());
    case absl::StatusCode::kUnavailable:
      return RespondError(response, 503, "Unavailable", status.message());
    default:
      return RespondError(response, 500, "InternalError", status.message());
  }
}

std::string RotationState(const node::KeyRotationProgress& rotation) {
  if (!rotation.finished()) return "running";
  return rotation.started ? "done" : "none";
}

// Admin requests carry no body; a body would be unsigned input.
bool HasBody(const s3::HttpRequest& request, s3::BodyReader& body) {
  if (request.content_length.has_value()) return *request.content_length > 0;
  std::array<uint8_t, 1> byte;
  absl::StatusOr<size_t> read = body.Read(byte);
  return !read.ok() || *read > 0;
}

}  // namespace

std::string KeyStatusJson(const node::KeyStatus& status) {
  std::string keys;
  for (const node::MasterKeyStatus& key : status.keys) {
    absl::StrAppend(&keys, keys.empty() ? "" : ", ", "{\"id\": ", JsonString(key.id),
                    ", \"created\": ", key.created_unix_seconds,
                    ", \"active\": ", key.active ? "true" : "false",
                    ", \"in_keyring\": ", key.in_keyring ? "true" : "false",
                    ", \"references\": ", key.references, "}");
  }
  const node::KeyRotationProgress& rotation = status.rotation;
  return absl::StrCat("{\"active_key\": ", JsonString(status.active_key_id), ", \"keys\": [", keys,
                      "], \"rotation\": {\"state\": ", JsonString(RotationState(rotation)),
                      ", \"target_key\": ", JsonString(rotation.target_key_id),
                      ", \"started\": ", rotation.started_unix_seconds,
                      ", \"total\": ", rotation.total, ", \"done\": ", rotation.done(),
                      ", \"remaining\": ", rotation.remaining,
                      ", \"unreadable\": ", rotation.unreadable,
                      ", \"unreadable_error\": ", JsonString(rotation.unreadable_error), "}}");
}

void AdminApi::Handle(const s3::HttpRequest& request, s3::BodyReader& body,
                      s3::ResponseWriter& response) {
  absl::StatusOr<std::string> caller =
      s3::VerifySignature(request, *options_.credentials, options_.now(), options_.region);
  if (!caller.ok()) {
    const std::optional<s3::ErrorCode> code = s3::ErrorCodeOf(caller.status());
    return RespondError(response, 403, code ? s3::ErrorCodeName(*code) : "AccessDenied",
                        caller.status().message());
  }
  if (HasBody(request, body)) {
    return RespondError(response, 400, "InvalidRequest", "admin requests carry no body");
  }
  std::string_view path(request.target.data(),
                        std::min(request.target.size(), request.target.find('?')));
  if (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  if (path == kKeysPath) {
    if (!get) return RespondError(response, 405, "MethodNotAllowed", "use GET on this path");
    absl::StatusOr<node::KeyStatus> status = options_.node->GetKeyStatus();
    if (!status.ok()) return RespondStatus(response, status.status());
    return Respond(response, 200, KeyStatusJson(*status));
  }
  std::string_view rest = path;
  if (!rest.starts_with("/admin/v1/keys/")) {
    return RespondError(response, 404, "NotFound",
                        absl::StrCat("no admin endpoint ", std::string(path)));
  }
  rest.remove_prefix(std::string_view("/admin/v1/keys/").size());
  constexpr std::string_view kRetire = "/retire";
  if (rest == "rotate" || rest.ends_with(kRetire)) {
    if (!post) return RespondError(response, 405, "MethodNotAllowed", "use POST on this path");
  }
  if (rest == "rotate") {
    absl::StatusOr<std::string> id = options_.node->RotateMasterKey();
    if (!id.ok()) return RespondStatus(response, id.status());
    return Respond(response, 200, absl::StrCat("{\"active_key\": ", JsonString(*id), "}"));
  }
  if (rest.ends_with(kRetire) && rest.size() > kRetire.size() &&
      rest.find('/') == rest.size() - kRetire.size()) {
    const std::string id(rest.substr(0, rest.size() - kRetire.size()));
    if (absl::Status s = options_.node->RetireMasterKey(id); !s.ok()) {
      return RespondStatus(response, s);
    }
    return Respond(response, 200, absl::StrCat("{\"retired\": ", JsonString(id), "}"));
  }
  RespondError(response, 404, "NotFound", absl::StrCat("no admin endpoint ", std::string(path)));
}

void AdminApi::HandleTransportError(s3::ErrorCode code, std::string_view message,
                                    s3::ResponseWriter& response) {
  RespondError(response, s3::HttpStatusOf(code), s3::ErrorCodeName(code),
               absl::string_view(message.data(), message.size()));
}

}  // namespace hamster::hamsterd
