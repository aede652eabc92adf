// `ferry worker --queue URL`: a member of a fleet (see fleet/worker.h).
#pragma once

#include <string>

#include <vector>

#include "job/endpoint_settings.h"

namespace CLI {
class App;
}

namespace ferry::cli {

struct WorkerFlags {
  std::string queue_url;
  job::EndpointSettings queue;  // --queue-endpoint, --queue-region, ...
  int concurrency = 64;
  std::string memory = "1G";
  int items = 4;
  int visibility_timeout = 120;
  int max_attempts = 0;
  std::string state_dir;
  std::string metrics_listen;  // HOST:PORT; "" = no /metrics
  bool check_config = false;   // validate the flags and exit, contacting nothing
  // --events SRC DST: S3 event messages on the queue are applied to this pair.
  std::vector<std::string> events;
  job::EndpointSettings src, dst, both;
  bool delete_removed = false;
  std::string config_path;
  // Ranges the sides and the queue may reach although refused by default
  // (net::TargetPolicy: loopback, link-local, this-host, or a CIDR).
  std::vector<std::string> allow_targets;
};

CLI::App* AddWorkerCommand(CLI::App& app, WorkerFlags& flags);
// Runs until SIGTERM or Ctrl-C; returns the process exit code.
int RunWorkerCommand(WorkerFlags& flags);

}  // namespace ferry::cli
