// `ferry sync | copy | check SRC DST`.
#pragma once

#include <string>
#include <vector>

#include "cli/endpoint_flags.h"
#include "engine/sync_run.h"

namespace CLI {
class App;
}

namespace ferry::cli {

struct SyncFlags {
  engine::RunMode mode = engine::RunMode::kSync;
  std::string source;
  std::string destination;
  EndpointFlags src;
  EndpointFlags dst;
  std::string config_path;
  bool delete_extra = false;
  bool dry_run = false;
  bool allow_empty_source = false;
  std::string max_delete;
  std::string compare = "size-etag";
  std::vector<std::pair<bool, std::string>> filters;  // (include?, glob) in order
  std::string prefix_list;
  std::string modified_after;
  std::string modified_before;
  std::string storage_class;
  std::string sse;
  std::string sse_kms_key_id;
  std::string acl;
  bool no_metadata = false;
  bool request_payer = false;
  bool copy_tags = false;
  std::string multipart_threshold = "64M";
  std::string part_size;
  int transfers = 64;
  std::string memory = "1G";
  std::string bwlimit;
  int max_attempts = 5;
  std::string state_dir;
  bool progress = false;
  bool no_progress = false;
  bool json = false;
  std::string report;
};

// Adds `name` ("sync", "copy" or "check") bound to `flags`.
CLI::App* AddSyncCommand(CLI::App& app, const std::string& name, SyncFlags& flags);

// Runs the parsed `command`; returns the process exit code (see exit_codes.h).
int RunSyncCommand(const SyncFlags& flags, const CLI::App& command);

}  // namespace ferry::cli
