// The one entry of a sync, copy or check: `ferry sync|copy|check` calls RunJob,
// a server task PrepareRun then RunPrepared (its runs, watch, fleet planning and
// deletion share one TaskRunner::Prepare); the watch, the fleet planner and its
// workers open their sides with PrepareRun and drive them their own way.
#pragma once

#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "core/status.h"
#include "engine/run_observer.h"
#include "engine/sync_run.h"
#include "job/config_file.h"
#include "job/sync_spec.h"
#include "state/sqlite_checkpoint_store.h"

namespace ferry::job {

// What the caller knows beyond the spec.
struct RunSetup {
  EndpointConfigs configs;  // named endpoints (NAME:bucket)
  std::string config_path;  // where they came from, for errors
  // Access keys chosen by the caller (a server's stored credentials); they
  // replace the spec's own credential choice on that side.
  std::optional<auth::Credentials> src_keys, dst_keys;
  // Local folders must lie under this folder and are reached through no link
  // for the whole run; nullopt = anywhere (the CLI's user owns the machine).
  std::optional<std::string> confine_local_to;
  // Checkpoints of multipart uploads, so an interrupted run resumes; "" = none.
  std::string state_dir;
  // Live counters for another thread (the server's progress); null = the run's own.
  engine::RunCounters* counters = nullptr;
};

// A run with both sides opened and its options made; nothing sent yet.
struct PreparedRun {
  // The locations and endpoint settings as the spec and the config file name
  // them, without the setup's keys: safe to hand on (a fleet's work items).
  ResolvedSides sides;
  OpenedStores stores;
  engine::RunOptions options;
  std::unique_ptr<state::SqliteCheckpointStore> checkpoints;  // null without a state_dir
  std::string report_path;  // --report: a JSON line per object decided; "" = none
};

// Checks the options, resolves named endpoints, opens both sides and the
// checkpoints. Errors name the option or the side at fault.
Result<PreparedRun> PrepareRun(const SyncSpec& spec, const RunSetup& setup);

// Runs `prepared` to the end, telling `observer` (and the report file, another
// observer) as it goes; see engine::RunSync for what is an error and what a
// failed object.
Result<engine::RunSummary> RunPrepared(PreparedRun& prepared, engine::RunObserver& observer,
                                       std::stop_token stop);

// PrepareRun, then RunPrepared.
Result<engine::RunSummary> RunJob(const SyncSpec& spec, const RunSetup& setup,
                                  engine::RunObserver& observer, std::stop_token stop);

}  // namespace ferry::job
