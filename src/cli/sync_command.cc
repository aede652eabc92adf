#include "cli/sync_command.h"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/endpoint_flags.h"
#include "cli/exit_codes.h"
#include "cli/interrupt.h"
#include "cli/run_printer.h"
#include "cli/state_dir.h"
#include "job/run.h"
#include "job/run_option_table.h"

namespace ferry::cli {
namespace {

std::string DefaultText(const std::string& value) { return value; }
std::string DefaultText(int value) { return std::to_string(value); }

}  // namespace

void AddSpecFlags(CLI::App& cmd, job::SyncSpec& spec, bool with_delete) {
  cmd.add_option("source", spec.source, "s3://bucket[/prefix], NAME:bucket[/prefix] or folder")
      ->required()
      ->type_name("SRC");
  cmd.add_option("destination", spec.destination, "same forms as the source")
      ->required()
      ->type_name("DST");
  AddEndpointFlags(cmd, "src-", spec.src);
  AddEndpointFlags(cmd, "dst-", spec.dst);
  const job::SyncSpec defaults;
  for (const job::RunOptionDecl& decl : job::RunOptionTable()) {
    if (!(decl.scope & job::kInCli) || ((decl.scope & job::kSyncOnly) && !with_delete)) continue;
    std::visit(
        [&](auto member) {
          using T = std::decay_t<decltype(spec.*member)>;
          if constexpr (std::is_same_v<T, bool>) {
            cmd.add_flag(decl.Flag(), spec.*member, decl.help);
          } else if constexpr (std::is_same_v<T, int> || std::is_same_v<T, std::string>) {
            std::string help = decl.help;
            if (const std::string value = DefaultText(defaults.*member); !value.empty()) {
              help += " (default " + value + ")";
            }
            CLI::Option* opt =
                cmd.add_option(decl.Flag(), spec.*member, help)->type_name(decl.value_name);
            if constexpr (std::is_same_v<T, int>) opt->check(CLI::Range(decl.min, decl.max));
            if (!decl.choices.empty()) opt->check(CLI::IsMember(decl.choices));
          }
        },
        decl.field);
  }
  // Rules in the order given, across both flags (CollectFilters).
  cmd.add_option("--include", "Only keys matching GLOB (repeatable, in order with --exclude)")
      ->type_name("GLOB");
  cmd.add_option("--exclude", "Skip keys matching GLOB (repeatable)")->type_name("GLOB");
  cmd.add_option("--prefix-list", spec.prefix_list, "Only keys under the prefixes in FILE, one per line")
      ->type_name("FILE");
}

void CollectFilters(const CLI::App& command, job::SyncSpec& spec) {
  // --include/--exclude apply in the order given, across both flags.
  size_t include_i = 0, exclude_i = 0;
  const auto* include = command.get_option_no_throw("--include");
  const auto* exclude = command.get_option_no_throw("--exclude");
  for (const CLI::Option* opt : command.parse_order()) {
    if (opt == include) spec.filters.emplace_back(true, include->results().at(include_i++));
    if (opt == exclude) spec.filters.emplace_back(false, exclude->results().at(exclude_i++));
  }
}

CLI::App* AddSyncCommand(CLI::App& app, const std::string& name, SyncFlags& flags) {
  const char* about = name == "sync"   ? "Make DST match SRC (new and changed objects; --delete "
                                         "removes what is only in DST)"
                      : name == "copy" ? "Copy new and changed objects from SRC to DST; never "
                                         "deletes"
                                       : "Compare SRC and DST and list the differences";
  CLI::App* cmd = app.add_subcommand(name, about);
  AddSpecFlags(*cmd, flags.spec, name == "sync");
  AddEndpointFlags(*cmd, "", flags.both);
  cmd->add_option("--config", flags.config_path,
                  "Config file with named endpoints (default ~/.config/ferry/ferry.toml)")
      ->type_name("FILE");
  cmd->add_option("--state", flags.state_dir,
                  "Folder for checkpoints (default ~/.local/state/ferry)")
      ->type_name("DIR");
  cmd->add_flag("--progress", flags.progress,
                "Show live progress (default on a terminal; elsewhere a line every 10 s)");
  cmd->add_flag("--no-progress", flags.no_progress, "Never show live progress");
  cmd->add_flag("--json", flags.json, "Print one JSON summary object at the end");
  cmd->add_option("--report", flags.spec.report, "Write a JSON line per object decided to FILE")
      ->type_name("FILE");
  if (name != "check") AddFleetFlags(*cmd, flags.fleet);
  flags.spec.mode = name == "sync"   ? engine::RunMode::kSync
                    : name == "copy" ? engine::RunMode::kCopy
                                     : engine::RunMode::kCheck;
  return cmd;
}

// Flags that contradict each other are refused rather than silently ignored
// (options that need another, as --max-delete needs --delete, are refused by
// job::MakeRunOptions, for server tasks too).
Status CheckFlagCombinations(const SyncFlags& flags) {
  const job::SyncSpec& spec = flags.spec;
  FERRY_RETURN_IF_ERROR(job::CheckCredentialChoice(flags.both, "--"));
  FERRY_RETURN_IF_ERROR(job::CheckCredentialChoice(spec.src, "--src-"));
  FERRY_RETURN_IF_ERROR(job::CheckCredentialChoice(spec.dst, "--dst-"));
  if (flags.progress && flags.no_progress) {
    return Status::InvalidArgument("--progress and --no-progress contradict each other",
                                   "give one of them");
  }
  return Status::OK();
}

int RunSyncCommand(SyncFlags& flags, const CLI::App& command) {
  if (!flags.fleet.queue_url.empty()) return RunFleetSync(flags, command);
  auto fail = [](const Status& st) {
    std::fprintf(stderr, "ferry: %s\n", st.ToString().c_str());
    return ExitCodeFor(st);
  };
  job::SyncSpec& spec = flags.spec;
  if (Status st = CheckFlagCombinations(flags); !st.ok()) return fail(st);
  spec.src = spec.src.Over(flags.both);
  spec.dst = spec.dst.Over(flags.both);
  CollectFilters(command, spec);
  // On a terminal a line redrawn in place; asked for elsewhere, a line every 10 s.
  const bool terminal = isatty(STDERR_FILENO);
  engine::ProgressStyle progress = engine::ProgressStyle::kOff;
  if (flags.progress || (!flags.no_progress && !flags.json && terminal)) {
    progress = terminal ? engine::ProgressStyle::kTerminal : engine::ProgressStyle::kLines;
  }
  RunPrinter printer(spec.mode, progress, flags.json);

  job::RunSetup setup;
  const bool explicit_config = !flags.config_path.empty();
  setup.config_path = explicit_config ? flags.config_path : job::DefaultConfigPath();
  auto configs = job::LoadConfig(setup.config_path, explicit_config);
  if (!configs.ok()) return fail(configs.error());
  setup.configs = std::move(*configs);
  // A check or a dry run writes nothing, so it needs no checkpoints.
  if (spec.mode != engine::RunMode::kCheck && !spec.dry_run) {
    setup.state_dir = flags.state_dir.empty() ? DefaultStateDir() : flags.state_dir;
  }

  std::stop_source interrupt;
  Result<engine::RunSummary> summary = Status::Internal("not run");
  {
    InterruptWatcher watcher(interrupt);
    summary = job::RunJob(spec, setup, printer, interrupt.get_token());
  }
  if (!summary.ok()) return fail(summary.error());
  printer.PrintSummary(*summary);
  if (!summary->delete_refusal.ok()) return fail(summary->delete_refusal);
  if (summary->failed > 0) return kExitPartial;
  if (spec.mode == engine::RunMode::kCheck && summary->differences > 0) return kExitDifferences;
  return kExitOk;
}

}  // namespace ferry::cli
