#include "hamster/s3/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/sigv4_internal.h"

namespace hamster::s3 {
namespace {

absl::string_view AbslView(std::string_view text) { return {text.data(), text.size()}; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsUnreserved(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '~';
}

bool IsSpaceOrTab(char c) { return c == ' ' || c == '\t'; }

std::string ToLower(std::string_view text) { return absl::AsciiStrToLower(AbslView(text)); }

// Headers to sign, lowercased, duplicates joined with ',' in the order they
// appear, sorted by name: the canonical headers block and the signed list.
std::pair<std::string, std::string> CanonicalHeadersOf(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<std::pair<std::string, std::string>> merged;
  for (const auto& [name, value] : headers) {
    std::string lower = ToLower(name);
    auto it = std::find_if(merged.begin(), merged.end(),
                           [&](const auto& entry) { return entry.first == lower; });
    if (it == merged.end()) {
      merged.emplace_back(std::move(lower), CanonicalHeaderValue(value));
    } else {
      absl::StrAppend(&it->second, ",", CanonicalHeaderValue(value));
    }
  }
  std::stable_sort(merged.begin(), merged.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string block;
  std::vector<absl::string_view> names;
  for (const auto& [name, value] : merged) {
    absl::StrAppend(&block, name, ":", value, "\n");
    names.push_back(name);
  }
  return {std::move(block), absl::StrJoin(names, ";")};
}

std::string CredentialOf(const SigningCredentials& credentials, absl::Time time) {
  return absl::StrCat(credentials.access_key_id, "/",
                      Scope(time, credentials.region, credentials.service));
}

std::string SignRequest(const RequestToSign& request, const SigningCredentials& credentials,
                        absl::Time time) {
  const std::string amz_date = AmzDate(time);
  const std::string key = DeriveSigningKey(credentials.secret_key, amz_date.substr(0, 8),
                                           credentials.region, credentials.service);
  return SignatureOf(key,
                     StringToSign(amz_date, Scope(time, credentials.region, credentials.service),
                                  CanonicalRequest(request)));
}

}  // namespace

std::string Sha256Hex(std::span<const uint8_t> bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    std::abort();  // allocation failure inside OpenSSL; no request error fits
  }
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), size));
}

std::string Sha256Hex(std::string_view bytes) {
  return Sha256Hex(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

std::string HmacSha256(std::string_view key, std::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac,
           &size) == nullptr) {
    std::abort();  // allocation failure inside OpenSSL; no request error fits
  }
  return std::string(reinterpret_cast<const char*>(mac), size);
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto byte = static_cast<uint8_t>(bytes[i]);
    hex[2 * i] = kDigits[byte >> 4];
    hex[2 * i + 1] = kDigits[byte & 0xf];
  }
  return hex;
}

std::string UriEncode(std::string_view text, bool encode_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (char c : text) {
    if (IsUnreserved(c) || (c == '/' && !encode_slash)) {
      encoded += c;
      continue;
    }
    const auto byte = static_cast<uint8_t>(c);
    encoded += '%';
    encoded += kDigits[byte >> 4];
    encoded += kDigits[byte & 0xf];
  }
  return encoded;
}

std::string DeriveSigningKey(std::string_view secret_key, std::string_view yyyymmdd,
                             std::string_view region, std::string_view service) {
  const std::string date_key = HmacSha256(absl::StrCat("AWS4", AbslView(secret_key)), yyyymmdd);
  const std::string region_key = HmacSha256(date_key, region);
  const std::string service_key = HmacSha256(region_key, service);
  return HmacSha256(service_key, "aws4_request");
}

std::string CanonicalRequest(const RequestToSign& request) {
  const auto [block, signed_headers] = CanonicalHeadersOf(request.headers);
  return AssembleCanonicalRequest(request.method, request.path.empty() ? "/" : request.path,
                                  CanonicalQueryString(request.query), block, signed_headers,
                                  request.payload_sha256_hex);
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  return absl::StrCat(AbslView(kSigningAlgorithm), "\n", AbslView(amz_date), "\n", AbslView(scope),
                      "\n", Sha256Hex(canonical_request));
}

std::string AmzDate(absl::Time time) {
  return absl::FormatTime("%Y%m%dT%H%M%SZ", time, absl::UTCTimeZone());
}

std::string Scope(absl::Time time, std::string_view region, std::string_view service) {
  return absl::StrCat(absl::FormatTime("%Y%m%d", time, absl::UTCTimeZone()), "/", AbslView(region),
                      "/", AbslView(service), "/aws4_request");
}

std::string SignedHeaderList(const RequestToSign& request) {
  return CanonicalHeadersOf(request.headers).second;
}

std::string AuthorizationHeader(const RequestToSign& request, const SigningCredentials& credentials,
                                absl::Time time) {
  return absl::StrCat(AbslView(kSigningAlgorithm), " Credential=", CredentialOf(credentials, time),
                      ", SignedHeaders=", SignedHeaderList(request),
                      ", Signature=", SignRequest(request, credentials, time));
}

std::string PresignedQuery(const RequestToSign& request, const SigningCredentials& credentials,
                           absl::Time time, absl::Duration expires) {
  std::string query = request.query;
  if (!query.empty()) query += '&';
  absl::StrAppend(&query, "X-Amz-Algorithm=", AbslView(kSigningAlgorithm),
                  "&X-Amz-Credential=", UriEncode(CredentialOf(credentials, time), true),
                  "&X-Amz-Date=", AmzDate(time), "&X-Amz-Expires=", absl::ToInt64Seconds(expires),
                  "&X-Amz-SignedHeaders=", UriEncode(SignedHeaderList(request), true));
  RequestToSign signed_request = request;
  signed_request.query = query;
  if (signed_request.payload_sha256_hex.empty()) {
    signed_request.payload_sha256_hex = std::string(kUnsignedPayload);
  }
  absl::StrAppend(&query, "&X-Amz-Signature=", SignRequest(signed_request, credentials, time));
  return query;
}

std::string ChunkSignature(std::string_view signing_key, std::string_view amz_date,
                           std::string_view scope, std::string_view previous_signature,
                           std::string_view chunk_data) {
  return ChunkSignatureFromHash(signing_key, amz_date, scope, previous_signature,
                                Sha256Hex(chunk_data));
}

// ---- Shared with auth.cc and aws_chunked.cc (sigv4_internal.h) ----

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      decoded += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      decoded += ' ';
    } else {
      decoded += c;
    }
  }
  return decoded;
}

std::string CanonicalQueryString(std::string_view raw_query, std::string_view exclude_name) {
  std::vector<std::pair<std::string, std::string>> parameters;
  size_t start = 0;
  while (start <= raw_query.size()) {
    size_t end = raw_query.find('&', start);
    if (end == std::string_view::npos) end = raw_query.size();
    const std::string_view piece = raw_query.substr(start, end - start);
    start = end + 1;
    if (piece.empty()) continue;
    const size_t equals = piece.find('=');
    const std::string name = PercentDecode(piece.substr(0, equals), true);
    if (!exclude_name.empty() && name == exclude_name) continue;
    const std::string value = equals == std::string_view::npos
                                  ? std::string()
                                  : PercentDecode(piece.substr(equals + 1), true);
    parameters.emplace_back(UriEncode(name, true), UriEncode(value, true));
  }
  std::sort(parameters.begin(), parameters.end());
  std::string canonical;
  for (const auto& [name, value] : parameters) {
    if (!canonical.empty()) canonical += '&';
    absl::StrAppend(&canonical, name, "=", value);
  }
  return canonical;
}

std::string CanonicalHeaderValue(std::string_view value) {
  std::string canonical;
  canonical.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (IsSpaceOrTab(c)) {
      pending_space = !canonical.empty();
      continue;
    }
    if (pending_space) canonical += ' ';
    pending_space = false;
    canonical += c;
  }
  return canonical;
}

std::string AssembleCanonicalRequest(std::string_view method, std::string_view canonical_uri,
                                     std::string_view canonical_query,
                                     std::string_view canonical_headers,
                                     std::string_view signed_headers,
                                     std::string_view payload_hash) {
  return absl::StrCat(AbslView(method), "\n", AbslView(canonical_uri), "\n",
                      AbslView(canonical_query), "\n", AbslView(canonical_headers), "\n",
                      AbslView(signed_headers), "\n", AbslView(payload_hash));
}

std::string SignatureOf(std::string_view signing_key, std::string_view string_to_sign) {
  return HexEncode(HmacSha256(signing_key, string_to_sign));
}

std::string ChunkSignatureFromHash(std::string_view signing_key, std::string_view amz_date,
                                   std::string_view scope, std::string_view previous_signature,
                                   std::string_view chunk_sha256_hex) {
  return SignatureOf(signing_key,
                     absl::StrCat("AWS4-HMAC-SHA256-PAYLOAD\n", AbslView(amz_date), "\n",
                                  AbslView(scope), "\n", AbslView(previous_signature), "\n",
                                  AbslView(kEmptySha256Hex), "\n", AbslView(chunk_sha256_hex)));
}

std::string TrailerSignature(std::string_view signing_key, std::string_view amz_date,
                             std::string_view scope, std::string_view previous_signature,
                             std::vector<std::pair<std::string, std::string>> trailers) {
  std::sort(trailers.begin(), trailers.end());
  std::string canonical;
  for (const auto& [name, value] : trailers) absl::StrAppend(&canonical, name, ":", value, "\n");
  return SignatureOf(
      signing_key,
      absl::StrCat("AWS4-HMAC-SHA256-TRAILER\n", AbslView(amz_date), "\n", AbslView(scope), "\n",
                   AbslView(previous_signature), "\n", Sha256Hex(canonical)));
}

bool SignaturesEqual(std::string_view expected, std::string_view received) {
  if (expected.size() != received.size()) return false;
  const std::string lowered = ToLower(received);
  return CRYPTO_memcmp(expected.data(), lowered.data(), expected.size()) == 0;
}

std::optional<absl::Time> ParseAmzDate(std::string_view text) {
  // Parsed by hand: absl's %Y takes every digit it sees, "20130524T..." too.
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  auto number = [&](size_t begin, size_t size) {
    int value = 0;
    for (size_t i = begin; i < begin + size; ++i) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return -1;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const int year = number(0, 4), month = number(4, 2), day = number(6, 2);
  const int hour = number(9, 2), minute = number(11, 2), second = number(13, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60) {
    return std::nullopt;
  }
  const absl::CivilSecond civil(year, month, day, hour, minute, second);
  // CivilSecond normalises 31 April into 1 May; such a date is not valid.
  if (civil.month() != month || civil.day() != day) return std::nullopt;
  return absl::FromCivil(civil, absl::UTCTimeZone());
}

std::optional<absl::Time> ParseHttpDate(std::string_view text) {
  static constexpr const char* kFormats[] = {
      "%a, %d %b %Y %H:%M:%S GMT",  // RFC 1123, what every current client sends
      "%a, %d %b %Y %H:%M:%S %z",   // the same with a numeric zone
      "%A, %d-%b-%y %H:%M:%S GMT",  // RFC 850, still allowed by HTTP/1.1
  };
  for (const char* format : kFormats) {
    absl::Time time;
    std::string error;
    if (absl::ParseTime(format, AbslView(text), absl::UTCTimeZone(), &time, &error)) return time;
  }
  return std::nullopt;
}

bool IsHex(std::string_view text) {
  if (text.empty()) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return HexValue(c) >= 0; });
}

}  // namespace hamster::s3
