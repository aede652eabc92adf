// Small helpers for reading S3's XML responses with pugixml. Results are read
// from the document element whatever its name: services disagree on it
// (moto answers ListParts with <ListPartsResponse>, AWS with <ListPartsResult>).
#pragma once

#include <pugixml.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ferry::s3 {

// Loads `body` into `doc`; the error names the operation whose answer was malformed.
Status ParseXml(std::string_view body, const char* op, pugi::xml_document& doc);

// Child text decoded from encoding-type=url when `url_encoded` ('+' is a space
// there, as in forms: AWS and SeaweedFS encode spaces so, and '+' itself as %2B).
std::string ChildText(const pugi::xml_node& node, const char* name, bool url_encoded = false);
uint64_t ChildU64(const pugi::xml_node& node, const char* name);
bool ChildBool(const pugi::xml_node& node, const char* name);
// ETags are quoted on the wire; ferry keeps them bare.
std::string StripQuotes(std::string_view etag);
// Serialises `doc` without an indent, as request bodies.
std::string ToXmlString(const pugi::xml_document& doc);

}  // namespace ferry::s3
