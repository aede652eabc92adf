// `ferry watch SRC DST --events QUEUE_URL`: near-real-time replication from S3
// event notifications (see events/event_watch.h).
#pragma once

#include <string>

#include "job/queue_settings.h"
#include "job/sync_spec.h"

namespace CLI {
class App;
}

namespace ferry::cli {

struct WatchFlags {
  job::SyncSpec spec;          // locations, sides and run options, as for sync
  job::EndpointSettings both;  // --endpoint, --profile, ... for both sides
  job::QueueSettings queue;    // --events URL and the --queue-* flags
  std::string config_path;
  std::string state_dir;
  bool setup_notifications = false;
  bool create_queue = false;
  int max_receive_count = 5;
  std::string resync = "rate(1 day)";
  int visibility_timeout = 60;
  int receivers = 2;
  bool json = false;
};

CLI::App* AddWatchCommand(CLI::App& app, WatchFlags& flags);
// Runs until Ctrl-C or SIGTERM; returns the process exit code.
int RunWatchCommand(WatchFlags& flags, const CLI::App& command);

}  // namespace ferry::cli
