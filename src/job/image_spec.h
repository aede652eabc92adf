// A run of image copies described as data: what `ferry images sync`'s flags and
// an images task of the server (service/task_json.h) both become, and how it is
// checked and turned into the images layer's selections and options without
// touching a network. job/image_run.h runs it.
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "core/status.h"
#include "images/image_plan.h"
#include "images/image_sync.h"
#include "images/reference.h"

namespace ferry::job {

struct ImageSpec {
  // HOST[:PORT]/REPO[:TAG]; with `list` or `all_repos` HOST[:PORT][/NAMESPACE].
  std::string source;
  // HOST[:PORT]/REPO[:TAG]; with `list` or `all_repos` HOST[:PORT][/PREFIX].
  std::string destination;
  // REPO[:TAG] items resolved under SRC's namespace and DST's prefix (the
  // CLI reads them from its --list file; a task carries them inline).
  std::vector<std::string> list;
  bool all_repos = false;  // every repository of SRC (catalog; DescribeRepositories on ECR)
  // Regex a tag must match in full (the CLI's --tags); "" = every tag.
  std::string tags;
  // Or tag names and globs (a task's images.tags), one of which a tag matches.
  std::vector<std::string> tag_globs;
  bool insecure_source = false;  // plain HTTP
  bool insecure_destination = false;
  std::string src_ecr_region;  // "" = ECR only when the host says so
  std::string dst_ecr_region;
  std::string ecr_endpoint;       // "" = AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL, Amazon's
  int transfers = 8;              // blobs in flight, and images. 1..256
  int max_attempts = 3;           // per image; at least 1
  std::string chunk_size = "16M"; // 64K..1G; memory is about transfers x chunk_size
  bool dry_run = false;
};

// What errors call each field: the CLI's flags, or a task's JSON fields, so
// that a message names what the user wrote.
struct ImageFieldNames {
  const char* source;
  const char* destination;
  const char* list;
  const char* all_repos;
  const char* tags;
  const char* transfers;
  const char* max_attempts;
  const char* chunk_size;
};
inline constexpr ImageFieldNames kImageFlagNames{"SRC",         "DST",          "--list",
                                                 "--all-repos", "--tags",       "--transfers",
                                                 "--max-attempts", "--chunk-size"};
inline constexpr ImageFieldNames kImageTaskFieldNames{
    "source",      "destination",        "images.list",         "images.all_repos",
    "images.tags", "images.transfers",   "images.max_attempts", "images.chunk_size"};

// An ImageSpec checked and parsed: everything but what only the registries know
// (the repositories of `all_repos`, the tags of a repository).
struct ParsedImageSpec {
  images::ImageRef src;
  images::ImageRef dst;
  // Empty with `all_repos`: the source's catalog gives them (job/image_run.cc).
  std::vector<images::ImageSelection> selections;
  std::optional<std::regex> tags;
  images::ImageSyncOptions options;
  // The registry origins ("https://host[:port]", "http://..." when insecure):
  // what a task's stored credentials are bound to and its targets checked by.
  std::string src_origin;
  std::string dst_origin;
};

// Checks `spec` (references, list items, tags, limits); errors name the field
// as `names` calls it, and the side.
Result<ParsedImageSpec> ParseImageSpec(const ImageSpec& spec, const ImageFieldNames& names);

// One regex, matching in full, for a list of tag names and globs ('*' any run
// of characters, '?' one): ["v1", "release-*"] -> "(?:v1|release-.*)". A glob
// may hold only tag characters [A-Za-z0-9_.-] besides * and ?; InvalidArgument
// naming `field` and the item otherwise. An empty list gives "" (every tag).
Result<std::string> TagGlobsRegex(const std::vector<std::string>& globs, const std::string& field);

// The REPO[:TAG] lines of a list file (blank lines and # comments left out).
// InvalidArgument naming the file when it cannot be read or names no image.
Result<std::vector<std::string>> ReadImageListFile(const std::string& path);

// The registry origin of HOST[:PORT]: "https://host[:port]", or "http://..." when insecure.
std::string RegistryOrigin(const std::string& host, bool insecure);

}  // namespace ferry::job
