#include "src/sse.h"

#include <pugixml.hpp>

#include "hamster/s3/errors.h"
#include "src/checksums.h"
#include "src/strings.h"
#include "src/xml.h"

namespace hamster::s3 {
namespace {

constexpr std::string_view kCustomerHeader = "x-amz-server-side-encryption-customer-";

std::optional<std::string> Header(const HttpRequest& request, std::string_view name) {
  const std::string* value = request.FindHeader(name);
  if (value == nullptr) return std::nullopt;
  return *value;
}

std::string Md5Base64(std::string_view bytes) {
  std::unique_ptr<Hasher> md5 = NewMd5Hasher();
  md5->Update({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  return Base64Encode(md5->Finish());
}

absl::Status KmsNotImplemented() {
  return Error(ErrorCode::kNotImplemented,
               "aws:kms encryption is not implemented by this server; use AES256 (SSE-S3)");
}

}  // namespace

absl::StatusOr<std::optional<CustomerKey>> CustomerKeyFromHeaders(const HttpRequest& request,
                                                                  std::string_view prefix) {
  const std::string base = Cat(prefix, kCustomerHeader);
  std::optional<std::string> algorithm = Header(request, Cat(base, "algorithm"));
  std::optional<std::string> key = Header(request, Cat(base, "key"));
  std::optional<std::string> key_md5 = Header(request, Cat(base, "key-md5"));
  if (!algorithm && !key && !key_md5) return std::optional<CustomerKey>();
  if (!algorithm || !key || !key_md5) {
    return Error(ErrorCode::kInvalidArgument,
                 Cat("Requests specifying Server Side Encryption with Customer provided keys "
                     "must provide ",
                     base, "algorithm, -key and -key-MD5."));
  }
  if (*algorithm != "AES256") {
    return Error(ErrorCode::kInvalidArgument,
                 "The encryption algorithm specified is not valid (only AES256).");
  }
  std::optional<std::string> decoded = Base64Decode(*key);
  if (!decoded || decoded->size() != 32) {
    return Error(ErrorCode::kInvalidArgument,
                 "The secret key was invalid for the specified algorithm.");
  }
  if (Md5Base64(*decoded) != *key_md5) {
    return Error(ErrorCode::kInvalidArgument,
                 "The calculated MD5 hash of the key did not match the hash that was provided.");
  }
  return std::optional<CustomerKey>(
      CustomerKey{.key = *std::move(decoded), .key_md5_base64 = *std::move(key_md5)});
}

absl::StatusOr<EncryptionRequest> EncryptionFromHeaders(const HttpRequest& request) {
  EncryptionRequest encryption;
  absl::StatusOr<std::optional<CustomerKey>> customer = CustomerKeyFromHeaders(request, "");
  if (!customer.ok()) return customer.status();
  std::optional<std::string> sse = Header(request, "x-amz-server-side-encryption");
  if (sse.has_value()) {
    if (sse->starts_with("aws:kms")) return KmsNotImplemented();
    if (*sse != "AES256") {
      return Error(ErrorCode::kInvalidArgument,
                   "The encryption method specified is not supported (use AES256).");
    }
    if (customer->has_value()) {
      return Error(ErrorCode::kInvalidArgument,
                   "Server Side Encryption with Customer provided key is incompatible with the "
                   "encryption method specified");
    }
    encryption.mode = EncryptionMode::kS3;
  }
  if (customer->has_value()) {
    encryption.mode = EncryptionMode::kCustomer;
    encryption.customer_key = *std::move(*customer);
  }
  return encryption;
}

void AppendEncryptionHeaders(const ObjectEncryption& encryption, std::vector<HttpHeader>& headers) {
  if (encryption.mode == EncryptionMode::kS3) {
    headers.push_back({"x-amz-server-side-encryption", "AES256"});
  } else if (encryption.mode == EncryptionMode::kCustomer) {
    headers.push_back({Cat(kCustomerHeader, "algorithm"), "AES256"});
    headers.push_back({Cat(kCustomerHeader, "key-md5"), encryption.customer_key_md5_base64});
  }
}

absl::Status CheckReadKey(const ObjectInfo& info, const std::optional<CustomerKey>& key) {
  if (info.encryption.mode != EncryptionMode::kCustomer) {
    if (key.has_value()) {
      return Error(ErrorCode::kInvalidRequest,
                   "The encryption parameters are not applicable to this object.");
    }
    return absl::OkStatus();
  }
  if (!key.has_value()) {
    return Error(ErrorCode::kInvalidRequest,
                 "The object was stored using a form of Server Side Encryption. The correct "
                 "parameters must be provided to retrieve the object.");
  }
  if (key->key_md5_base64 != info.encryption.customer_key_md5_base64) {
    return Error(ErrorCode::kAccessDenied,
                 "The provided customer key is not the key this object was stored with.");
  }
  return absl::OkStatus();
}

absl::StatusOr<BucketEncryption> ParseBucketEncryption(std::string_view xml) {
  pugi::xml_document document;
  if (!document.load_buffer(xml.data(), xml.size())) {
    return Error(ErrorCode::kMalformedXML, "The XML you provided was not well-formed");
  }
  const pugi::xml_node root = document.child("ServerSideEncryptionConfiguration");
  const pugi::xml_node rule = root.child("Rule");
  if (!root || !rule || rule.next_sibling("Rule")) {
    return Error(ErrorCode::kMalformedXML,
                 "expected <ServerSideEncryptionConfiguration> with one <Rule>");
  }
  const std::string algorithm =
      rule.child("ApplyServerSideEncryptionByDefault").child_value("SSEAlgorithm");
  if (algorithm.starts_with("aws:kms")) return KmsNotImplemented();
  if (algorithm != "AES256") {
    return Error(ErrorCode::kMalformedXML, "SSEAlgorithm must be AES256");
  }
  BucketEncryption encryption;
  const std::string bucket_key = rule.child_value("BucketKeyEnabled");
  if (!bucket_key.empty() && bucket_key != "true" && bucket_key != "false") {
    return Error(ErrorCode::kMalformedXML, "BucketKeyEnabled must be true or false");
  }
  encryption.bucket_key_enabled = bucket_key == "true";
  return encryption;
}

std::string BucketEncryptionXml(const BucketEncryption& encryption) {
  XmlWriter xml("ServerSideEncryptionConfiguration");
  xml.Open("Rule");
  xml.Open("ApplyServerSideEncryptionByDefault");
  xml.Element("SSEAlgorithm", "AES256");
  xml.Close();
  xml.Element("BucketKeyEnabled", encryption.bucket_key_enabled ? "true" : "false");
  xml.Close();
  return xml.Finish();
}

}  // namespace hamster::s3
