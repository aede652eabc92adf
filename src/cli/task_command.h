// `ferry task create|list|show|start|stop|delete|logs`: the server's tasks from
// the command line, through its REST API. The server comes from --server or
// FERRY_SERVER (default http://127.0.0.1:8080), the token from --token or
// FERRY_TOKEN; `ferry login` prints a token.
#pragma once

#include <string>

#include "service/task.h"

namespace CLI {
class App;
}

namespace ferry::cli {

struct TaskFlags {
  std::string server;
  std::string token;
  std::string action;  // the sub-command chosen
  std::string id;
  service::TaskSpec spec;  // create
  std::string mode = "sync";
  std::string kind = "s3";  // create --kind: s3 or images
  std::string image_list;  // create --kind images --list FILE (sent inline)
  std::string run;    // logs --run
  std::string level;  // logs --level
  bool json = false;  // list/show as JSON
  std::string username = "admin";  // login
};

CLI::App* AddTaskCommand(CLI::App& app, TaskFlags& flags);
CLI::App* AddLoginCommand(CLI::App& app, TaskFlags& flags);

// Runs the parsed `task` (or `login`) command; returns the process exit code.
int RunTaskCommand(TaskFlags& flags, const CLI::App& task);
int RunLoginCommand(const TaskFlags& flags);

}  // namespace ferry::cli
