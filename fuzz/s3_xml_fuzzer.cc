// S3's XML answers: every operation reads them through these helpers.
#include <pugixml.hpp>

#include "fuzz_input.h"
#include "s3/xml.h"

namespace {

void Walk(const pugi::xml_node& node, int depth) {
  if (depth > 64) return;
  for (const char* name : {"Key", "Prefix", "Size", "IsTruncated", "ETag", "UploadId"}) {
    (void)ferry::s3::ChildText(node, name, /*url_encoded=*/true);
    (void)ferry::s3::ChildU64(node, name);
    (void)ferry::s3::ChildBool(node, name);
    (void)ferry::s3::StripQuotes(ferry::s3::ChildText(node, name));
  }
  for (const pugi::xml_node& child : node.children()) Walk(child, depth + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pugi::xml_document doc;
  if (ferry::s3::ParseXml(ferry::fuzz::AsText(data, size), "ListObjectsV2", doc).ok()) {
    Walk(doc.document_element(), 0);
  }
  return 0;
}
