#include "job/image_spec.h"

#include <fstream>

#include "job/units.h"

namespace ferry::job {
namespace {

using images::ImageRef;
using images::ImageSelection;

std::string Field(const char* name) { return name; }

// What the spec selects; repositories of `all_repos` are listed later.
Result<std::vector<ImageSelection>> Selections(const ImageSpec& spec, const ImageRef& src,
                                               const ImageRef& dst, const ImageFieldNames& n) {
  const bool listing = !spec.list.empty() || spec.all_repos;
  if (!spec.list.empty() && spec.all_repos) {
    return Status::InvalidArgument(Field(n.list) + " and " + n.all_repos + " exclude each other");
  }
  if (listing && (!src.tag.empty() || !dst.tag.empty())) {
    return Status::InvalidArgument(
        "with " + Field(n.list) + " or " + n.all_repos + ", " + n.source + " and " +
            n.destination + " name registries, not tags",
        Field(n.source) + " is HOST[:PORT][/NAMESPACE], " + n.destination +
            " is HOST[:PORT][/PREFIX]");
  }
  if (!listing && src.repository.empty()) {
    return Status::InvalidArgument(
        Field(n.source) + " '" + spec.source + "' names no repository",
        "HOST[:PORT]/REPO[:TAG], or " + Field(n.list) + " / " + n.all_repos);
  }
  if (!dst.tag.empty() && src.tag.empty()) {
    return Status::InvalidArgument(
        Field(n.destination) + " names a tag but " + n.source + " does not",
        "a destination tag renames one source tag: SRC:TAG DST:TAG");
  }
  if ((!spec.tags.empty() || !spec.tag_globs.empty()) && !src.tag.empty()) {
    return Status::InvalidArgument(Field(n.tags) + " selects among every tag, but " + n.source +
                                   " names one tag");
  }
  std::vector<ImageSelection> selections;
  if (!spec.list.empty()) {
    for (size_t i = 0; i < spec.list.size(); ++i) {
      auto item = images::ParseListLine(spec.list[i], ImageRef{src.registry, "", ""});
      if (!item.ok()) {
        return std::move(item).take_error().Context(Field(n.list) + " item " +
                                                    std::to_string(i + 1) + " '" +
                                                    spec.list[i] + "'");
      }
      selections.push_back({images::JoinRepository(src.repository, item->repository), item->tag,
                            images::JoinRepository(dst.repository, item->repository), ""});
    }
  } else if (!spec.all_repos) {
    selections.push_back({src.repository, src.tag,
                          dst.repository.empty() ? src.repository : dst.repository, dst.tag});
  }
  return selections;
}

Result<images::ImageSyncOptions> Options(const ImageSpec& spec, const ImageFieldNames& n) {
  images::ImageSyncOptions o;
  if (spec.transfers < 1 || spec.transfers > 256) {
    return Status::InvalidArgument(Field(n.transfers) + " must be 1..256");
  }
  if (spec.max_attempts < 1) {
    return Status::InvalidArgument(Field(n.max_attempts) + " must be at least 1");
  }
  auto chunk = ParseSize(spec.chunk_size, n.chunk_size);
  if (!chunk.ok()) return std::move(chunk).take_error();
  if (*chunk < (uint64_t{64} << 10) || *chunk > (uint64_t{1} << 30)) {
    return Status::InvalidArgument(Field(n.chunk_size) + " " + spec.chunk_size +
                                       " is out of range",
                                   "64K to 1G");
  }
  o.transfers = spec.transfers;
  o.max_attempts = spec.max_attempts;
  o.chunk_size = *chunk;
  o.dry_run = spec.dry_run;
  return o;
}

bool IsTagChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '.' || c == '-';
}

}  // namespace

Result<std::vector<std::string>> ReadImageListFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Status::InvalidArgument("cannot read the list file '" + path + "'",
                                   "the file exists and is readable");
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    const size_t start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#') continue;
    line = line.substr(start, line.find_last_not_of(" \t\r") - start + 1);
    lines.push_back(std::move(line));
  }
  if (lines.empty()) {
    // Else the run would copy SRC itself, which a list's registry names do not select.
    return Status::InvalidArgument("the list file '" + path + "' names no image",
                                   "lines REPO[:TAG]; # starts a comment");
  }
  return lines;
}

std::string RegistryOrigin(const std::string& host, bool insecure) {
  return (insecure ? "http://" : "https://") + host;
}

Result<std::string> TagGlobsRegex(const std::vector<std::string>& globs,
                                  const std::string& field) {
  if (globs.empty()) return std::string();
  std::string regex = "(?:";
  for (size_t i = 0; i < globs.size(); ++i) {
    const std::string& glob = globs[i];
    if (glob.empty() || glob.size() > 128) {
      return Status::InvalidArgument(field + " item " + std::to_string(i + 1) +
                                     " must be 1 to 128 characters");
    }
    if (i > 0) regex += '|';
    for (char c : glob) {
      if (c == '*') {
        regex += ".*";
      } else if (c == '?') {
        regex += '.';
      } else if (IsTagChar(c)) {
        if (c == '.') regex += '\\';  // the only tag character a regex reads specially
        regex += c;
      } else {
        return Status::InvalidArgument(
            field + " item " + std::to_string(i + 1) + " '" + glob + "' is not a tag or glob",
            "tag characters [A-Za-z0-9_.-], '*' for any run of them, '?' for one");
      }
    }
  }
  return regex + ")";
}

Result<ParsedImageSpec> ParseImageSpec(const ImageSpec& spec, const ImageFieldNames& names) {
  ParsedImageSpec out;
  auto options = Options(spec, names);
  if (!options.ok()) return std::move(options).take_error();
  out.options = std::move(*options);
  std::string tags = spec.tags;
  if (!spec.tag_globs.empty()) {
    if (!tags.empty()) {
      return Status::InvalidArgument("a regex of tags and a list of tag globs exclude each other");
    }
    auto globs = TagGlobsRegex(spec.tag_globs, names.tags);
    if (!globs.ok()) return std::move(globs).take_error();
    tags = std::move(*globs);
  }
  if (!tags.empty()) {
    try {
      out.tags.emplace(tags, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return Status::InvalidArgument(Field(names.tags) + " '" + tags +
                                     "' is not a valid regex: " + e.what());
    }
  }
  // Errors start with the field, which names the side too (no WithSide: a
  // second "source: " prefix in messages).
  auto src = images::ParseImageRef(spec.source);
  if (!src.ok()) return std::move(src).take_error().Context(names.source);
  auto dst = images::ParseImageRef(spec.destination);
  if (!dst.ok()) return std::move(dst).take_error().Context(names.destination);
  auto selections = Selections(spec, *src, *dst, names);
  if (!selections.ok()) return std::move(selections).take_error();
  out.src = std::move(*src);
  out.dst = std::move(*dst);
  out.selections = std::move(*selections);
  out.src_origin = RegistryOrigin(out.src.registry, spec.insecure_source);
  out.dst_origin = RegistryOrigin(out.dst.registry, spec.insecure_destination);
  return out;
}

}  // namespace ferry::job
