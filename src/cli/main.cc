// The `ferry` command.
#include <CLI/CLI.hpp>

#include <malloc.h>

#include <cstdio>

#include "cli/admin_commands.h"
#include "cli/exit_codes.h"
#include "cli/images_command.h"
#include "cli/interrupt.h"
#include "cli/ls_command.h"
#include "cli/server_command.h"
#include "cli/suggest.h"
#include "cli/sync_command.h"
#include "cli/task_command.h"
#include "cli/watch_command.h"
#include "cli/worker_command.h"
#include "core/log.h"

namespace {

// Transfer buffers (parts, whole objects) are large and short-lived. glibc
// raises its mmap threshold to the size of the last large block freed, after
// which such buffers come from the heap and stay resident when freed: a run at
// --memory 128M peaked at 214-230 MiB instead of 150 (docs/BENCHMARKS.md). A
// fixed threshold keeps every buffer of 1 MiB or more in its own mapping,
// returned to the system when freed.
void ReturnLargeBuffersWhenFreed() { mallopt(M_MMAP_THRESHOLD, 1 << 20); }

}  // namespace

int main(int argc, char** argv) {
  using namespace ferry::cli;
  ReturnLargeBuffersWhenFreed();
  BlockStopSignals();
  CLI::App app{"ferry: move object storage and container images between clouds"};
  app.require_subcommand(1);
  app.fallthrough();  // -v and --log-format also work after the sub-command
  app.set_version_flag("--version", "ferry 0.1.0");
  int verbosity = 0;
  std::string log_format = "text";
  app.add_flag("-v,--verbose", verbosity, "More logging (-v info, -vv debug)");
  app.add_option("--log-format", log_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));

  LsFlags ls_flags;
  CLI::App* ls = AddLsCommand(app, ls_flags);
  SyncFlags sync_flags, copy_flags, check_flags;
  CLI::App* sync = AddSyncCommand(app, "sync", sync_flags);
  CLI::App* copy = AddSyncCommand(app, "copy", copy_flags);
  CLI::App* check = AddSyncCommand(app, "check", check_flags);
  ImagesSyncFlags images_flags;
  CLI::App* images_sync = AddImagesCommand(app, images_flags);
  ServerFlags server_flags;
  CLI::App* server = AddServerCommand(app, server_flags);
  TaskFlags task_flags;
  CLI::App* task = AddTaskCommand(app, task_flags);
  CLI::App* login = AddLoginCommand(app, task_flags);
  WatchFlags watch_flags;
  CLI::App* watch = AddWatchCommand(app, watch_flags);
  WorkerFlags worker_flags;
  CLI::App* worker = AddWorkerCommand(app, worker_flags);
  AdminFlags admin_flags;
  const std::vector<CLI::App*> admin = AddAdminCommands(app, admin_flags);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ExtrasError&) {
    std::fprintf(stderr, "ferry: %s\n", DescribeUnexpected(app).c_str());
    return kExitUsage;
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  ferry::log::Init(verbosity,
                   log_format == "json" ? ferry::log::Format::kJson : ferry::log::Format::kText);

  if (sync->parsed()) return RunSyncCommand(sync_flags, *sync);
  if (copy->parsed()) return RunSyncCommand(copy_flags, *copy);
  if (check->parsed()) return RunSyncCommand(check_flags, *check);
  if (images_sync->parsed()) return RunImagesSync(images_flags);
  if (server->parsed()) return RunServerCommand(server_flags);
  if (task->parsed()) return RunTaskCommand(task_flags, *task);
  if (login->parsed()) return RunLoginCommand(task_flags);
  if (watch->parsed()) return RunWatchCommand(watch_flags, *watch);
  if (worker->parsed()) return RunWorkerCommand(worker_flags);
  for (CLI::App* command : admin) {
    if (command->parsed()) return RunAdminCommand(admin_flags, *command);
  }
  ferry::Status status;
  if (ls->parsed()) status = RunLs(ls_flags);
  if (!status.ok()) {
    std::fprintf(stderr, "ferry: %s\n", status.ToString().c_str());
  }
  return ExitCodeFor(status);
}
