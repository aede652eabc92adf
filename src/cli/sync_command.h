// `ferry sync | copy | check SRC DST`.
#pragma once

#include <string>

#include "job/sync_spec.h"

namespace CLI {
class App;
}

namespace ferry::cli {

struct SyncFlags {
  job::SyncSpec spec;       // what to run; filters are filled from the parse order
  std::string config_path;  // named endpoints; "" = the default file
  std::string state_dir;
  bool progress = false;
  bool no_progress = false;
  bool json = false;
};

// Adds `name` ("sync", "copy" or "check") bound to `flags`.
CLI::App* AddSyncCommand(CLI::App& app, const std::string& name, SyncFlags& flags);

// Runs the parsed `command`; returns the process exit code (see exit_codes.h).
int RunSyncCommand(SyncFlags& flags, const CLI::App& command);

}  // namespace ferry::cli
