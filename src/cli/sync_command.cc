#include "cli/sync_command.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/config_file.h"
#include "cli/exit_codes.h"
#include "cli/interrupt.h"
#include "cli/location.h"
#include "cli/units.h"
#include "state/sqlite_checkpoint_store.h"
#include "store/local_store.h"
#include "store/s3_store.h"

namespace ferry::cli {
namespace {

std::string DefaultStateDir() {
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/ferry";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.local/state/ferry";
}

struct OpenedStores {
  std::shared_ptr<net::HttpClient> http = std::make_shared<net::HttpClient>();
  std::shared_ptr<ThrottleSignal> throttle = std::make_shared<ThrottleSignal>();
  std::unique_ptr<store::ObjectStore> source;
  std::unique_ptr<store::ObjectStore> destination;
};

Result<EndpointFlags> ResolveEndpoint(const Location& location, const EndpointFlags& flags,
                                      const EndpointConfigs& configs, const std::string& config) {
  if (location.endpoint_name.empty()) return flags;
  auto it = configs.find(location.endpoint_name);
  if (it == configs.end()) {
    return Status::InvalidArgument(
        "unknown endpoint '" + location.endpoint_name + "' in '" + location.endpoint_name + ":" +
            location.bucket + "'",
        "define [endpoints." + location.endpoint_name + "] in " + config + " or use s3://");
  }
  return flags.Over(it->second);
}

Result<OpenedStores> OpenStores(const SyncFlags& flags) {
  auto src = ParseLocation(flags.source);
  if (!src.ok()) return std::move(src).take_error().WithSide(Side::kSource);
  auto dst = ParseLocation(flags.destination);
  if (!dst.ok()) return std::move(dst).take_error().WithSide(Side::kDestination);
  const bool explicit_config = !flags.config_path.empty();
  const std::string config_path = explicit_config ? flags.config_path : DefaultConfigPath();
  auto configs = LoadConfig(config_path, explicit_config);
  if (!configs.ok()) return std::move(configs).take_error();

  auto src_flags = ResolveEndpoint(*src, flags.src, *configs, config_path);
  if (!src_flags.ok()) return std::move(src_flags).take_error().WithSide(Side::kSource);
  auto dst_flags = ResolveEndpoint(*dst, flags.dst, *configs, config_path);
  if (!dst_flags.ok()) return std::move(dst_flags).take_error().WithSide(Side::kDestination);
  src_flags->request_payer = dst_flags->request_payer = flags.request_payer;

  OpenedStores opened;
  std::shared_ptr<s3::S3Client> src_client;
  if (src->kind == Location::Kind::kS3) {
    auto client = MakeS3Client(*src_flags, Side::kSource, opened.http);
    if (!client.ok()) return std::move(client).take_error();
    src_client = std::move(*client);
    opened.source = std::make_unique<store::S3Store>(src_client, src->bucket,
                                                     FolderPrefix(src->prefix));
  } else {
    opened.source = std::make_unique<store::LocalStore>(src->path);
  }
  if (dst->kind == Location::Kind::kS3) {
    std::shared_ptr<s3::S3Client> dst_client;
    // One service with one set of keys on both sides: share the client, which
    // is what lets the destination copy server-side.
    if (src_client && *src_flags == *dst_flags) {
      dst_client = src_client;
    } else {
      auto client = MakeS3Client(*dst_flags, Side::kDestination, opened.http, opened.throttle);
      if (!client.ok()) return std::move(client).take_error();
      dst_client = std::move(*client);
    }
    opened.destination = std::make_unique<store::S3Store>(dst_client, dst->bucket,
                                                          FolderPrefix(dst->prefix));
  } else {
    opened.destination = std::make_unique<store::LocalStore>(dst->path);
  }
  return opened;
}

Result<engine::RunOptions> MakeRunOptions(const SyncFlags& flags, const CLI::App& command) {
  engine::RunOptions o;
  o.mode = flags.mode;
  o.delete_extra = flags.delete_extra;
  o.dry_run = flags.dry_run;
  o.allow_empty_source = flags.allow_empty_source;
  if (!flags.max_delete.empty()) {
    if (flags.max_delete.back() == '%') {
      o.max_delete_percent = std::strtod(flags.max_delete.c_str(), nullptr);
    } else {
      auto n = ParseSize(flags.max_delete, "--max-delete");
      if (!n.ok()) return std::move(n).take_error();
      o.max_delete_count = *n;
    }
  }
  auto compare = engine::ParseCompareMode(flags.compare);
  if (!compare.ok()) return std::move(compare).take_error();
  o.compare = *compare;

  // --include/--exclude apply in the order given, across both flags.
  size_t include_i = 0, exclude_i = 0;
  const auto* include = command.get_option_no_throw("--include");
  const auto* exclude = command.get_option_no_throw("--exclude");
  for (const CLI::Option* opt : command.parse_order()) {
    if (opt == include) o.filter.AddRule(true, include->results().at(include_i++));
    if (opt == exclude) o.filter.AddRule(false, exclude->results().at(exclude_i++));
  }
  if (!flags.prefix_list.empty()) {
    auto prefixes = engine::KeyFilter::ReadPrefixList(flags.prefix_list);
    if (!prefixes.ok()) return std::move(prefixes).take_error();
    o.filter.SetPrefixes(std::move(*prefixes));
  }
  if (!flags.modified_after.empty()) {
    auto t = ParseTime(flags.modified_after, "--modified-after");
    if (!t.ok()) return std::move(t).take_error();
    o.filter.SetModifiedAfter(*t);
  }
  if (!flags.modified_before.empty()) {
    auto t = ParseTime(flags.modified_before, "--modified-before");
    if (!t.ok()) return std::move(t).take_error();
    o.filter.SetModifiedBefore(*t);
  }

  o.transfer.settings.storage_class = flags.storage_class;
  o.transfer.settings.sse = flags.sse;
  o.transfer.settings.sse_kms_key_id = flags.sse_kms_key_id;
  o.transfer.settings.acl = flags.acl;
  o.transfer.copy_metadata = !flags.no_metadata;
  o.transfer.copy_tags = flags.copy_tags;
  auto threshold = ParseSize(flags.multipart_threshold, "--multipart-threshold");
  if (!threshold.ok()) return std::move(threshold).take_error();
  o.transfer.multipart_threshold = *threshold;
  if (!flags.part_size.empty()) {
    auto part = ParseSize(flags.part_size, "--part-size");
    if (!part.ok()) return std::move(part).take_error();
    if (*part < (uint64_t{5} << 20) || *part > (uint64_t{5} << 30)) {
      return Status::InvalidArgument("--part-size " + flags.part_size + " is out of range",
                                     "S3 parts are 5 MiB to 5 GiB");
    }
    o.transfer.part_size = *part;
  }
  auto memory = ParseSize(flags.memory, "--memory");
  if (!memory.ok()) return std::move(memory).take_error();
  o.memory = *memory;
  if (!flags.bwlimit.empty()) {
    auto rate = ParseSize(flags.bwlimit, "--bwlimit");
    if (!rate.ok()) return std::move(rate).take_error();
    o.bwlimit = *rate;
  }
  if (flags.transfers < 1 || flags.transfers > 1024) {
    return Status::InvalidArgument("--transfers must be 1..1024");
  }
  o.transfers = flags.transfers;
  if (flags.max_attempts < 1) return Status::InvalidArgument("--max-attempts must be at least 1");
  o.max_attempts = flags.max_attempts;
  o.report_path = flags.report;
  o.progress = flags.progress || (!flags.no_progress && !flags.json && isatty(STDERR_FILENO));
  return o;
}

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
                        {"seconds", s.seconds}};
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& f : s.failures) {
      failures.push_back({{"key", f.key}, {"attempts", f.attempts}, {"error", f.error}});
    }
    j["failures"] = failures;
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf(
        "listed %llu (destination %llu) · identical %llu · copied %llu (%llu bytes) · deleted "
        "%llu · differences %llu · failed %llu · %.1f s\n",
        static_cast<unsigned long long>(s.listed_source),
        static_cast<unsigned long long>(s.listed_destination),
        static_cast<unsigned long long>(s.matched), static_cast<unsigned long long>(s.copied),
        static_cast<unsigned long long>(s.bytes), static_cast<unsigned long long>(s.deleted),
        static_cast<unsigned long long>(s.differences),
        static_cast<unsigned long long>(s.failed), s.seconds);
  }
  for (const auto& f : s.failures) {
    std::fprintf(stderr, "ferry: failed after %d attempt%s: %s: %s\n", f.attempts,
                 f.attempts == 1 ? "" : "s", f.key.c_str(), f.error.c_str());
  }
}

}  // namespace

CLI::App* AddSyncCommand(CLI::App& app, const std::string& name, SyncFlags& flags) {
  const char* about = name == "sync"   ? "Make DST match SRC (new and changed objects; --delete "
                                         "removes what is only in DST)"
                      : name == "copy" ? "Copy new and changed objects from SRC to DST; never "
                                         "deletes"
                                       : "Compare SRC and DST and list the differences";
  CLI::App* cmd = app.add_subcommand(name, about);
  cmd->add_option("source", flags.source, "s3://bucket[/prefix], NAME:bucket[/prefix] or folder")
      ->required();
  cmd->add_option("destination", flags.destination, "same forms as the source")->required();
  flags.src.AddTo(*cmd, "src-");
  flags.dst.AddTo(*cmd, "dst-");
  cmd->add_option("--config", flags.config_path, "Config file with named endpoints");
  if (name == "sync") {
    cmd->add_flag("--delete", flags.delete_extra, "Delete objects found only in DST");
    cmd->add_flag("--allow-empty-source", flags.allow_empty_source,
                  "Let --delete run when the source lists no objects");
    cmd->add_option("--max-delete", flags.max_delete, "Refuse to delete more than N or P%");
  }
  cmd->add_flag("--dry-run", flags.dry_run, "Decide and report, change nothing");
  cmd->add_option("--compare", flags.compare, "size-etag (default), size-mtime, size, checksum");
  cmd->add_option("--include", "Only keys matching GLOB (repeatable, in order with --exclude)");
  cmd->add_option("--exclude", "Skip keys matching GLOB (repeatable)");
  cmd->add_option("--prefix-list", flags.prefix_list, "File of key prefixes, one per line");
  cmd->add_option("--modified-after", flags.modified_after, "Only objects modified at/after TIME");
  cmd->add_option("--modified-before", flags.modified_before, "Only objects modified before TIME");
  cmd->add_option("--storage-class", flags.storage_class, "Storage class of written objects");
  cmd->add_option("--sse", flags.sse, "Server-side encryption: AES256 or aws:kms")
      ->check(CLI::IsMember({"AES256", "aws:kms"}));
  cmd->add_option("--sse-kms-key-id", flags.sse_kms_key_id, "KMS key for --sse aws:kms");
  cmd->add_option("--acl", flags.acl, "Canned ACL of written objects");
  cmd->add_flag("--no-metadata", flags.no_metadata, "Do not copy Content-Type, x-amz-meta-*...");
  cmd->add_flag("--tags", flags.copy_tags, "Copy object tags too (one more request per object)");
  cmd->add_flag("--request-payer", flags.request_payer,
                "Accept requester-pays charges (x-amz-request-payer: requester)");
  cmd->add_option("--multipart-threshold", flags.multipart_threshold,
                  "Objects above SIZE go multipart (default 64M)");
  cmd->add_option("--part-size", flags.part_size, "Part SIZE (default automatic, 16M or more)");
  cmd->add_option("--transfers", flags.transfers, "Objects and parts in flight (default 64)");
  cmd->add_option("--memory", flags.memory, "Upper bound on transfer buffers (default 1G)");
  cmd->add_option("--bwlimit", flags.bwlimit, "Upload at most RATE bytes/s (e.g. 50M)");
  cmd->add_option("--max-attempts", flags.max_attempts, "Attempts per object (default 5)");
  cmd->add_option("--state", flags.state_dir,
                  "Folder for checkpoints (default ~/.local/state/ferry)");
  cmd->add_flag("--progress", flags.progress, "Show live progress (default on a terminal)");
  cmd->add_flag("--no-progress", flags.no_progress, "Never show live progress");
  cmd->add_flag("--json", flags.json, "Print one JSON summary object at the end");
  cmd->add_option("--report", flags.report, "Write a JSON line per object decided to FILE");
  flags.mode = name == "sync" ? engine::RunMode::kSync
               : name == "copy" ? engine::RunMode::kCopy
                                : engine::RunMode::kCheck;
  return cmd;
}

int RunSyncCommand(const SyncFlags& flags, const CLI::App& command) {
  auto fail = [](const Status& st) {
    std::fprintf(stderr, "ferry: %s\n", st.ToString().c_str());
    return ExitCodeFor(st);
  };
  auto options = MakeRunOptions(flags, command);
  if (!options.ok()) return fail(options.error());
  auto stores = OpenStores(flags);
  if (!stores.ok()) return fail(stores.error());
  options->throttle = stores->throttle;

  std::unique_ptr<state::SqliteCheckpointStore> checkpoints;
  if (flags.mode != engine::RunMode::kCheck && !flags.dry_run) {
    const std::string run_id =
        stores->source->Describe() + " -> " + stores->destination->Describe();
    auto opened = state::SqliteCheckpointStore::Open(
        flags.state_dir.empty() ? DefaultStateDir() : flags.state_dir, run_id);
    if (!opened.ok()) return fail(opened.error());
    checkpoints = std::move(*opened);
  }

  std::stop_source interrupt;
  Result<engine::RunSummary> summary = Status::Internal("not run");
  {
    InterruptWatcher watcher(interrupt);
    summary = engine::RunSync(*stores->source, *stores->destination, *options,
                              checkpoints.get(), interrupt.get_token());
  }
  if (!summary.ok()) return fail(summary.error());
  PrintSummary(*summary, flags);
  if (summary->failed > 0) return kExitPartial;
  if (flags.mode == engine::RunMode::kCheck && summary->differences > 0) return kExitDifferences;
  return kExitOk;
}

}  // namespace ferry::cli
