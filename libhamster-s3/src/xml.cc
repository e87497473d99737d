#include "src/xml.h"

#include <pugixml.hpp>

#include <cstdio>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "hamster/s3/errors.h"
#include "src/request.h"
#include "src/strings.h"

namespace hamster::s3 {
namespace {

constexpr std::string_view kNamespace = "http://s3.amazonaws.com/doc/2006-03-01/";
constexpr size_t kMaxTagKeyChars = 128;
constexpr size_t kMaxTagValueChars = 256;

absl::StatusOr<pugi::xml_document> ParseDocument(std::string_view xml) {
  pugi::xml_document document;
  const pugi::xml_parse_result result = document.load_buffer(xml.data(), xml.size());
  if (!result) {
    return Error(ErrorCode::kMalformedXML,
                 Cat("The XML you provided was not well-formed: ", result.description()));
  }
  return document;
}

size_t Utf8CharCount(std::string_view text) {
  size_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

absl::Status AddTag(Tags& tags, std::string key, std::string value, size_t max_tags) {
  if (key.empty() || Utf8CharCount(key) > kMaxTagKeyChars) {
    return Error(ErrorCode::kInvalidTag, "a tag key must have 1 to 128 characters");
  }
  if (key.starts_with("aws:")) {
    return Error(ErrorCode::kInvalidTag, "tag keys starting with 'aws:' are reserved");
  }
  if (Utf8CharCount(value) > kMaxTagValueChars) {
    return Error(ErrorCode::kInvalidTag, "a tag value must have at most 256 characters");
  }
  if (!tags.emplace(std::move(key), std::move(value)).second) {
    return Error(ErrorCode::kInvalidTag, "cannot provide multiple tags with the same key");
  }
  if (tags.size() > max_tags) {
    return Error(ErrorCode::kInvalidTag,
                 Cat("at most ", max_tags, " tags are allowed"));
  }
  return absl::OkStatus();
}

}  // namespace

XmlWriter::XmlWriter(std::string_view root) {
  out_ += Cat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<", root, " xmlns=\"",
                  kNamespace, "\">");
  open_.emplace_back(root);
}

void XmlWriter::Open(std::string_view name) {
  out_ += Cat("<", name, ">");
  open_.emplace_back(name);
}

void XmlWriter::Close() {
  out_ += Cat("</", open_.back(), ">");
  open_.pop_back();
}

void XmlWriter::Element(std::string_view name, std::string_view text) {
  out_ += Cat("<", name, ">", XmlEscape(text), "</", name, ">");
}

void XmlWriter::Text(std::string_view text) { out_ += XmlEscape(text); }

std::string XmlWriter::Finish() {
  while (!open_.empty()) Close();
  return std::move(out_);
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char reference[8];
          std::snprintf(reference, sizeof(reference), "&#x%X;", static_cast<unsigned char>(c));
          out += reference;
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

std::string XmlSafeText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const unsigned char byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t' && c != '\n' && c != '\r') || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", byte);
      out += escaped;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<std::vector<CompletedPart>> ParseCompleteMultipartUpload(std::string_view xml) {
  absl::StatusOr<pugi::xml_document> document = ParseDocument(xml);
  if (!document.ok()) return document.status();
  const pugi::xml_node root = document->child("CompleteMultipartUpload");
  if (!root) return Error(ErrorCode::kMalformedXML, "expected <CompleteMultipartUpload>");
  std::vector<CompletedPart> parts;
  for (const pugi::xml_node part : root.children("Part")) {
    CompletedPart completed;
    if (!ParseInteger(part.child_value("PartNumber"), &completed.part_number)) {
      return Error(ErrorCode::kMalformedXML, "a <Part> lacks a numeric <PartNumber>");
    }
    std::string etag = part.child_value("ETag");
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
      etag = etag.substr(1, etag.size() - 2);
    }
    completed.etag = std::move(etag);
    parts.push_back(std::move(completed));
  }
  if (parts.empty()) {
    return Error(ErrorCode::kMalformedXML, "CompleteMultipartUpload must list at least one part");
  }
  return parts;
}

absl::StatusOr<std::string> ParseCreateBucketConfiguration(std::string_view xml) {
  if (StripWhitespace(xml).empty()) return std::string();
  absl::StatusOr<pugi::xml_document> document = ParseDocument(xml);
  if (!document.ok()) return document.status();
  const pugi::xml_node root = document->child("CreateBucketConfiguration");
  if (!root) return Error(ErrorCode::kMalformedXML, "expected <CreateBucketConfiguration>");
  return std::string(root.child_value("LocationConstraint"));
}

absl::StatusOr<DeleteObjectsRequest> ParseDeleteObjects(std::string_view xml) {
  absl::StatusOr<pugi::xml_document> document = ParseDocument(xml);
  if (!document.ok()) return document.status();
  const pugi::xml_node root = document->child("Delete");
  if (!root) return Error(ErrorCode::kMalformedXML, "expected <Delete>");
  DeleteObjectsRequest request;
  request.quiet = std::string_view(root.child_value("Quiet")) == "true";
  for (const pugi::xml_node object : root.children("Object")) {
    const pugi::xml_node key = object.child("Key");
    if (!key) return Error(ErrorCode::kMalformedXML, "an <Object> lacks its <Key>");
    ObjectToDelete entry{.key = key.child_value()};
    if (const pugi::xml_node version = object.child("VersionId")) {
      entry.version_id = version.child_value();
    }
    request.objects.push_back(std::move(entry));
  }
  if (request.objects.empty() || request.objects.size() > 1000) {
    return Error(ErrorCode::kMalformedXML, "Delete must list between 1 and 1000 objects");
  }
  return request;
}

absl::StatusOr<Tags> ParseTagging(std::string_view xml, size_t max_tags) {
  absl::StatusOr<pugi::xml_document> document = ParseDocument(xml);
  if (!document.ok()) return document.status();
  const pugi::xml_node tag_set = document->child("Tagging").child("TagSet");
  if (!tag_set) return Error(ErrorCode::kMalformedXML, "expected <Tagging><TagSet>");
  Tags tags;
  for (const pugi::xml_node tag : tag_set.children("Tag")) {
    if (!tag.child("Key")) return Error(ErrorCode::kMalformedXML, "a <Tag> lacks its <Key>");
    absl::Status added = AddTag(tags, tag.child_value("Key"), tag.child_value("Value"), max_tags);
    if (!added.ok()) return added;
  }
  return tags;
}

absl::StatusOr<Tags> ParseTaggingHeader(std::string_view header, size_t max_tags) {
  Tags tags;
  for (std::string_view pair : Split(header, '&', true)) {
    const size_t equals = pair.find('=');
    std::string value =
        equals == std::string_view::npos ? "" : PercentDecode(pair.substr(equals + 1), true);
    absl::Status added =
        AddTag(tags, PercentDecode(pair.substr(0, equals), true), std::move(value), max_tags);
    if (!added.ok()) return added;
  }
  return tags;
}

}  // namespace hamster::s3
