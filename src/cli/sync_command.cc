#include "cli/sync_command.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/endpoint_flags.h"
#include "cli/exit_codes.h"
#include "cli/interrupt.h"
#include "cli/state_dir.h"
#include "state/sqlite_checkpoint_store.h"

namespace ferry::cli {
namespace {

void PrintSummary(const engine::RunSummary& s, const SyncFlags& flags) {
  if (flags.json) {
    nlohmann::json j = {{"listed", s.listed_source},
                        {"listed_destination", s.listed_destination},
                        {"matched", s.matched},
                        {"copied", s.copied},
                        {"bytes", s.bytes},
                        {"deleted", s.deleted},
                        {"differences", s.differences},
                        {"failed", s.failed},
                        {"parts_resumed", s.parts_resumed},
                        {"unverified", s.unverified},
                        {"deletes_refused", s.deletes_refused},
                        {"seconds", s.seconds}};
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& f : s.failures) {
      failures.push_back({{"key", f.key}, {"attempts", f.attempts}, {"error", f.error}});
    }
    j["failures"] = failures;
    j["requests"] = {{"source", s.source_requests}, {"destination", s.destination_requests}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    auto n = [](uint64_t v) { return static_cast<unsigned long long>(v); };
    std::printf(
        "listed %llu (destination %llu) · identical %llu · copied %llu (%llu bytes) · deleted "
        "%llu · differences %llu · failed %llu · %.1f s\n",
        n(s.listed_source), n(s.listed_destination), n(s.matched), n(s.copied), n(s.bytes),
        n(s.deleted), n(s.differences), n(s.failed), s.seconds);
    if (s.unverified > 0) {
      std::printf("%llu copied object%s could not be verified: their source ETag is no checksum "
                  "ferry can recompute (SSE-KMS, or a part layout the source does not tell)\n",
                  n(s.unverified), s.unverified == 1 ? "" : "s");
    }
  }
  for (const auto& f : s.failures) {
    std::fprintf(stderr, "ferry: failed after %d attempt%s: %s: %s\n", f.attempts,
                 f.attempts == 1 ? "" : "s", f.key.c_str(), f.error.c_str());
  }
}

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
  if (with_delete) {
    cmd.add_flag("--delete", spec.delete_extra, "Delete objects found only in DST");
    cmd.add_flag("--allow-empty-source", spec.allow_empty_source,
                 "Let --delete run when the source lists no objects");
    cmd.add_option("--max-delete", spec.max_delete,
                   "With --delete: refuse to delete more than N objects or P% of DST")
        ->type_name("N|P%");
  }
  cmd.add_flag("--dry-run", spec.dry_run, "Decide and name each difference, change nothing");
  cmd.add_option("--compare", spec.compare,
                 "size-etag (default; part-layout aware), size-mtime, size, or checksum "
                 "(proves equal content, reading bytes where no checksum can)")
      ->type_name("MODE");
  cmd.add_option("--include", "Only keys matching GLOB (repeatable, in order with --exclude)")
      ->type_name("GLOB");
  cmd.add_option("--exclude", "Skip keys matching GLOB (repeatable)")->type_name("GLOB");
  cmd.add_option("--prefix-list", spec.prefix_list, "Only keys under the prefixes in FILE, one per line")
      ->type_name("FILE");
  cmd.add_option("--modified-after", spec.modified_after,
                 "Only objects modified at/after TIME (2026-01-31, 2026-01-31T12:00:00Z)")
      ->type_name("TIME");
  cmd.add_option("--modified-before", spec.modified_before, "Only objects modified before TIME")
      ->type_name("TIME");
  cmd.add_option("--storage-class", spec.storage_class, "Storage class of written objects")
      ->type_name("CLASS");
  cmd.add_option("--sse", spec.sse, "Server-side encryption of written objects")
      ->check(CLI::IsMember({"AES256", "aws:kms"}));
  cmd.add_option("--sse-kms-key-id", spec.sse_kms_key_id, "KMS key for --sse aws:kms")
      ->type_name("KEY");
  cmd.add_option("--acl", spec.acl, "Canned ACL of written objects (private, bucket-owner-full-control, ...)")
      ->type_name("ACL");
  cmd.add_flag("--no-metadata", spec.no_metadata, "Do not copy Content-Type, x-amz-meta-*...");
  cmd.add_flag("--tags", spec.copy_tags, "Copy object tags too (one more request per object)");
  cmd.add_flag("--request-payer", spec.request_payer,
               "Accept requester-pays charges (x-amz-request-payer: requester)");
  cmd.add_option("--multipart-threshold", spec.multipart_threshold,
                 "Single-part sources above SIZE go multipart (default 200M, at most 5G); "
                 "multipart sources keep their layout")
      ->type_name("SIZE");
  cmd.add_option("--part-size", spec.part_size,
                 "Part SIZE for ferry's own layouts (default automatic, 16M or more)")
      ->type_name("SIZE");
  cmd.add_option("--transfers", spec.transfers, "Objects in flight (default 256)")->type_name("N");
  cmd.add_option("--memory", spec.memory, "Upper bound on transfer buffers (default 1G)")
      ->type_name("SIZE");
  cmd.add_option("--bwlimit", spec.bwlimit, "Upload at most RATE bytes/s (e.g. 50M)")
      ->type_name("RATE");
  cmd.add_option("--max-attempts", spec.max_attempts, "Attempts per object (default 5)")
      ->type_name("N");
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
  auto options = job::MakeRunOptions(spec);
  if (!options.ok()) return fail(options.error());
  // On a terminal a line redrawn in place; asked for elsewhere, a line every 10 s.
  const bool terminal = isatty(STDERR_FILENO);
  if (flags.progress || (!flags.no_progress && !flags.json && terminal)) {
    options->progress = terminal ? engine::ProgressStyle::kTerminal : engine::ProgressStyle::kLines;
  }

  const bool explicit_config = !flags.config_path.empty();
  const std::string config_path = explicit_config ? flags.config_path : job::DefaultConfigPath();
  auto configs = job::LoadConfig(config_path, explicit_config);
  if (!configs.ok()) return fail(configs.error());
  auto sides = job::ResolveSides(spec, *configs, config_path);
  if (!sides.ok()) return fail(sides.error());
  auto stores = job::OpenStores(*sides);
  if (!stores.ok()) return fail(stores.error());
  options->throttle = stores->throttle;

  std::unique_ptr<state::SqliteCheckpointStore> checkpoints;
  if (spec.mode != engine::RunMode::kCheck && !spec.dry_run) {
    auto opened = state::SqliteCheckpointStore::Open(
        flags.state_dir.empty() ? DefaultStateDir() : flags.state_dir, job::RunName(*stores));
    if (!opened.ok()) return fail(opened.error());
    checkpoints = std::move(*opened);
  }

  // check and --dry-run name each key that differs, one line each, as rclone check does.
  options->on_difference = [&](const engine::Difference& d) {
    if (flags.json) return;  // one summary object only; the report has every key
    const char* verb = spec.mode == engine::RunMode::kCheck ? ""
                       : d.is_delete                         ? "would delete: "
                                                             : "would copy: ";
    std::printf("%s: %s%s\n", d.key.c_str(), verb, d.what.c_str());
  };

  std::stop_source interrupt;
  Result<engine::RunSummary> summary = Status::Internal("not run");
  {
    InterruptWatcher watcher(interrupt);
    summary = engine::RunSync(*stores->source, *stores->destination, *options,
                              checkpoints.get(), interrupt.get_token());
  }
  if (!summary.ok()) return fail(summary.error());
  PrintSummary(*summary, flags);
  if (!summary->delete_refusal.ok()) return fail(summary->delete_refusal);
  if (summary->failed > 0) return kExitPartial;
  if (spec.mode == engine::RunMode::kCheck && summary->differences > 0) return kExitDifferences;
  return kExitOk;
}

}  // namespace ferry::cli
