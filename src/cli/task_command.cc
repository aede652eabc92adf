#include "cli/task_command.h"

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "cli/api_client.h"
#include "cli/exit_codes.h"
#include "cli/sync_command.h"
#include "job/image_spec.h"
#include "job/location.h"
#include "net/http_client.h"
#include "net/url.h"
#include "service/task_json.h"

namespace ferry::cli {
namespace {

using nlohmann::json;

// A task named by its id, else by its exact name (one task of that name).
Result<json> FindTask(ApiClient& api, const std::string& id_or_name) {
  auto direct = api.Call("GET", "/api/v1/tasks/" + net::UriEncode(id_or_name, false));
  if (direct.ok() || direct.error().code() != Code::kNotFound) return direct;
  auto found = api.Call("GET", "/api/v1/tasks?limit=1000&q=" + net::UriEncode(id_or_name, false));
  if (!found.ok()) return std::move(found).take_error();
  std::vector<std::string> ids;
  for (const auto& t : (*found)["tasks"]) {
    if (t.value("name", "") == id_or_name) ids.push_back(t.value("id", ""));
  }
  if (ids.size() == 1) return api.Call("GET", "/api/v1/tasks/" + net::UriEncode(ids[0], false));
  if (ids.empty()) {
    return Status::NotFound("no task has the id or name '" + id_or_name + "'",
                            "`ferry task list` shows ids and names");
  }
  return Status::InvalidArgument(std::to_string(ids.size()) + " tasks are named '" +
                                 id_or_name + "'", "name the task by its id");
}

// A local folder (or a secret file that exists here) named relatively means
// this directory, not the server's: sent as an absolute path.
std::string AbsoluteIfLocal(const std::string& location) {
  if (location.empty()) return location;
  auto parsed = job::ParseLocation(location);
  if (!parsed.ok() || parsed->kind != job::Location::Kind::kLocal) return location;
  std::error_code ec;
  auto absolute = std::filesystem::absolute(location, ec);
  return ec ? location : absolute.lexically_normal().string();
}

std::string AbsoluteIfFile(const std::string& path) {
  std::error_code ec;
  if (path.empty() || path.front() == '/' || !std::filesystem::is_regular_file(path, ec)) {
    return path;
  }
  auto absolute = std::filesystem::absolute(path, ec);
  return ec ? path : absolute.lexically_normal().string();
}

// The spec as the flags give it: filters in order, the prefix list read here
// (the server has no such file), local paths absolute.
Status PrepareSpec(TaskFlags& flags, const CLI::App& cmd) {
  CollectFilters(cmd, flags.spec.sync);
  if (flags.mode == "sync") flags.spec.sync.mode = engine::RunMode::kSync;
  else if (flags.mode == "copy") flags.spec.sync.mode = engine::RunMode::kCopy;
  else flags.spec.sync.mode = engine::RunMode::kCheck;
  if (!flags.spec.sync.prefix_list.empty()) {
    auto prefixes = engine::KeyFilter::ReadPrefixList(flags.spec.sync.prefix_list);
    if (!prefixes.ok()) return std::move(prefixes).take_error();
    flags.spec.sync.prefixes = std::move(*prefixes);
    flags.spec.sync.prefix_list.clear();
  }
  job::SyncSpec& s = flags.spec.sync;
  s.source = AbsoluteIfLocal(s.source);
  s.destination = AbsoluteIfLocal(s.destination);
  s.src.secret = AbsoluteIfFile(s.src.secret);
  s.dst.secret = AbsoluteIfFile(s.dst.secret);
  return Status::OK();
}

// The flags that only an images task takes.
constexpr const char* kImageOnlyFlags[] = {"tag", "list", "all-repos", "insecure-src",
                                           "insecure-dst"};

// The flags of `task create` and `task update` that an images task takes (S3
// flags are refused by name).
bool ImageTaskFlag(const std::string& name) {
  static const std::set<std::string> kNames = {
      "task",          "source",        "destination",   "name",          "schedule",
      "kind",          "tag",           "list",          "all-repos",     "insecure-src",
      "insecure-dst",  "transfers",     "max-attempts",  "src-credential", "dst-credential",
      "webhook",       "sns-topic-arn", "sns-region",    "sns-endpoint",  "sns-credential",
      "json",          "help"};
  return kNames.contains(name);
}

// Refuses the images-only flags given for an S3 task.
Status RefuseImageOnlyFlags(const CLI::App& cmd) {
  for (const char* flag : kImageOnlyFlags) {
    if (cmd.get_option(std::string("--") + flag)->count() > 0) {
      return Status::InvalidArgument(std::string("--") + flag + " applies to images tasks only",
                                     "an S3 task takes the sync flags (`ferry sync --help`)");
    }
  }
  return Status::OK();
}

// An images task from the flags: SRC and DST name registries, the list file is
// read here (the server has no such file).
Status PrepareImageSpec(TaskFlags& flags, const CLI::App& cmd) {
  for (const CLI::Option* opt : cmd.get_options()) {
    const std::string name = opt->get_single_name();
    if (opt->count() > 0 && !ImageTaskFlag(name)) {
      return Status::InvalidArgument("--" + name + " does not apply to an images task",
                                     "an images task takes --tag, --list, --all-repos, "
                                     "--insecure-src, --insecure-dst, --transfers, "
                                     "--max-attempts and the --*-credential flags");
    }
  }
  service::TaskSpec& spec = flags.spec;
  spec.kind = service::TaskKind::kImages;
  spec.images.source = spec.sync.source;
  spec.images.destination = spec.sync.destination;
  if (cmd.get_option("--transfers")->count() > 0) spec.images.transfers = spec.sync.transfers;
  if (cmd.get_option("--max-attempts")->count() > 0) {
    spec.images.max_attempts = spec.sync.max_attempts;
  }
  if (!flags.image_list.empty()) {
    auto lines = job::ReadImageListFile(flags.image_list);
    if (!lines.ok()) return std::move(lines).take_error();
    spec.images.list = std::move(*lines);
  }
  spec.sync = {};
  return Status::OK();
}

// The JSON field a flag of `task update` sets ("src-region" -> source_endpoint.region).
Result<json::json_pointer> FieldOfFlag(const std::string& flag, const json& full) {
  auto under = [](std::string s) {
    for (char& c : s) c = c == '-' ? '_' : c;
    return s;
  };
  if (flag == "source" || flag == "destination" || flag == "name" || flag == "schedule" ||
      flag == "mode") {
    return json::json_pointer("/" + flag);
  }
  if (flag == "src-credential") return json::json_pointer("/source_endpoint/credential");
  if (flag == "dst-credential") return json::json_pointer("/destination_endpoint/credential");
  if (flag.starts_with("src-")) return json::json_pointer("/source_endpoint/" + under(flag.substr(4)));
  if (flag.starts_with("dst-")) {
    return json::json_pointer("/destination_endpoint/" + under(flag.substr(4)));
  }
  if (flag == "webhook") return json::json_pointer("/notify/webhook");
  if (flag.starts_with("sns-")) return json::json_pointer("/notify/" + under(flag));
  if (flag == "include" || flag == "exclude") return json::json_pointer("/options/filters");
  if (flag == "prefix-list") return json::json_pointer("/options/prefixes");
  const json::json_pointer option("/options/" + under(flag));
  if (full.contains(option)) return option;
  return Status::InvalidArgument("--" + flag + " cannot be changed by `ferry task update`");
}

// The JSON field a flag of `task update` sets in an images task (the flags were
// checked by PrepareImageSpec).
json::json_pointer ImageFieldOfFlag(const std::string& flag) {
  static const std::map<std::string, std::string> kFields = {
      {"tag", "/images/tags"},
      {"list", "/images/list"},
      {"all-repos", "/images/all_repos"},
      {"insecure-src", "/images/insecure_source"},
      {"insecure-dst", "/images/insecure_destination"},
      {"transfers", "/images/transfers"},
      {"max-attempts", "/images/max_attempts"},
      {"src-credential", "/images/src_credential"},
      {"dst-credential", "/images/dst_credential"},
      {"webhook", "/notify/webhook"}};
  auto it = kFields.find(flag);
  return json::json_pointer(it != kFields.end() ? it->second : "/" + flag);
}

// PATCH with the fields whose flags were given, and only those.
Status Update(ApiClient& api, TaskFlags& flags, const CLI::App& update) {
  std::vector<std::string> given;
  for (const CLI::Option* opt : update.get_options()) {
    const std::string flag = opt->get_single_name();
    if (opt->count() > 0 && flag != "task" && flag != "help" && flag != "json") {
      given.push_back(flag);
    }
  }
  if (given.empty()) {
    return Status::InvalidArgument("nothing to change",
                                   "give the flags to change, e.g. --schedule 'rate(1 hour)'");
  }
  // The task's kind decides which flags apply and where each one's field is.
  auto task = FindTask(api, flags.id);
  if (!task.ok()) return std::move(task).take_error();
  const std::string id = task->value("id", flags.id);
  const bool images = task->value("kind", "s3") == "images";
  if (images) {
    FERRY_RETURN_IF_ERROR(PrepareImageSpec(flags, update));
  } else {
    FERRY_RETURN_IF_ERROR(RefuseImageOnlyFlags(update));
    FERRY_RETURN_IF_ERROR(PrepareSpec(flags, update));
  }
  const json full = service::TaskSpecToJson(flags.spec);
  json patch = json::object();
  for (const std::string& flag : given) {
    json::json_pointer field;
    if (images) {
      field = ImageFieldOfFlag(flag);
    } else {
      auto found = FieldOfFlag(flag, full);
      if (!found.ok()) return std::move(found).take_error();
      field = *found;
    }
    patch[field] = full[field];
  }
  auto updated = api.Call("PATCH", "/api/v1/tasks/" + net::UriEncode(id, false), &patch);
  if (!updated.ok()) return std::move(updated).take_error();
  if (flags.json) PrintJson(*updated);
  else std::printf("%s updated: %s\n", id.c_str(), patch.dump().c_str());
  return Status::OK();
}

// The images flags of `task create` and `task update`.
void AddImageFlags(CLI::App& cmd, TaskFlags& flags) {
  const char* group = "Images (an images task)";
  cmd.add_option("--tag", flags.spec.images.tag_globs,
                 "Only tags this name or glob ('*', '?') matches; repeat or comma-separate")
      ->delimiter(',')
      ->group(group);
  cmd.add_option("--list", flags.image_list,
                 "File of REPO[:TAG] lines to copy (# comments), sent with the task")
      ->group(group);
  cmd.add_flag("--all-repos", flags.spec.images.all_repos,
               "Every repository of SRC (catalog; DescribeRepositories on ECR)")
      ->group(group);
  cmd.add_flag("--insecure-src", flags.spec.images.insecure_source,
               "SRC serves plain HTTP (--insecure-src=false: TLS)")
      ->group(group);
  cmd.add_flag("--insecure-dst", flags.spec.images.insecure_destination,
               "DST serves plain HTTP (--insecure-dst=false: TLS)")
      ->group(group);
}

Status Create(ApiClient& api, TaskFlags& flags, const CLI::App& create) {
  if (flags.kind == "images") {
    FERRY_RETURN_IF_ERROR(PrepareImageSpec(flags, create));
  } else {
    FERRY_RETURN_IF_ERROR(RefuseImageOnlyFlags(create));
    FERRY_RETURN_IF_ERROR(PrepareSpec(flags, create));
  }
  json body = service::TaskSpecToJson(flags.spec);
  auto task = api.Call("POST", "/api/v1/tasks", &body);
  if (!task.ok()) return std::move(task).take_error();
  if (flags.json) PrintJson(*task);
  else std::printf("%s\n", task->value("id", "").c_str());
  return Status::OK();
}

Status List(ApiClient& api, const TaskFlags& flags) {
  auto tasks = api.Call("GET", "/api/v1/tasks");
  if (!tasks.ok()) return std::move(tasks).take_error();
  if (flags.json) {
    PrintJson(*tasks);
    return Status::OK();
  }
  std::printf("%-16s  %-9s  %-20s  %-20s  %s\n", "ID", "STATE", "SCHEDULE", "NEXT RUN", "NAME");
  for (const auto& t : (*tasks)["tasks"]) {
    const auto& next = t["next_run_at"];
    std::printf("%-16s  %-9s  %-20s  %-20s  %s\n", t.value("id", "").c_str(),
                t.value("state", "").c_str(), t.value("schedule", "").c_str(),
                next.is_number() ? UtcTime(next.get<int64_t>()).c_str() : "-",
                t.value("name", "").c_str());
  }
  return Status::OK();
}

Status Show(ApiClient& api, const TaskFlags& flags) {
  auto task = api.Call("GET", "/api/v1/tasks/" + flags.id);
  if (!task.ok()) return std::move(task).take_error();
  auto runs = api.Call("GET", "/api/v1/tasks/" + flags.id + "/runs?limit=5");
  if (!runs.ok()) return std::move(runs).take_error();
  json out = *task;
  out["runs"] = (*runs)["runs"];
  PrintJson(out);
  return Status::OK();
}

Status Action(ApiClient& api, const TaskFlags& flags, const std::string& verb) {
  json empty = json::object();
  auto task = api.Call("POST", "/api/v1/tasks/" + flags.id + "/" + verb, &empty);
  if (!task.ok()) return std::move(task).take_error();
  std::printf("%s %s\n", flags.id.c_str(), task->value("state", "").c_str());
  return Status::OK();
}

Status Delete(ApiClient& api, const TaskFlags& flags) {
  auto done = api.Call("DELETE", "/api/v1/tasks/" + flags.id);
  if (!done.ok()) return std::move(done).take_error();
  std::printf("%s deleted\n", flags.id.c_str());
  return Status::OK();
}

Status Logs(ApiClient& api, const TaskFlags& flags) {
  int64_t after = 0;
  for (;;) {
    std::string path = "/api/v1/tasks/" + flags.id + "/logs?limit=1000&after=" +
                       std::to_string(after);
    if (!flags.run.empty()) path += "&run=" + flags.run;
    if (!flags.level.empty()) path += "&level=" + flags.level;
    auto page = api.Call("GET", path);
    if (!page.ok()) return std::move(page).take_error();
    for (const auto& e : (*page)["logs"]) {
      const int64_t ms = e.value("time_ms", int64_t{0});
      std::printf("%s  %-7s  run %s  %s\n", UtcTime(ms / 1000).c_str(),
                  e.value("level", "").c_str(), e.value("run_id", "").c_str(),
                  e.value("message", "").c_str());
    }
    const auto& next = (*page)["next_after"];
    if (!next.is_number()) break;
    after = next.get<int64_t>();
  }
  return Status::OK();
}

}  // namespace

CLI::App* AddTaskCommand(CLI::App& app, TaskFlags& flags) {
  CLI::App* task = app.add_subcommand("task", "Tasks of a ferry server (through its REST API)");
  task->require_subcommand(1);
  task->fallthrough();  // --server and --token also work after the action
  task->add_option("--server", flags.server,
                   "Server URL (default $FERRY_SERVER, else http://127.0.0.1:8080)");
  task->add_option("--token", flags.token,
                   "Refused: a token on the command line is visible to every user (ps); "
                   "use FERRY_TOKEN or `ferry login`")
      ->group("");

  CLI::App* create = task->add_subcommand("create", "Create a task from SRC, DST and sync flags");
  AddSpecFlags(*create, flags.spec.sync, true);
  create->add_option("--name", flags.spec.name, "Name (default 'SRC -> DST')");
  create->add_option("--schedule", flags.spec.schedule,
                     "once (default), rate(N minutes|hours|days|seconds), 'M H DOM MON DOW', "
                     "or cron(M H DOM MON DOW YEAR); UTC");
  create->add_option("--mode", flags.mode, "sync (default), copy or check")
      ->check(CLI::IsMember({"sync", "copy", "check"}));
  create->add_option("--src-credential", flags.spec.src_credential,
                     "Stored credential for the source");
  create->add_option("--dst-credential", flags.spec.dst_credential,
                     "Stored credential for the destination");
  create->add_option("--webhook", flags.spec.notify.webhook,
                     "URL told (JSON POST) when a run ends with failed objects");
  create->add_option("--sns-topic-arn", flags.spec.notify.sns_topic_arn,
                     "SNS topic told when a run ends with failed objects");
  create->add_option("--sns-region", flags.spec.notify.sns_region, "Region of the SNS topic");
  create->add_option("--sns-endpoint", flags.spec.notify.sns_endpoint, "SNS endpoint URL");
  create->add_option("--sns-credential", flags.spec.notify.sns_credential,
                     "Stored credential for SNS");
  create->add_flag("--json", flags.json, "Print the created task as JSON");
  create->add_option("--kind", flags.kind,
                     "s3 (default): objects; images: container images, SRC and DST "
                     "HOST[:PORT]/REPO[:TAG] (registries with --list/--all-repos)")
      ->check(CLI::IsMember({"s3", "images"}));
  AddImageFlags(*create, flags);

  CLI::App* update = task->add_subcommand(
      "update", "Change only the given fields of a task (a PATCH): its name, schedule, sides "
                "and sync flags; for an images task, the images flags");
  update->add_option("task", flags.id, "Task id or name")->required();
  AddSpecFlags(*update, flags.spec.sync, true);
  update->get_option("source")->required(false);
  update->get_option("destination")->required(false);
  update->add_option("--name", flags.spec.name, "New name");
  update->add_option("--schedule", flags.spec.schedule, "New schedule (as for create)");
  update->add_option("--mode", flags.mode, "sync, copy or check")
      ->check(CLI::IsMember({"sync", "copy", "check"}));
  update->add_option("--src-credential", flags.spec.src_credential,
                     "Stored credential for the source");
  update->add_option("--dst-credential", flags.spec.dst_credential,
                     "Stored credential for the destination");
  update->add_option("--webhook", flags.spec.notify.webhook,
                     "URL told (JSON POST) when a run ends with failed objects");
  AddImageFlags(*update, flags);
  update->add_flag("--json", flags.json, "Print the changed task as JSON");

  CLI::App* list = task->add_subcommand("list", "List tasks");
  list->add_flag("--json", flags.json, "Print JSON");
  for (const char* verb : {"show", "start", "stop", "delete"}) {
    CLI::App* sub = task->add_subcommand(
        verb, std::string(verb) == "show"    ? "A task and its last runs (JSON)"
              : std::string(verb) == "start" ? "Start a task"
              : std::string(verb) == "stop"  ? "Stop a task and its run"
                                             : "Stop and delete a task");
    sub->add_option("id", flags.id, "Task id")->required();
  }
  CLI::App* logs = task->add_subcommand("logs", "Log lines of a task, oldest first");
  logs->add_option("id", flags.id, "Task id")->required();
  logs->add_option("--run", flags.run, "Only this run");
  logs->add_option("--level", flags.level, "This level and above: info, warning, error")
      ->check(CLI::IsMember({"info", "warning", "error"}));
  return task;
}

CLI::App* AddLoginCommand(CLI::App& app, TaskFlags& flags) {
  CLI::App* login = app.add_subcommand(
      "login", "Log in to a ferry server and print a session token (password from "
               "$FERRY_PASSWORD or standard input)");
  login->add_option("--server", flags.server,
                    "Server URL (default $FERRY_SERVER, else http://127.0.0.1:8080)");
  login->add_option("--username", flags.username, "User name (default admin)");
  return login;
}

int RunTaskCommand(TaskFlags& flags, const CLI::App& task) {
  if (!flags.token.empty()) {
    std::fprintf(stderr,
                 "ferry: --token is refused: a token on the command line is visible to every "
                 "user of this machine (ps). Check: set FERRY_TOKEN, or run `ferry login` once "
                 "(it saves the session)\n");
    return kExitUsage;
  }
  ApiClient api(flags.server);
  Status st;
  const CLI::App* chosen = task.get_subcommands().front();
  const std::string name = chosen->get_name();
  try {  // nlohmann::json reports a field of an unexpected type by exception
    if (name == "create") st = Create(api, flags, *chosen);
    else if (name == "update") st = Update(api, flags, *chosen);
    else if (name == "list") st = List(api, flags);
    else if (name == "show") st = Show(api, flags);
    else if (name == "start" || name == "stop") st = Action(api, flags, name);
    else if (name == "delete") st = Delete(api, flags);
    else if (name == "logs") st = Logs(api, flags);
  } catch (const json::exception& e) {
    st = Status::Unavailable("the server at " + api.server() + " answered something ferry " +
                                 "cannot read (" + e.what() + ")",
                             "that --server names a ferry server of this version");
  }
  if (!st.ok()) {
    std::fprintf(stderr, "ferry: %s\n", st.ToString().c_str());
    return ExitCodeFor(st);
  }
  return kExitOk;
}

int RunLoginCommand(const TaskFlags& flags) {
  std::string password = Env("FERRY_PASSWORD");
  if (password.empty()) password = ReadSecretLine("password for " + flags.username + ": ");
  ApiClient api(flags.server);
  json body = {{"username", flags.username}, {"password", password}};
  auto answer = api.Call("POST", "/api/v1/auth/login", &body, false);
  if (!answer.ok()) {
    std::fprintf(stderr, "ferry: %s\n", answer.error().ToString().c_str());
    return ExitCodeFor(answer.error());
  }
  const auto& token = (*answer)["token"];
  if (!token.is_string()) {
    std::fprintf(stderr, "ferry: the server at %s answered the login without a token\n",
                 api.server().c_str());
    return kExitFatal;
  }
  Status saved = SaveLogin(api.server(), token.get<std::string>());
  if (!saved.ok()) std::fprintf(stderr, "ferry: %s\n", saved.ToString().c_str());
  std::printf("%s\n", token.get<std::string>().c_str());
  return kExitOk;
}

}  // namespace ferry::cli
