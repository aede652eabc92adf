// `ferry sync|copy SRC DST --fleet QUEUE_URL`: plan the run and let a fleet of
// `ferry worker`s copy it (see fleet/planner.h).
#pragma once

#include <cstdint>
#include <string>

#include "job/endpoint_settings.h"

namespace CLI {
class App;
}

namespace ferry::cli {

struct SyncFlags;

struct FleetFlags {
  std::string queue_url;          // --fleet
  job::EndpointSettings queue;    // --queue-endpoint, --queue-region, ...
  bool create_queues = false;
  int max_receive_count = 5;
  int item_objects = 500;
  std::string item_bytes = "1G";
  std::string part_threshold = "1G";
  std::string part_item_bytes = "1G";
};

// Registers --fleet and its options on a sync or copy command.
void AddFleetFlags(CLI::App& cmd, FleetFlags& flags);

// Runs the planner for the parsed command; returns the exit code.
int RunFleetSync(SyncFlags& flags, const CLI::App& command);

}  // namespace ferry::cli
