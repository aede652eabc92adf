#include "fleet/work_item.h"

#include <algorithm>

namespace ferry::fleet {
namespace {

using nlohmann::json;

// S3's limits: what no planner sends, so a worker never allocates more.
constexpr uint64_t kMaxPartSize = uint64_t{5} << 30;
constexpr uint64_t kMaxObjectSize = uint64_t{5} << 40;

Status Malformed(const std::string& what) {
  return Status::InvalidArgument("malformed work item: " + what,
                                 "what sends to the queue: only `ferry sync --fleet` planners");
}

const char* KindName(ItemKind kind) {
  switch (kind) {
    case ItemKind::kObjects: return "objects";
    case ItemKind::kDeletes: return "deletes";
    case ItemKind::kParts: return "parts";
  }
  return "objects";
}

bool GetString(const json& j, const char* key, std::string& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

bool GetUint(const json& j, const char* key, uint64_t& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return false;
  out = it->get<uint64_t>();
  return true;
}

bool GetBool(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

bool GetInt(const json& j, const char* key, int64_t& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return false;
  out = it->get<int64_t>();
  return true;
}

// [key, size, etag, mtime_ms] into `e`.
bool ReadEntry(const json& a, size_t at, store::ObjectEntry& e) {
  if (!a.is_array() || a.size() < at + 4 || !a[at].is_string() || !a[at + 1].is_number_unsigned() ||
      !a[at + 2].is_string() || !a[at + 3].is_number_integer()) {
    return false;
  }
  e.key = a[at].get<std::string>();
  e.size = a[at + 1].get<uint64_t>();
  e.etag = a[at + 2].get<std::string>();
  e.mtime_ms = a[at + 3].get<int64_t>();
  return !e.key.empty() && e.size <= kMaxObjectSize;
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

uint64_t WorkItem::bytes() const {
  uint64_t n = 0;
  for (const auto& o : objects) n += o.source.size;
  if (kind == ItemKind::kParts) {
    for (int p = part.first; p <= part.last; ++p) n += part.plan.Length(p, part.size);
  }
  return n;
}

size_t EncodedSize(const ItemObject& object) {
  // Keys may need escaping (up to 6 bytes per byte for control bytes); most do not.
  const size_t key = object.source.key.size() + object.source.key.size() / 4;
  return key + object.source.etag.size() + 48 +
         (object.destination.key.empty() ? 0 : object.destination.etag.size() + 40);
}

std::string EncodeItem(const WorkItem& item) {
  json j = {{"v", 1},       {"run", item.run},         {"item", item.id},
            {"kind", KindName(item.kind)}, {"results", item.results_url}, {"spec", item.spec}};
  switch (item.kind) {
    case ItemKind::kObjects: {
      json objects = json::array(), checks = json::array();
      for (const auto& o : item.objects) {
        const auto& s = o.source;
        if (o.destination.key.empty()) {
          objects.push_back({s.key, s.size, s.etag, s.mtime_ms});
        } else {
          const auto& d = o.destination;
          checks.push_back({s.key, s.size, s.etag, s.mtime_ms, d.size, d.etag, d.mtime_ms});
        }
      }
      j["objects"] = std::move(objects);
      if (!checks.empty()) j["checks"] = std::move(checks);
      break;
    }
    case ItemKind::kDeletes:
      j["deletes"] = item.deletes;
      break;
    case ItemKind::kParts: {
      const PartRange& p = item.part;
      j["part"] = {{"key", p.key},       {"upload_id", p.upload_id},
                   {"size", p.size},     {"etag", p.etag},
                   {"mtime_ms", p.mtime_ms}, {"part_size", p.plan.part_size},
                   {"parts", p.plan.parts}, {"starts", p.plan.starts},
                   {"first", p.first},   {"last", p.last}};
      break;
    }
  }
  return Dump(j);
}

bool LooksLikeItem(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  return j.is_object() && j.contains("item") && j.contains("kind") && j.contains("spec");
}

Result<WorkItem> DecodeItem(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return Malformed("not a JSON object");
  auto v = j.find("v");
  if (v == j.end() || !v->is_number_integer() || v->get<int>() != 1) {
    return Malformed("unknown version (this worker reads version 1)");
  }
  WorkItem item;
  std::string kind;
  if (!GetString(j, "run", item.run) || !GetString(j, "item", item.id) ||
      !GetString(j, "kind", kind) || !GetString(j, "results", item.results_url)) {
    return Malformed("run, item, kind or results missing");
  }
  auto spec = j.find("spec");
  if (spec == j.end() || !spec->is_object()) return Malformed("no spec");
  item.spec = *spec;
  if (kind == "objects") {
    item.kind = ItemKind::kObjects;
    auto objects = j.find("objects");
    if (objects == j.end() || !objects->is_array()) return Malformed("no objects");
    for (const auto& o : *objects) {
      ItemObject object;
      if (!ReadEntry(o, 0, object.source)) return Malformed("an object entry");
      item.objects.push_back(std::move(object));
    }
    if (auto checks = j.find("checks"); checks != j.end()) {
      if (!checks->is_array()) return Malformed("checks");
      for (const auto& c : *checks) {
        ItemObject object;
        if (!ReadEntry(c, 0, object.source) || c.size() < 7 || !c[4].is_number_unsigned() ||
            !c[5].is_string() || !c[6].is_number_integer()) {
          return Malformed("a check entry");
        }
        object.destination = {object.source.key, c[4].get<uint64_t>(), c[5].get<std::string>(),
                              c[6].get<int64_t>(), "", ""};
        item.objects.push_back(std::move(object));
      }
    }
  } else if (kind == "deletes") {
    item.kind = ItemKind::kDeletes;
    auto deletes = j.find("deletes");
    if (deletes == j.end() || !deletes->is_array()) return Malformed("no deletes");
    for (const auto& d : *deletes) {
      if (!d.is_string() || d.get<std::string>().empty()) return Malformed("a delete entry");
      item.deletes.push_back(d.get<std::string>());
    }
  } else if (kind == "parts") {
    item.kind = ItemKind::kParts;
    auto part = j.find("part");
    if (part == j.end() || !part->is_object()) return Malformed("no part range");
    PartRange& p = item.part;
    uint64_t part_size = 0;
    int64_t parts = 0, first = 0, last = 0;
    if (!GetString(*part, "key", p.key) || !GetString(*part, "upload_id", p.upload_id) ||
        !GetUint(*part, "size", p.size) || !GetString(*part, "etag", p.etag) ||
        !GetInt(*part, "mtime_ms", p.mtime_ms) || !GetUint(*part, "part_size", part_size) ||
        !GetInt(*part, "parts", parts) || !GetInt(*part, "first", first) ||
        !GetInt(*part, "last", last)) {
      return Malformed("a part range");
    }
    p.plan.part_size = part_size;
    p.plan.parts = static_cast<int>(parts);
    if (auto starts = part->find("starts"); starts != part->end() && starts->is_array()) {
      for (const auto& s : *starts) {
        if (!s.is_number_unsigned()) return Malformed("part starts");
        p.plan.starts.push_back(s.get<uint64_t>());
      }
    }
    p.first = static_cast<int>(first);
    p.last = static_cast<int>(last);
    const bool starts_ok = p.plan.starts.empty() ||
                           p.plan.starts.size() == static_cast<size_t>(parts) + 1;
    if (p.key.empty() || parts < 1 || parts > 10000 || first < 1 || last < first ||
        last > parts || !starts_ok || p.size > kMaxObjectSize) {
      return Malformed("a part range out of bounds");
    }
    if (p.plan.starts.empty()) {
      // Uniform parts: every part but the last is part_size, the last at most that.
      const uint64_t n = static_cast<uint64_t>(parts);
      if (p.size == 0 || part_size == 0 || part_size > kMaxPartSize ||
          (n - 1) * part_size >= p.size || n * part_size < p.size) {
        return Malformed("a part layout that does not fit the size");
      }
    } else {
      if (p.plan.starts.front() != 0 || p.plan.starts.back() != p.size) {
        return Malformed("part starts that do not cover the size");
      }
      for (size_t i = 1; i < p.plan.starts.size(); ++i) {
        if (p.plan.starts[i] < p.plan.starts[i - 1] ||
            p.plan.starts[i] - p.plan.starts[i - 1] > kMaxPartSize) {
          return Malformed("part starts out of order or parts too large");
        }
      }
    }
  } else {
    return Malformed("unknown kind '" + kind + "'");
  }
  return item;
}

std::string EncodeResult(const ItemResult& r) {
  json failures = json::array();
  for (const auto& f : r.failures) {
    failures.push_back({{"key", f.key}, {"attempts", f.attempts}, {"error", f.error}});
  }
  json parts = json::array();
  for (const auto& p : r.parts) parts.push_back({p.part_number, p.etag, p.size});
  return Dump({{"v", 1},
               {"run", r.run},
               {"item", r.item},
               {"worker", r.worker},
               {"receive", r.receive},
               {"done", r.done},
               {"final", r.final},
               {"copied", r.copied},
               {"same", r.same},
               {"deleted", r.deleted},
               {"bytes", r.bytes},
               {"unverified", r.unverified},
               {"failures", failures},
               {"parts", parts}});
}

Result<ItemResult> DecodeResult(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return Status::InvalidArgument("a result that is no JSON object");
  ItemResult r;
  if (!GetString(j, "run", r.run) || !GetString(j, "item", r.item)) {
    return Status::InvalidArgument("a result without run or item");
  }
  GetString(j, "worker", r.worker);
  int64_t receive = 1;
  GetInt(j, "receive", receive);
  r.receive = static_cast<int>(std::clamp<int64_t>(receive, 1, 1'000'000));
  r.done = GetBool(j, "done");
  r.final = GetBool(j, "final");
  GetUint(j, "copied", r.copied);
  GetUint(j, "same", r.same);
  GetUint(j, "deleted", r.deleted);
  GetUint(j, "bytes", r.bytes);
  GetUint(j, "unverified", r.unverified);
  if (auto f = j.find("failures"); f != j.end() && f->is_array()) {
    for (const auto& x : *f) {
      if (!x.is_object()) continue;
      engine::FailedObject failure;
      GetString(x, "key", failure.key);
      int64_t attempts = 0;
      GetInt(x, "attempts", attempts);
      failure.attempts = static_cast<int>(std::clamp<int64_t>(attempts, 0, 1000));
      GetString(x, "error", failure.error);
      r.failures.push_back(std::move(failure));
    }
  }
  if (auto p = j.find("parts"); p != j.end() && p->is_array()) {
    for (const auto& x : *p) {
      if (x.is_array() && x.size() == 3 && x[0].is_number_integer() && x[1].is_string() &&
          x[2].is_number_unsigned()) {
        r.parts.push_back({static_cast<int>(x[0].get<int64_t>()), x[1].get<std::string>(), x[2].get<uint64_t>()});
      }
    }
  }
  return r;
}

}  // namespace ferry::fleet
