// /api/v1/tasks, /api/v1/runs: tasks CRUD, start, stop, runs with live progress, logs.
#include <spdlog/spdlog.h>

#include "service/api_routes.h"
#include "service/password.h"
#include "service/task_json.h"

namespace ferry::service {
namespace {

using nlohmann::json;

// The spec in the body, checked for `who`. On a PUT (`previous` set), a webhook
// sent back as it was shown redacted keeps its full URL.
Result<TaskSpec> CheckedSpec(ApiContext& api, const json& body, const Principal& who,
                             const Task* previous = nullptr) {
  auto spec = TaskSpecFromJson(body);
  if (!spec.ok()) return spec;
  if (previous != nullptr && !previous->spec.notify.webhook.empty() &&
      spec->notify.webhook == RedactUrl(previous->spec.notify.webhook)) {
    spec->notify.webhook = previous->spec.notify.webhook;
  }
  FERRY_RETURN_IF_ERROR(CheckTaskSpec(*spec, api.check, {who.user.username, who.user.role}));
  return spec;
}

// Webhook URLs may hold secrets: only the task's owner and admins see them whole.
bool MaySeeSecrets(const Task& task, const Principal& who) {
  return who.user.role == Role::kAdmin || who.user.username == task.created_by;
}

// A run as stored, with live counters while it runs.
json RunJson(ApiContext& api, Run run) {
  if (run.state == RunState::kRunning) {
    if (auto live = api.scheduler.LiveProgress(run.id)) run.progress = std::move(*live);
  }
  return RunToJson(run);
}

}  // namespace

void ReplaceTaskSpec(ApiContext& api, const std::string& id, const json& body,
                     const Principal& who, httplib::Response& res) {
  auto task = api.tasks.Get(id);
  if (!task.ok()) return ReplyError(res, task.error());
  if (api.scheduler.IsActive(id) || task->state == TaskState::kRunning ||
      task->state == TaskState::kWaiting) {
    return ReplyError(res, Status(Code::kFailedPrecondition,
                                  "task " + id + " is " + TaskStateName(task->state) +
                                      "; only a task that is not running or waiting "
                                      "can be changed",
                                  "stop it first: ferry task stop " + id + " (POST /api/v1/tasks/" + id + "/stop)"));
  }
  auto spec = CheckedSpec(api, body, who, &*task);
  if (!spec.ok()) return ReplyError(res, spec.error());
  // Checkpoints are kept per source/destination pair: a changed pair would
  // leave the pending uploads of the old one behind, unaborted.
  auto pending = api.runner.PendingUploads(id);
  if (!pending.ok()) return ReplyError(res, pending.error());
  const bool same_sides = spec->sync.source == task->spec.sync.source &&
                          spec->sync.destination == task->spec.sync.destination &&
                          spec->sync.src == task->spec.sync.src &&
                          spec->sync.dst == task->spec.sync.dst &&
                          spec->src_credential == task->spec.src_credential &&
                          spec->dst_credential == task->spec.dst_credential;
  if (*pending > 0 && !same_sides) {
    return ReplyError(
        res, Status(Code::kFailedPrecondition,
                    "task " + id + " has " + std::to_string(*pending) +
                        " unfinished multipart upload(s); its source and destination "
                        "cannot change until they are finished or aborted",
                    "start the task to finish them, or delete it to abort them"));
  }
  task->spec = std::move(*spec);
  task->updated_by = who.user.username;
  Status st = api.tasks.Update(*task);
  if (!st.ok()) return ReplyError(res, st);
  auto updated = api.tasks.Get(id);
  if (!updated.ok()) return ReplyError(res, updated.error());
  ReplyJson(res, 200, TaskToJson(*updated, MaySeeSecrets(*updated, who)));
}

void AddTaskRoutes(httplib::Server& s, ApiContext& api) {
  // Paged (limit, offset) and filtered (state, q) for the console; all tasks without limit.
  s.Get("/api/v1/tasks", Guard(api, Role::kViewer, [&api](const httplib::Request& req,
                                                          httplib::Response& res,
                                                          const Principal& who) {
          TaskQuery q;
          auto limit = IntParam(req, "limit", 1, 1000, 0);
          if (!limit.ok()) return ReplyError(res, limit.error());
          auto offset = IntParam(req, "offset", 0, INT64_MAX, 0);
          if (!offset.ok()) return ReplyError(res, offset.error());
          q.limit = static_cast<int>(*limit);
          q.offset = *offset;
          q.state = req.get_param_value("state");
          q.text = req.get_param_value("q");
          if (!q.state.empty() && !ParseTaskState(q.state)) {
            return ReplyError(res, Status::InvalidArgument(
                                       "query parameter 'state' must be Created, Running, "
                                       "Waiting, Completed, Stopped or Failed"));
          }
          auto page = api.tasks.ListPage(q);
          if (!page.ok()) return ReplyError(res, page.error());
          json list = json::array();
          for (const Task& t : page->tasks) {
            json j = TaskToJson(t, MaySeeSecrets(t, who));
            auto last = api.tasks.LastRun(t.id);
            if (!last.ok()) return ReplyError(res, last.error());
            j["last_run"] = nullptr;
            if (last->has_value()) {
              json run = RunJson(api, std::move(**last));
              run["progress"].erase("failures");  // a list shows counts; the run has the keys
              j["last_run"] = std::move(run);
            }
            list.push_back(std::move(j));
          }
          ReplyJson(res, 200, {{"tasks", list}, {"total", page->total}});
        }));

  s.Post("/api/v1/tasks", Guard(api, Role::kOperator, [&api](const httplib::Request& req,
                                                            httplib::Response& res,
                                                            const Principal& who) {
           auto body = ParseObjectBody(req);
           if (!body.ok()) return ReplyError(res, body.error());
           auto spec = CheckedSpec(api, *body, who);
           if (!spec.ok()) return ReplyError(res, spec.error());
           Task task;
           task.id = RandomHex(8);
           task.spec = std::move(*spec);
           task.created_at = task.updated_at = NowSeconds();
           task.created_by = who.user.username;
           task.updated_by = who.user.username;
           Status st = api.tasks.Insert(task);
           if (!st.ok()) return ReplyError(res, st);
           spdlog::info("task {} created by {}", task.id, who.user.username);
           res.set_header("Location", "/api/v1/tasks/" + task.id);
           ReplyJson(res, 201, TaskToJson(task));
         }));

  s.Get(R"(/api/v1/tasks/([^/]+))",
        Guard(api, Role::kViewer, [&api](const httplib::Request& req, httplib::Response& res,
                                         const Principal& who) {
          auto task = api.tasks.Get(req.matches[1]);
          if (!task.ok()) return ReplyError(res, task.error());
          ReplyJson(res, 200, TaskToJson(*task, MaySeeSecrets(*task, who)));
        }));

  s.Put(R"(/api/v1/tasks/([^/]+))",
        Guard(api, Role::kOperator, [&api](const httplib::Request& req, httplib::Response& res,
                                           const Principal& who) {
          auto body = ParseObjectBody(req);
          if (!body.ok()) return ReplyError(res, body.error());
          ReplaceTaskSpec(api, req.matches[1], *body, who, res);
        }));

  s.Delete(R"(/api/v1/tasks/([^/]+))",
           Guard(api, Role::kOperator, [&api](const httplib::Request& req,
                                              httplib::Response& res, const Principal& who) {
             const std::string id = req.matches[1];
             Status st = api.scheduler.DeleteTask(id);
             if (!st.ok()) return ReplyError(res, st);
             spdlog::info("task {} deleted by {}", id, who.user.username);
             res.status = 204;
           }));

  s.Post(R"(/api/v1/tasks/([^/]+)/start)",
         Guard(api, Role::kOperator, [&api](const httplib::Request& req, httplib::Response& res,
                                            const Principal& who) {
           auto task = api.scheduler.StartTask(req.matches[1]);
           if (!task.ok()) return ReplyError(res, task.error());
           ReplyJson(res, 202, TaskToJson(*task, MaySeeSecrets(*task, who)));
         }));

  s.Post(R"(/api/v1/tasks/([^/]+)/stop)",
         Guard(api, Role::kOperator, [&api](const httplib::Request& req, httplib::Response& res,
                                            const Principal& who) {
           auto task = api.scheduler.StopTask(req.matches[1]);
           if (!task.ok()) return ReplyError(res, task.error());
           ReplyJson(res, 200, TaskToJson(*task, MaySeeSecrets(*task, who)));
         }));

  s.Get(R"(/api/v1/tasks/([^/]+)/runs)",
        Guard(api, Role::kViewer, [&api](const httplib::Request& req, httplib::Response& res,
                                         const Principal&) {
          const std::string id = req.matches[1];
          auto limit = IntParam(req, "limit", 1, 1000, 100);
          if (!limit.ok()) return ReplyError(res, limit.error());
          auto task = api.tasks.Get(id);
          if (!task.ok()) return ReplyError(res, task.error());
          auto runs = api.tasks.ListRuns(id, static_cast<int>(*limit));
          if (!runs.ok()) return ReplyError(res, runs.error());
          json list = json::array();
          for (Run& r : *runs) list.push_back(RunJson(api, std::move(r)));
          ReplyJson(res, 200, {{"runs", list}});
        }));

  s.Get(R"(/api/v1/runs/([^/]+))",
        Guard(api, Role::kViewer, [&api](const httplib::Request& req, httplib::Response& res,
                                         const Principal&) {
          auto run = api.tasks.GetRun(req.matches[1]);
          if (!run.ok()) return ReplyError(res, run.error());
          ReplyJson(res, 200, RunJson(api, std::move(*run)));
        }));

  s.Get(R"(/api/v1/tasks/([^/]+)/logs)",
        Guard(api, Role::kViewer, [&api](const httplib::Request& req, httplib::Response& res,
                                         const Principal&) {
          LogQuery q;
          q.task_id = req.matches[1];
          auto task = api.tasks.Get(q.task_id);
          if (!task.ok()) return ReplyError(res, task.error());
          auto after = IntParam(req, "after", 0, INT64_MAX, 0);
          if (!after.ok()) return ReplyError(res, after.error());
          auto limit = IntParam(req, "limit", 1, 1000, 100);
          if (!limit.ok()) return ReplyError(res, limit.error());
          q.after_id = *after;
          q.limit = static_cast<int>(*limit);
          q.run_id = req.get_param_value("run");
          q.min_level = req.get_param_value("level");
          if (!q.min_level.empty() && q.min_level != "info" && q.min_level != "warning" &&
              q.min_level != "error") {
            return ReplyError(res, Status::InvalidArgument(
                                       "query parameter 'level' must be info, warning or error"));
          }
          auto logs = api.tasks.Logs(q);
          if (!logs.ok()) return ReplyError(res, logs.error());
          json list = json::array();
          for (const LogEntry& e : *logs) list.push_back(LogToJson(e));
          json body = {{"logs", list}};
          // The cursor for the next page; absent on the last one.
          body["next_after"] = static_cast<int>(logs->size()) == q.limit
                                   ? json(logs->back().id)
                                   : json(nullptr);
          ReplyJson(res, 200, body);
        }));
}

}  // namespace ferry::service
