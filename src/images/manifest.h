// Manifests as the copier needs them: which blobs and child manifests one
// references. The bytes are never re-serialised: digests must not change.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace ferry::images {

inline constexpr char kDockerManifest[] = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr char kDockerManifestList[] =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr char kOciManifest[] = "application/vnd.oci.image.manifest.v1+json";
inline constexpr char kOciIndex[] = "application/vnd.oci.image.index.v1+json";

// The Accept header of manifest requests: every type the copier understands.
const char* ManifestAccept();

bool IsIndexType(const std::string& media_type);

struct Descriptor {
  std::string media_type;
  std::string digest;
  uint64_t size = 0;
  std::string platform;  // "linux/arm64/v8" for index entries, else empty
};

struct Manifest {
  std::string media_type;
  bool is_index = false;
  std::vector<Descriptor> children;  // index: the manifests it lists
  std::vector<Descriptor> blobs;     // image: config first, then layers to copy
  std::optional<Descriptor> subject;  // OCI 1.1: the manifest this one refers to
};

// Parses `bytes` served with `content_type` (which may be empty or generic; the
// document's own "mediaType" then decides). Foreign (non-distributable) layers are
// left out of `blobs`: registries do not store them. Schema 1 and unknown types
// are NotSupported with a hint naming the type.
Result<Manifest> ParseManifest(const std::string& bytes, const std::string& content_type);

}  // namespace ferry::images
