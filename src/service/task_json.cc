#include "service/task_json.h"

#include "job/run_option_table.h"

#include <initializer_list>
#include <set>

namespace ferry::service {
namespace {

using nlohmann::json;

// Reads the fields of one JSON object, checking types; the first error wins.
class FieldReader {
 public:
  FieldReader(const json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) status_ = Status::InvalidArgument(Where("") + " must be a JSON object");
  }

  void String(const char* key, std::string& out) {
    if (const json* v = Find(key)) {
      if (v->is_string()) out = v->get<std::string>();
      else Fail(key, "a string");
    }
  }
  void Bool(const char* key, bool& out) {
    if (const json* v = Find(key)) {
      if (v->is_boolean()) out = v->get<bool>();
      else Fail(key, "true or false");
    }
  }
  void Int(const char* key, int& out, int min, int max) {
    if (const json* v = Find(key)) {
      if (v->is_number_integer() && v->get<int64_t>() >= min && v->get<int64_t>() <= max) {
        out = v->get<int>();
      } else {
        Fail(key, "an integer " + std::to_string(min) + ".." + std::to_string(max));
      }
    }
  }
  void Strings(const char* key, std::vector<std::string>& out) {
    if (const json* v = Find(key)) {
      if (!v->is_array()) return Fail(key, "an array of strings");
      for (const auto& item : *v) {
        if (!item.is_string()) return Fail(key, "an array of strings");
        out.push_back(item.get<std::string>());
      }
    }
  }
  // The object at `key`, or null when absent.
  const json* Object(const char* key) {
    const json* v = Find(key);
    if (v != nullptr && !v->is_object()) {
      Fail(key, "a JSON object");
      return nullptr;
    }
    return v;
  }
  const json* Array(const char* key) {
    const json* v = Find(key);
    if (v != nullptr && !v->is_array()) {
      Fail(key, "an array");
      return nullptr;
    }
    return v;
  }
  // Fields not in `known` are errors: a misspelt option must not pass silently.
  void OnlyKnown(std::initializer_list<const char*> known) {
    if (!status_.ok() || !j_.is_object()) return;
    std::set<std::string> names(known.begin(), known.end());
    for (const auto& [key, value] : j_.items()) {
      if (!names.contains(key)) {
        std::string list;
        for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        status_ = Status::InvalidArgument("unknown field '" + Where(key) + "'", "one of " + list);
        return;
      }
    }
  }
  std::string Where(const std::string& key) const {
    if (path_.empty()) return key.empty() ? "the task" : key;
    return key.empty() ? path_ : path_ + "." + key;
  }
  void Merge(const Status& st) {
    if (status_.ok() && !st.ok()) status_ = st;
  }
  const Status& status() const { return status_; }

 private:
  const json* Find(const char* key) {
    if (!status_.ok() || !j_.is_object()) return nullptr;
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  void Fail(const char* key, const std::string& expected) {
    if (status_.ok()) status_ = Status::InvalidArgument(Where(key) + " must be " + expected);
  }

  const json& j_;
  std::string path_;
  Status status_;
};

Status ReadEndpoint(const json& j, const std::string& path, job::EndpointSettings& out,
                    std::string& credential) {
  FieldReader r(j, path);
  r.OnlyKnown({"endpoint", "region", "profile", "secret", "credential", "path_style",
               "virtual_hosted", "no_sign_request"});
  r.String("endpoint", out.endpoint);
  r.String("region", out.region);
  r.String("profile", out.profile);
  r.String("secret", out.secret);
  r.String("credential", credential);
  r.Bool("path_style", out.path_style);
  r.Bool("virtual_hosted", out.virtual_hosted);
  r.Bool("no_sign_request", out.no_sign_request);
  return r.status();
}

json EndpointToJson(const job::EndpointSettings& e, const std::string& credential) {
  return {{"endpoint", e.endpoint},
          {"region", e.region},
          {"profile", e.profile},
          {"secret", e.secret},
          {"credential", credential},
          {"path_style", e.path_style},
          {"virtual_hosted", e.virtual_hosted},
          {"no_sign_request", e.no_sign_request}};
}

// "notify", the same for every kind of task.
Status ReadNotify(const json& j, NotifySpec& out) {
  FieldReader r(j, "notify");
  r.OnlyKnown({"webhook", "sns_topic_arn", "sns_region", "sns_endpoint", "sns_credential"});
  r.String("webhook", out.webhook);
  r.String("sns_topic_arn", out.sns_topic_arn);
  r.String("sns_region", out.sns_region);
  r.String("sns_endpoint", out.sns_endpoint);
  r.String("sns_credential", out.sns_credential);
  return r.status();
}

json NotifyToJson(const NotifySpec& n) {
  return {{"webhook", n.webhook},
          {"sns_topic_arn", n.sns_topic_arn},
          {"sns_region", n.sns_region},
          {"sns_endpoint", n.sns_endpoint},
          {"sns_credential", n.sns_credential}};
}

const char* ModeName(engine::RunMode mode) {
  switch (mode) {
    case engine::RunMode::kSync: return "sync";
    case engine::RunMode::kCopy: return "copy";
    case engine::RunMode::kCheck: return "check";
  }
  return "sync";
}

json Optional(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }

// Fields of an S3 task that an images task refuses by name rather than as unknown.
constexpr const char* kS3OnlyFields[] = {"mode",    "source_endpoint", "destination_endpoint",
                                         "options", "trigger",         "fleet"};

// A task of kind "images": source and destination are registries, images.*
// its options (job/image_spec.h); notify as for any task.
Result<TaskSpec> ImageTaskSpecFromJson(const json& j) {
  TaskSpec spec;
  spec.kind = TaskKind::kImages;
  for (const char* field : kS3OnlyFields) {
    if (j.contains(field) && !j[field].is_null()) {
      return Status::InvalidArgument(std::string(field) + " does not apply to an images task",
                                     "an images task takes source, destination, images.* "
                                     "(tags, list, all_repos, insecure_source, "
                                     "insecure_destination, transfers, max_attempts, "
                                     "src_credential, dst_credential), name, schedule, notify");
    }
  }
  job::ImageSpec& images = spec.images;
  FieldReader r(j, "");
  r.OnlyKnown({"kind", "name", "schedule", "source", "destination", "images", "notify"});
  r.String("name", spec.name);
  r.String("schedule", spec.schedule);
  r.String("source", images.source);
  r.String("destination", images.destination);
  if (const json* o = r.Object("images")) {
    FieldReader ir(*o, "images");
    ir.OnlyKnown({"tags", "list", "all_repos", "insecure_source", "insecure_destination",
                  "transfers", "max_attempts", "src_credential", "dst_credential"});
    ir.Strings("tags", images.tag_globs);
    ir.Strings("list", images.list);
    ir.Bool("all_repos", images.all_repos);
    ir.Bool("insecure_source", images.insecure_source);
    ir.Bool("insecure_destination", images.insecure_destination);
    ir.Int("transfers", images.transfers, 1, 256);
    ir.Int("max_attempts", images.max_attempts, 1, 100);
    ir.String("src_credential", spec.src_credential);
    ir.String("dst_credential", spec.dst_credential);
    r.Merge(ir.status());
  }
  if (const json* n = r.Object("notify")) r.Merge(ReadNotify(*n, spec.notify));
  FERRY_RETURN_IF_ERROR(r.status());
  if (images.source.empty()) {
    return Status::InvalidArgument("the images task has no source",
                                   "\"source\": \"HOST[:PORT]/REPO[:TAG]\", or "
                                   "HOST[:PORT][/NAMESPACE] with images.list or images.all_repos");
  }
  if (images.destination.empty()) {
    return Status::InvalidArgument("the images task has no destination",
                                   "\"destination\": \"HOST[:PORT]/REPO\", or "
                                   "HOST[:PORT][/PREFIX] with images.list or images.all_repos");
  }
  if (spec.name.empty()) spec.name = images.source + " -> " + images.destination;
  if (spec.name.size() > 200) return Status::InvalidArgument("name is longer than 200 bytes");
  return spec;
}

json ImageTaskSpecToJson(const TaskSpec& spec) {
  const job::ImageSpec& images = spec.images;
  return {{"kind", TaskKindName(spec.kind)},
          {"name", spec.name},
          {"schedule", spec.schedule},
          {"source", images.source},
          {"destination", images.destination},
          {"images",
           {{"tags", images.tag_globs},
            {"list", images.list},
            {"all_repos", images.all_repos},
            {"insecure_source", images.insecure_source},
            {"insecure_destination", images.insecure_destination},
            {"transfers", images.transfers},
            {"max_attempts", images.max_attempts},
            {"src_credential", spec.src_credential},
            {"dst_credential", spec.dst_credential}}},
          {"notify", NotifyToJson(spec.notify)}};
}

}  // namespace

Result<TaskSpec> TaskSpecFromJson(const json& j) {
  // "kind" picks the shape: "s3" (the default, and every task saved before
  // kinds existed) or "images".
  if (j.is_object() && j.contains("kind") && !j["kind"].is_null()) {
    const json& kind = j["kind"];
    if (kind == "images") return ImageTaskSpecFromJson(j);
    if (kind != "s3") {
      return Status::InvalidArgument("kind must be \"s3\" (the default) or \"images\"");
    }
    if (j.contains("images")) {
      return Status::InvalidArgument("images applies to tasks of \"kind\": \"images\" only");
    }
  }
  TaskSpec spec;
  FieldReader r(j, "");
  r.OnlyKnown({"kind", "name", "schedule", "mode", "source", "destination", "source_endpoint",
               "destination_endpoint", "options", "notify", "trigger", "fleet"});
  r.String("name", spec.name);
  r.String("schedule", spec.schedule);
  std::string mode = "sync";
  r.String("mode", mode);
  r.String("source", spec.sync.source);
  r.String("destination", spec.sync.destination);
  if (const json* e = r.Object("source_endpoint")) {
    r.Merge(ReadEndpoint(*e, "source_endpoint", spec.sync.src, spec.src_credential));
  }
  if (const json* e = r.Object("destination_endpoint")) {
    r.Merge(ReadEndpoint(*e, "destination_endpoint", spec.sync.dst, spec.dst_credential));
  }
  if (const json* o = r.Object("options")) {
    r.Merge(job::OptionsFromJson(*o, "options", job::kInTask, spec.sync));
  }
  if (const json* n = r.Object("notify")) r.Merge(ReadNotify(*n, spec.notify));
  if (const json* t = r.Object("trigger")) {
    FieldReader tr(*t, "trigger");
    tr.OnlyKnown({"events", "resync", "queue_region", "queue_endpoint", "queue_credential"});
    tr.String("events", spec.trigger.events);
    tr.String("resync", spec.trigger.resync);
    tr.String("queue_region", spec.trigger.queue_region);
    tr.String("queue_endpoint", spec.trigger.queue_endpoint);
    tr.String("queue_credential", spec.trigger.queue_credential);
    r.Merge(tr.status());
  }
  if (const json* f = r.Object("fleet")) {
    FieldReader fr(*f, "fleet");
    fr.OnlyKnown({"queue", "create_queues", "queue_region", "queue_endpoint", "queue_credential",
                  "item_objects", "item_bytes", "part_threshold"});
    fr.String("queue", spec.fleet.queue);
    fr.Bool("create_queues", spec.fleet.create_queues);
    fr.String("queue_region", spec.fleet.queue_region);
    fr.String("queue_endpoint", spec.fleet.queue_endpoint);
    fr.String("queue_credential", spec.fleet.queue_credential);
    fr.Int("item_objects", spec.fleet.item_objects, 1, 10000);
    fr.String("item_bytes", spec.fleet.item_bytes);
    fr.String("part_threshold", spec.fleet.part_threshold);
    r.Merge(fr.status());
  }
  FERRY_RETURN_IF_ERROR(r.status());
  if (mode == "sync") spec.sync.mode = engine::RunMode::kSync;
  else if (mode == "copy") spec.sync.mode = engine::RunMode::kCopy;
  else if (mode == "check") spec.sync.mode = engine::RunMode::kCheck;
  else return Status::InvalidArgument("mode '" + mode + "' is not sync, copy or check");
  if (spec.sync.source.empty()) {
    return Status::InvalidArgument("the task has no source",
                                   "\"source\": \"s3://bucket[/prefix]\", NAME:bucket or a folder");
  }
  if (spec.sync.destination.empty()) {
    return Status::InvalidArgument("the task has no destination",
                                   "\"destination\": \"s3://bucket[/prefix]\", NAME:bucket or a "
                                   "folder");
  }
  if (spec.name.empty()) spec.name = spec.sync.source + " -> " + spec.sync.destination;
  if (spec.name.size() > 200) return Status::InvalidArgument("name is longer than 200 bytes");
  return spec;
}

json TaskSpecToJson(const TaskSpec& spec) {
  if (spec.kind == TaskKind::kImages) return ImageTaskSpecToJson(spec);
  const job::SyncSpec& s = spec.sync;
  return {
      {"name", spec.name},
      {"schedule", spec.schedule},
      {"mode", ModeName(s.mode)},
      {"source", s.source},
      {"destination", s.destination},
      {"source_endpoint", EndpointToJson(s.src, spec.src_credential)},
      {"destination_endpoint", EndpointToJson(s.dst, spec.dst_credential)},
      {"options", job::OptionsToJson(s, job::kInTask)},
      {"notify", NotifyToJson(spec.notify)},
      {"trigger",
       {{"events", spec.trigger.events},
        {"resync", spec.trigger.resync},
        {"queue_region", spec.trigger.queue_region},
        {"queue_endpoint", spec.trigger.queue_endpoint},
        {"queue_credential", spec.trigger.queue_credential}}},
      {"fleet",
       {{"queue", spec.fleet.queue},
        {"create_queues", spec.fleet.create_queues},
        {"queue_region", spec.fleet.queue_region},
        {"queue_endpoint", spec.fleet.queue_endpoint},
        {"queue_credential", spec.fleet.queue_credential},
        {"item_objects", spec.fleet.item_objects},
        {"item_bytes", spec.fleet.item_bytes},
        {"part_threshold", spec.fleet.part_threshold}}},
  };
}

std::string RedactUrl(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url.empty() ? url : "(redacted)";
  const size_t authority_start = scheme_end + 3;
  size_t authority_end = url.find_first_of("/?#", authority_start);
  if (authority_end == std::string::npos) authority_end = url.size();
  std::string authority = url.substr(authority_start, authority_end - authority_start);
  if (const size_t at = authority.rfind('@'); at != std::string::npos) {
    authority = authority.substr(at + 1);
  }
  size_t path_end = url.find_first_of("?#", authority_end);
  if (path_end == std::string::npos) path_end = url.size();
  return url.substr(0, authority_start) + authority +
         url.substr(authority_end, path_end - authority_end);
}

json TaskToJson(const Task& task, bool show_secrets) {
  json j = TaskSpecToJson(task.spec);
  if (!show_secrets) j["notify"]["webhook"] = RedactUrl(task.spec.notify.webhook);
  j["kind"] = TaskKindName(task.spec.kind);
  j["id"] = task.id;
  j["state"] = TaskStateName(task.state);
  j["last_error"] = task.last_error;
  j["next_run_at"] = Optional(task.next_run_at);
  j["created_at"] = task.created_at;
  j["updated_at"] = task.updated_at;
  j["created_by"] = task.created_by;
  j["updated_by"] = task.spec_owner();
  return j;
}

json ProgressToJson(const RunProgress& p) {
  json failures = json::array();
  for (const auto& f : p.failures) {
    failures.push_back({{"key", f.key}, {"attempts", f.attempts}, {"error", f.error}});
  }
  const double rate = p.seconds > 0 ? static_cast<double>(p.bytes_done) / p.seconds : 0;
  json eta = nullptr;
  if (p.listing_done && rate > 0 && p.bytes_total >= p.bytes_done) {
    eta = static_cast<double>(p.bytes_total - p.bytes_done) / rate;
  } else if (p.listing_done && p.bytes_total <= p.bytes_done) {
    eta = 0.0;
  }
  return {{"objects_total", p.objects_total},
          {"objects_done", p.objects_done},
          {"bytes_total", p.bytes_total},
          {"bytes_done", p.bytes_done},
          {"listed", p.listed},
          {"matched", p.matched},
          {"deleted", p.deleted},
          {"differences", p.differences},
          {"failed", p.failed},
          {"parts_resumed", p.parts_resumed},
          {"listing_done", p.listing_done},
          {"seconds", p.seconds},
          {"throughput_bytes_per_second", rate},
          {"eta_seconds", eta},
          {"failures", failures}};
}

Result<RunProgress> ProgressFromJson(const json& j) {
  RunProgress p;
  if (!j.is_object()) return p;
  // The server's own records; a field of another type (an edited database) is
  // reported, not thrown through the API.
  try {
    auto u = [&](const char* key) { return j.value(key, uint64_t{0}); };
    p.objects_total = u("objects_total");
    p.objects_done = u("objects_done");
    p.bytes_total = u("bytes_total");
    p.bytes_done = u("bytes_done");
    p.listed = u("listed");
    p.matched = u("matched");
    p.deleted = u("deleted");
    p.differences = u("differences");
    p.failed = u("failed");
    p.parts_resumed = u("parts_resumed");
    p.listing_done = j.value("listing_done", false);
    p.seconds = j.value("seconds", 0.0);
    if (auto it = j.find("failures"); it != j.end() && it->is_array()) {
      for (const auto& f : *it) {
        p.failures.push_back({f.value("key", ""), f.value("attempts", 0), f.value("error", "")});
      }
    }
  } catch (const json::exception& e) {
    return Status::DataLoss(std::string("a run's progress record is unreadable: ") + e.what());
  }
  return p;
}

json RunToJson(const Run& run) {
  return {{"id", run.id},
          {"task_id", run.task_id},
          {"number", run.number},
          {"state", RunStateName(run.state)},
          {"trigger", run.trigger},
          {"started_at", run.started_at},
          {"ended_at", Optional(run.ended_at)},
          {"resumes", run.resumes},
          {"error", run.error},
          {"progress", ProgressToJson(run.progress)}};
}

json LogToJson(const LogEntry& e) {
  return {{"id", e.id},         {"task_id", e.task_id}, {"run_id", e.run_id},
          {"time_ms", e.time_ms}, {"level", e.level},   {"message", e.message}};
}

}  // namespace ferry::service
