#include "images/reference.h"

#include <cctype>

namespace ferry::images {
namespace {

constexpr char kFormHint[] = "images are HOST[:PORT]/REPO or HOST[:PORT]/REPO:TAG";

bool IsAlnumLower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// One path component: [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)*
bool IsValidComponent(std::string_view c) {
  if (c.empty() || !IsAlnumLower(c.front()) || !IsAlnumLower(c.back())) return false;
  for (size_t i = 0; i < c.size();) {
    if (IsAlnumLower(c[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < c.size() && !IsAlnumLower(c[j])) ++j;
    const std::string_view sep = c.substr(i, j - i);
    const bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
    i = j;
  }
  return true;
}

Status ValidateRepository(const std::string& repo, std::string_view text) {
  size_t start = 0;
  while (true) {
    const size_t slash = repo.find('/', start);
    const std::string_view part =
        std::string_view(repo).substr(start, slash == std::string::npos ? slash : slash - start);
    if (!IsValidComponent(part)) {
      return Status::InvalidArgument(
          "invalid repository name '" + repo + "' in '" + std::string(text) + "'",
          "repository names are lower-case letters, digits and . _ - separated by '/'");
    }
    if (slash == std::string::npos) return Status::OK();
    start = slash + 1;
  }
}

// Splits "repo[:tag]" into its parts, validating both.
Status SplitRepoTag(std::string_view path, std::string_view text, ImageRef& out) {
  if (path.find('@') != std::string_view::npos) {
    return Status::InvalidArgument("'" + std::string(text) + "' names a digest",
                                   std::string(kFormHint) + " (tags, not digests)");
  }
  const size_t colon = path.rfind(':');
  out.repository = std::string(path.substr(0, colon));
  if (colon != std::string_view::npos) {
    out.tag = std::string(path.substr(colon + 1));
    if (!IsValidTag(out.tag)) {
      return Status::InvalidArgument("invalid tag '" + out.tag + "' in '" + std::string(text) + "'",
                                     "tags are up to 128 of A-Z a-z 0-9 _ . - (not starting "
                                     "with . or -)");
    }
  }
  return ValidateRepository(out.repository, text);
}

}  // namespace

std::string ImageRef::ToString() const {
  std::string out = registry;
  if (!repository.empty()) out += "/" + repository;
  if (!tag.empty()) out += ":" + tag;
  return out;
}

bool IsValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128 || tag.front() == '.' || tag.front() == '-') return false;
  for (char c : tag) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) {
      return false;
    }
  }
  return true;
}

std::string JoinRepository(std::string_view prefix, std::string_view name) {
  if (prefix.empty()) return std::string(name);
  if (name.empty()) return std::string(prefix);
  return std::string(prefix) + "/" + std::string(name);
}

Result<ImageRef> ParseImageRef(std::string_view text) {
  std::string_view s = text;
  for (std::string_view scheme : {"docker://", "https://", "http://"}) {
    if (s.starts_with(scheme)) {
      return Status::InvalidArgument("'" + std::string(text) + "' has a scheme",
                                     std::string(kFormHint) +
                                         "; plain-HTTP registries take --insecure-src/--insecure-dst");
    }
  }
  const size_t slash = s.find('/');
  ImageRef ref;
  ref.registry = std::string(s.substr(0, slash));
  if (ref.registry.empty() ||
      ref.registry.find_first_of(" @\t") != std::string::npos) {
    return Status::InvalidArgument("no registry host in '" + std::string(text) + "'", kFormHint);
  }
  if (slash == std::string_view::npos) return ref;
  std::string_view path = s.substr(slash + 1);
  while (path.ends_with('/')) path.remove_suffix(1);
  if (path.empty()) return ref;
  FERRY_RETURN_IF_ERROR(SplitRepoTag(path, text, ref));
  if (ref.registry == "docker.io" || ref.registry == "index.docker.io") {
    ref.registry = "registry-1.docker.io";
  }
  if (ref.registry == "registry-1.docker.io" && ref.repository.find('/') == std::string::npos) {
    ref.repository = "library/" + ref.repository;
  }
  return ref;
}

Result<ImageRef> ParseListLine(std::string_view line, const ImageRef& base) {
  ImageRef ref;
  ref.registry = base.registry;
  FERRY_RETURN_IF_ERROR(SplitRepoTag(line, line, ref));
  ref.repository = JoinRepository(base.repository, ref.repository);
  return ref;
}

}  // namespace ferry::images
