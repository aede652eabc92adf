#include "job/spec_json.h"

#include "job/run_option_table.h"

namespace ferry::job {
namespace {

using nlohmann::json;

json EndpointToJson(const EndpointSettings& e) {
  return {{"endpoint", e.endpoint},       {"region", e.region},
          {"profile", e.profile},         {"secret", e.secret},
          {"path_style", e.path_style},   {"virtual_hosted", e.virtual_hosted},
          {"no_sign_request", e.no_sign_request}, {"request_payer", e.request_payer}};
}

// Reads typed fields; the first error wins and names the field.
class Reader {
 public:
  Reader(const json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) status_ = Status::InvalidArgument(path_ + " must be a JSON object");
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
  const json* Find(const char* key) {
    if (!status_.ok() || !j_.is_object()) return nullptr;
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  void Fail(const std::string& key, const std::string& what) {
    if (status_.ok()) status_ = Status::InvalidArgument(path_ + "." + key + " must be " + what);
  }
  void Merge(const Status& st) {
    if (status_.ok() && !st.ok()) status_ = st;
  }
  const Status& status() const { return status_; }

 private:
  const json& j_;
  std::string path_;
  Status status_;
};

Status ReadEndpoint(const json& j, const std::string& path, EndpointSettings& e) {
  Reader r(j, path);
  r.String("endpoint", e.endpoint);
  r.String("region", e.region);
  r.String("profile", e.profile);
  r.String("secret", e.secret);
  r.Bool("path_style", e.path_style);
  r.Bool("virtual_hosted", e.virtual_hosted);
  r.Bool("no_sign_request", e.no_sign_request);
  r.Bool("request_payer", e.request_payer);
  return r.status();
}

}  // namespace

Result<json> SpecToJson(const SyncSpec& s) {
  if (!s.src.keys.empty() || !s.dst.keys.empty()) {
    return Status::InvalidArgument(
        "stored credentials cannot be sent to a fleet: work items carry the names of "
        "credentials, never keys",
        "give each side a profile or a Secrets Manager ARN that every worker can resolve");
  }
  const char* mode = s.mode == engine::RunMode::kCopy    ? "copy"
                     : s.mode == engine::RunMode::kCheck ? "check"
                                                         : "sync";
  return json{{"mode", mode},
              {"source", s.source},
              {"destination", s.destination},
              {"source_endpoint", EndpointToJson(s.src)},
              {"destination_endpoint", EndpointToJson(s.dst)},
              {"options", OptionsToJson(s, kInWorkItem)}};
}

Result<SyncSpec> SpecFromJson(const json& j) {
  SyncSpec s;
  Reader r(j, "spec");
  std::string mode = "sync";
  r.String("mode", mode);
  r.String("source", s.source);
  r.String("destination", s.destination);
  if (const json* e = r.Find("source_endpoint")) {
    r.Merge(ReadEndpoint(*e, "spec.source_endpoint", s.src));
  }
  if (const json* e = r.Find("destination_endpoint")) {
    r.Merge(ReadEndpoint(*e, "spec.destination_endpoint", s.dst));
  }
  if (const json* o = r.Find("options")) {
    r.Merge(OptionsFromJson(*o, "spec.options", kInWorkItem, s));
  }
  FERRY_RETURN_IF_ERROR(r.status());
  if (mode == "sync") s.mode = engine::RunMode::kSync;
  else if (mode == "copy") s.mode = engine::RunMode::kCopy;
  else if (mode == "check") s.mode = engine::RunMode::kCheck;
  else return Status::InvalidArgument("spec.mode '" + mode + "' is not sync, copy or check");
  if (s.source.empty() || s.destination.empty()) {
    return Status::InvalidArgument("spec names no source or no destination");
  }
  return s;
}

}  // namespace ferry::job
