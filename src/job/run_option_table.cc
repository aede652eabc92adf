#include "job/run_option_table.h"

#include <algorithm>

namespace ferry::job {
namespace {

using nlohmann::json;

constexpr unsigned kEverywhere = kInCli | kInTask | kInWorkItem;
// Bounds of this process, not of the run's content: a worker has its own.
constexpr unsigned kNotInWorkItems = kInCli | kInTask;

std::vector<RunOptionDecl> MakeTable() {
  using S = SyncSpec;
  return {
      {"delete", "", "Delete objects found only in DST", &S::delete_extra,
       kEverywhere | kSyncOnly},
      {"allow_empty_source", "", "Let --delete run when the source lists no objects",
       &S::allow_empty_source, kNotInWorkItems | kSyncOnly},
      {"max_delete", "N|P%", "With --delete: refuse to delete more than N objects or P% of DST",
       &S::max_delete, kNotInWorkItems | kSyncOnly},
      {"dry_run", "", "Decide and name each difference, change nothing", &S::dry_run,
       kNotInWorkItems},
      {"compare", "MODE",
       "How objects are judged identical: size-etag (part-layout aware), size-mtime, size, "
       "or checksum (proves equal content, reading bytes where no checksum can)",
       &S::compare, kEverywhere, 0, 0, {"size-etag", "size-mtime", "size", "checksum"}},
      {"prefixes", "PREFIX", "Only keys under these prefixes (the CLI reads them from a file: "
       "--prefix-list)", &S::prefixes, kInTask | kInWorkItem},
      {"modified_after", "TIME",
       "Only objects modified at/after TIME (2026-01-31, 2026-01-31T12:00:00Z)",
       &S::modified_after},
      {"modified_before", "TIME", "Only objects modified before TIME", &S::modified_before},
      {"storage_class", "CLASS", "Storage class of written objects", &S::storage_class},
      {"sse", "MODE", "Server-side encryption of written objects", &S::sse, kEverywhere, 0, 0,
       {"AES256", "aws:kms"}},
      {"sse_kms_key_id", "KEY", "KMS key for --sse aws:kms", &S::sse_kms_key_id},
      {"acl", "ACL", "Canned ACL of written objects (private, bucket-owner-full-control, ...)",
       &S::acl},
      {"no_metadata", "", "Do not copy Content-Type, x-amz-meta-*...", &S::no_metadata},
      {"tags", "", "Copy object tags too (one more request per object)", &S::copy_tags},
      {"request_payer", "", "Accept requester-pays charges (x-amz-request-payer: requester)",
       &S::request_payer},
      {"multipart_threshold", "SIZE",
       "Single-part sources above SIZE go multipart (at most 5G); multipart sources keep "
       "their layout",
       &S::multipart_threshold},
      {"part_size", "SIZE", "Part SIZE for ferry's own layouts (when not given: automatic, 16M or more)",
       &S::part_size},
      {"transfers", "N", "Objects in flight", &S::transfers, kNotInWorkItems, 1, 1024},
      {"memory", "SIZE", "Upper bound on transfer buffers", &S::memory, kNotInWorkItems},
      {"bwlimit", "RATE", "Upload at most RATE bytes/s (e.g. 50M; when not given: unlimited)", &S::bwlimit,
       kNotInWorkItems},
      {"max_attempts", "N", "Attempts per object", &S::max_attempts, kEverywhere, 1, 100},
  };
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// One field of `decl` from `v` into `spec`; an error names `where`.
Status ReadField(const RunOptionDecl& decl, const json& v, const std::string& where,
                 SyncSpec& spec) {
  auto wrong = [&](const std::string& what) {
    return Status::InvalidArgument(where + " must be " + what);
  };
  if (auto* b = std::get_if<bool SyncSpec::*>(&decl.field)) {
    if (!v.is_boolean()) return wrong("true or false");
    spec.*(*b) = v.get<bool>();
  } else if (auto* s = std::get_if<std::string SyncSpec::*>(&decl.field)) {
    if (!v.is_string()) return wrong("a string");
    const auto text = v.get<std::string>();
    if (!decl.choices.empty() && !(text.empty() && (SyncSpec{}.*(*s)).empty()) &&
        std::find(decl.choices.begin(), decl.choices.end(), text) == decl.choices.end()) {
      return Status::InvalidArgument(where + " '" + text + "' must be one of " +
                                     Join(decl.choices));
    }
    spec.*(*s) = text;
  } else if (auto* n = std::get_if<int SyncSpec::*>(&decl.field)) {
    if (!v.is_number_integer() || v.get<int64_t>() < decl.min || v.get<int64_t>() > decl.max) {
      return wrong("an integer " + std::to_string(decl.min) + ".." + std::to_string(decl.max));
    }
    spec.*(*n) = v.get<int>();
  } else if (auto* list = std::get_if<std::vector<std::string> SyncSpec::*>(&decl.field)) {
    if (!v.is_array()) return wrong("an array of strings");
    std::vector<std::string> out;
    for (const auto& item : v) {
      if (!item.is_string()) return wrong("an array of strings");
      out.push_back(item.get<std::string>());
    }
    spec.*(*list) = std::move(out);
  }
  return Status::OK();
}

Status ReadFilters(const json& v, const std::string& where, SyncSpec& spec) {
  const Status wrong = Status::InvalidArgument(
      where + " must be an array of {\"include\": GLOB} or {\"exclude\": GLOB}");
  if (!v.is_array()) return wrong;
  for (const auto& rule : v) {
    const bool ok = rule.is_object() && rule.size() == 1 &&
                    (rule.contains("include") || rule.contains("exclude")) &&
                    rule.begin()->is_string();
    if (!ok) return wrong;
    spec.filters.emplace_back(rule.contains("include"), rule.begin()->get<std::string>());
  }
  return Status::OK();
}

json ValueOf(const RunOptionDecl& decl, const SyncSpec& spec) {
  return std::visit([&](auto member) { return json(spec.*member); }, decl.field);
}

}  // namespace

std::string RunOptionDecl::Flag() const {
  std::string flag = "--" + name;
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

const std::vector<RunOptionDecl>& RunOptionTable() {
  static const std::vector<RunOptionDecl> table = MakeTable();
  return table;
}

const RunOptionDecl& RunOption(const std::string& name) {
  for (const auto& decl : RunOptionTable()) {
    if (decl.name == name) return decl;
  }
  std::abort();  // a typo in ferry's own code, found by any test
}

json OptionsToJson(const SyncSpec& spec, OptionScope scope) {
  json out = json::object();
  for (const auto& decl : RunOptionTable()) {
    if (decl.scope & scope) out[decl.name] = ValueOf(decl, spec);
  }
  json filters = json::array();
  for (const auto& [include, glob] : spec.filters) {
    filters.push_back({{include ? "include" : "exclude", glob}});
  }
  out["filters"] = std::move(filters);
  return out;
}

Status OptionsFromJson(const json& j, const std::string& path, OptionScope scope,
                       SyncSpec& spec) {
  if (!j.is_object()) return Status::InvalidArgument(path + " must be a JSON object");
  std::vector<std::string> known = {"filters"};
  for (const auto& decl : RunOptionTable()) {
    if (decl.scope & scope) known.push_back(decl.name);
  }
  for (const auto& [key, value] : j.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return Status::InvalidArgument("unknown field '" + path + "." + key + "'",
                                     "one of " + Join(known));
    }
  }
  for (const auto& decl : RunOptionTable()) {
    if (!(decl.scope & scope)) continue;
    auto it = j.find(decl.name);
    if (it == j.end() || it->is_null()) continue;
    FERRY_RETURN_IF_ERROR(ReadField(decl, *it, path + "." + decl.name, spec));
  }
  if (auto it = j.find("filters"); it != j.end() && !it->is_null()) {
    FERRY_RETURN_IF_ERROR(ReadFilters(*it, path + ".filters", spec));
  }
  return Status::OK();
}

json OptionsSchema(OptionScope scope) {
  const SyncSpec defaults;
  json properties = json::object();
  for (const auto& decl : RunOptionTable()) {
    if (!(decl.scope & scope)) continue;
    json p = {{"description", decl.help}};
    std::visit(
        [&](auto member) {
          using T = std::decay_t<decltype(defaults.*member)>;
          if constexpr (std::is_same_v<T, bool>) {
            p["type"] = "boolean";
          } else if constexpr (std::is_same_v<T, int>) {
            p["type"] = "integer";
            p["minimum"] = decl.min;
            p["maximum"] = decl.max;
          } else if constexpr (std::is_same_v<T, std::string>) {
            p["type"] = "string";
            if (!decl.choices.empty()) {
              // "" (none) is a value only where it is the default (--sse).
              json values = json::array();
              if ((defaults.*member).empty()) values.push_back("");
              for (const auto& c : decl.choices) values.push_back(c);
              p["enum"] = values;
            }
          } else {
            p["type"] = "array";
            p["items"] = {{"type", "string"}};
          }
          p["default"] = defaults.*member;
        },
        decl.field);
    properties[decl.name] = std::move(p);
  }
  properties["filters"] = {
      {"type", "array"},
      {"description", "Rules applied in order: the first that matches a key decides"},
      {"items",
       {{"type", "object"},
        {"minProperties", 1},
        {"maxProperties", 1},
        {"properties",
         {{"include", {{"type", "string"}}}, {"exclude", {{"type", "string"}}}}}}}};
  return {{"type", "object"}, {"additionalProperties", false}, {"properties", properties}};
}

}  // namespace ferry::job
