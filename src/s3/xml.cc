#include "s3/xml.h"

#include <cstdlib>
#include <sstream>

#include "net/url.h"

namespace ferry::s3 {

Status ParseXml(std::string_view body, const char* op, pugi::xml_document& doc) {
  const auto result = doc.load_buffer(body.data(), body.size());
  if (!result) {
    return Status::Unavailable(std::string("malformed XML in the ") + op + " response: " +
                                   result.description(),
                               "that the endpoint is an S3-compatible service");
  }
  return Status::OK();
}

std::string ChildText(const pugi::xml_node& node, const char* name, bool url_encoded) {
  std::string text = node.child_value(name);
  return url_encoded ? net::UriDecode(text, /*plus_is_space=*/true) : text;
}

uint64_t ChildU64(const pugi::xml_node& node, const char* name) {
  return std::strtoull(node.child_value(name), nullptr, 10);
}

bool ChildBool(const pugi::xml_node& node, const char* name) {
  return std::string_view(node.child_value(name)) == "true";
}

std::string StripQuotes(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  if (etag.starts_with("&quot;") && etag.ends_with("&quot;") && etag.size() >= 12) {
    etag = etag.substr(6, etag.size() - 12);
  }
  return std::string(etag);
}

std::string ToXmlString(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw);
  return out.str();
}

}  // namespace ferry::s3
