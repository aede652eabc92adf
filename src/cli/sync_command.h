// `ferry sync | copy | check SRC DST`.
#pragma once

#include <string>

#include "cli/fleet_command.h"
#include "job/sync_spec.h"

namespace CLI {
class App;
}

namespace ferry::cli {

struct SyncFlags {
  job::SyncSpec spec;       // what to run; filters are filled from the parse order
  job::EndpointSettings both;  // --endpoint, --profile, ... for both sides (--src-/--dst- win)
  std::string config_path;  // named endpoints; "" = the default file
  std::string state_dir;
  bool progress = false;
  bool no_progress = false;
  bool json = false;
  FleetFlags fleet;  // --fleet QUEUE_URL: plan here, copy on `ferry worker`s
};

// Registers SRC, DST, the endpoint flags of both sides and every run option
// (--delete and its guards when `with_delete`), bound to `spec`.
void AddSpecFlags(CLI::App& cmd, job::SyncSpec& spec, bool with_delete);
// Fills spec.filters from --include/--exclude in the order they were given.
void CollectFilters(const CLI::App& command, job::SyncSpec& spec);

// Adds `name` ("sync", "copy" or "check") bound to `flags`.
CLI::App* AddSyncCommand(CLI::App& app, const std::string& name, SyncFlags& flags);

// Runs the parsed `command`; returns the process exit code (see exit_codes.h).
int RunSyncCommand(SyncFlags& flags, const CLI::App& command);

}  // namespace ferry::cli
