#include "images/manifest.h"

#include <nlohmann/json.hpp>

#include "images/json_field.h"
#include "images/digest.h"

namespace ferry::images {
namespace {

bool IsKnownType(const std::string& t) {
  return t == kDockerManifest || t == kDockerManifestList || t == kOciManifest || t == kOciIndex;
}

Result<Descriptor> ReadDescriptor(const nlohmann::json& j, const char* where) {
  if (!j.is_object() || !j.contains("digest") || !j["digest"].is_string()) {
    return Status::InvalidArgument(std::string("manifest has a ") + where + " without a digest");
  }
  Descriptor d;
  d.digest = j["digest"].get<std::string>();
  FERRY_RETURN_IF_ERROR(CheckDigest(d.digest));
  d.media_type = StringField(j, "mediaType");
  if (j.contains("size") && j["size"].is_number_unsigned()) d.size = j["size"].get<uint64_t>();
  if (j.contains("platform") && j["platform"].is_object()) {
    const auto& p = j["platform"];
    d.platform = StringField(p, "os") + "/" + StringField(p, "architecture");
    if (const std::string variant = StringField(p, "variant"); !variant.empty()) {
      d.platform += "/" + variant;
    }
  }
  return d;
}

bool IsForeignLayer(const Descriptor& d) {
  return d.media_type.find("foreign") != std::string::npos ||
         d.media_type.find("nondistributable") != std::string::npos;
}

}  // namespace

const char* ManifestAccept() {
  static const std::string accept = std::string(kOciIndex) + ", " + kDockerManifestList + ", " +
                                    kOciManifest + ", " + kDockerManifest;
  return accept.c_str();
}

bool IsIndexType(const std::string& media_type) {
  return media_type == kOciIndex || media_type == kDockerManifestList;
}

Result<Manifest> ParseManifest(const std::string& bytes, const std::string& content_type) {
  auto doc = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::InvalidArgument("manifest is not a JSON object");
  }
  Manifest m;
  // The Content-Type is authoritative when it names a known type; registries
  // that answer application/json or octet-stream leave it to the document.
  const std::string base_type = content_type.substr(0, content_type.find(';'));
  const bool generic = base_type.empty() || base_type == "application/json" ||
                       base_type == "application/octet-stream" || base_type == "text/plain";
  m.media_type = !generic ? base_type : StringField(doc, "mediaType");
  if (doc.contains("schemaVersion") && doc["schemaVersion"] == 1) {
    m.media_type = "application/vnd.docker.distribution.manifest.v1+json";
  }
  if (m.media_type.empty()) {
    // An OCI document may omit mediaType: "manifests" makes an index.
    m.media_type = doc.contains("manifests") ? kOciIndex : kOciManifest;
  }
  if (!IsKnownType(m.media_type)) {
    Status st = Status::NotSupported("manifest type '" + m.media_type + "'");
    return std::move(st).WithHint(
        "ferry copies Docker v2 schema 2 manifests and lists and OCI manifests and indexes; "
        "schema 1 images must be converted first (e.g. re-pushed by a current docker)");
  }
  m.is_index = IsIndexType(m.media_type);
  if (m.is_index) {
    if (!doc.contains("manifests") || !doc["manifests"].is_array()) {
      return Status::InvalidArgument("manifest list has no \"manifests\" array");
    }
    for (const auto& entry : doc["manifests"]) {
      auto d = ReadDescriptor(entry, "list entry");
      if (!d.ok()) return std::move(d).take_error();
      m.children.push_back(std::move(*d));
    }
  } else {
    if (!doc.contains("config")) return Status::InvalidArgument("image manifest has no config");
    auto config = ReadDescriptor(doc["config"], "config");
    if (!config.ok()) return std::move(config).take_error();
    m.blobs.push_back(std::move(*config));
    if (doc.contains("layers") && doc["layers"].is_array()) {
      for (const auto& entry : doc["layers"]) {
        auto d = ReadDescriptor(entry, "layer");
        if (!d.ok()) return std::move(d).take_error();
        if (!IsForeignLayer(*d)) m.blobs.push_back(std::move(*d));
      }
    }
  }
  if (doc.contains("subject")) {
    auto subject = ReadDescriptor(doc["subject"], "subject");
    if (!subject.ok()) return std::move(subject).take_error();
    m.subject = std::move(*subject);
  }
  return m;
}

}  // namespace ferry::images
