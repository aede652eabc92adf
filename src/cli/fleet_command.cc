#include "cli/fleet_command.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/exit_codes.h"
#include "cli/interrupt.h"
#include "cli/queue_flags.h"
#include "cli/state_dir.h"
#include "cli/sync_command.h"
#include "engine/report_writer.h"
#include "fleet/fleet_queues.h"
#include "fleet/planner.h"
#include "job/queue_settings.h"
#include "job/run.h"
#include "job/spec_json.h"
#include "job/units.h"
#include "state/fleet_store.h"

namespace ferry::cli {
namespace {

// The location as a worker can open it without this machine's config file.
std::string Resolved(const job::Location& l) {
  if (l.kind == job::Location::Kind::kLocal) return l.path;
  return "s3://" + l.bucket + (l.prefix.empty() ? "" : "/" + l.prefix);
}

void PrintSummary(const fleet::PlannerSummary& s, bool json) {
  auto n = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  if (json) {
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& f : s.failures) {
      failures.push_back({{"key", f.key}, {"attempts", f.attempts}, {"error", f.error}});
    }
    nlohmann::json j = {{"run", s.run_id},
                        {"resumed", s.resumed},
                        {"listed", s.listed_source},
                        {"listed_destination", s.listed_destination},
                        {"matched", s.matched},
                        {"items", s.items},
                        {"part_items", s.part_items},
                        {"delete_items", s.delete_items},
                        {"dead_items", s.dead_items},
                        {"copied", s.copied},
                        {"identical", s.same},
                        {"bytes", s.bytes},
                        {"deleted", s.deleted},
                        {"failed", s.failed},
                        {"differences", s.differences},
                        {"deletes_refused", s.deletes_refused},
                        {"seconds", s.seconds},
                        {"failures", failures},
                        {"requests",
                         {{"source", s.source_requests},
                          {"destination", s.destination_requests},
                          {"queue", s.queue_requests}}}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    for (const auto& d : s.differing) std::printf("%s\n", d.c_str());
    std::printf(
        "listed %llu (destination %llu) · identical %llu · items %llu (%llu of parts, %llu of "
        "deletes; %llu in the dead-letter queue) · copied %llu (%llu bytes) by the fleet · "
        "deleted %llu · failed %llu · verified: %llu difference%s · %.1f s\n",
        n(s.listed_source), n(s.listed_destination), n(s.matched + s.same), n(s.items),
        n(s.part_items), n(s.delete_items), n(s.dead_items), n(s.copied), n(s.bytes),
        n(s.deleted), n(s.failed), n(s.differences), s.differences == 1 ? "" : "s", s.seconds);
  }
  for (const auto& f : s.failures) {
    std::fprintf(stderr, "ferry: failed: %s: %s\n", f.key.c_str(), f.error.c_str());
  }
}

}  // namespace

void AddFleetFlags(CLI::App& cmd, FleetFlags& flags) {
  cmd.add_option("--fleet", flags.queue_url,
                 "Plan the run and send the work to this SQS queue for `ferry worker`s "
                 "(see docs/fleet.md)")
      ->type_name("QUEUE_URL");
  AddQueueFlags(cmd, flags.queue);
  cmd.add_flag("--create-queues", flags.create_queues,
               "With --fleet: create the work queue, NAME-dlq (its dead-letter queue) and "
               "NAME-results if missing");
  cmd.add_option("--max-receive-count", flags.max_receive_count,
                 "With --create-queues: receives before an item goes to the dead-letter queue "
                 "(default 5)")
      ->check(CLI::Range(1, 1000))
      ->type_name("N");
  cmd.add_option("--item-objects", flags.item_objects,
                 "With --fleet: objects per work item at most (default 500)")
      ->check(CLI::Range(1, 10000))
      ->type_name("N");
  cmd.add_option("--item-bytes", flags.item_bytes,
                 "With --fleet: bytes per work item at most (default 1G)")
      ->type_name("SIZE");
  cmd.add_option("--part-threshold", flags.part_threshold,
                 "With --fleet: multipart sources of SIZE and more are split into part items "
                 "the whole fleet shares (default 1G)")
      ->type_name("SIZE");
  cmd.add_option("--part-item-bytes", flags.part_item_bytes,
                 "With --fleet: bytes of parts per part item (default 1G)")
      ->type_name("SIZE");
}

int RunFleetSync(SyncFlags& flags, const CLI::App& command) {
  auto fail = [](const Status& st) {
    std::fprintf(stderr, "ferry: %s\n", st.ToString().c_str());
    return ExitCodeFor(st);
  };
  job::SyncSpec& spec = flags.spec;
  const FleetFlags& f = flags.fleet;
  for (auto [settings, prefix] : {std::pair{&flags.both, "--"}, {&spec.src, "--src-"},
                                  {&spec.dst, "--dst-"}, {&flags.fleet.queue, "--queue-"}}) {
    if (Status st = job::CheckCredentialChoice(*settings, prefix); !st.ok()) return fail(st);
  }
  if (spec.mode == engine::RunMode::kCheck || spec.dry_run) {
    return fail(Status::InvalidArgument("--fleet sends copies to workers: check and --dry-run "
                                        "run here, without it",
                                        "drop --fleet"));
  }
  spec.src = spec.src.Over(flags.both);
  spec.dst = spec.dst.Over(flags.both);
  CollectFilters(command, spec);
  auto item_bytes = job::ParseSize(f.item_bytes, "--item-bytes");
  if (!item_bytes.ok()) return fail(item_bytes.error());
  auto part_threshold = job::ParseSize(f.part_threshold, "--part-threshold");
  if (!part_threshold.ok()) return fail(part_threshold.error());
  auto part_item_bytes = job::ParseSize(f.part_item_bytes, "--part-item-bytes");
  if (!part_item_bytes.ok()) return fail(part_item_bytes.error());

  job::RunSetup setup;
  const bool explicit_config = !flags.config_path.empty();
  setup.config_path = explicit_config ? flags.config_path : job::DefaultConfigPath();
  auto configs = job::LoadConfig(setup.config_path, explicit_config);
  if (!configs.ok()) return fail(configs.error());
  setup.configs = std::move(*configs);
  auto prepared = job::PrepareRun(spec, setup);
  if (!prepared.ok()) return fail(prepared.error());
  const job::ResolvedSides& sides = prepared->sides;
  job::OpenedStores& stores = prepared->stores;

  // What workers get: the run as data, with this machine's named endpoints resolved.
  job::SyncSpec sent = spec;
  sent.source = Resolved(sides.source);
  sent.destination = Resolved(sides.destination);
  sent.src = sides.src;
  sent.dst = sides.dst;
  sent.prefix_list.clear();
  if (!spec.prefix_list.empty()) {
    auto prefixes = engine::KeyFilter::ReadPrefixList(spec.prefix_list);
    if (!prefixes.ok()) return fail(prefixes.error());
    sent.prefixes.insert(sent.prefixes.end(), prefixes->begin(), prefixes->end());
  }
  auto spec_json = job::SpecToJson(sent);
  if (!spec_json.ok()) return fail(spec_json.error());

  job::QueueSettings queue_settings{f.queue_url, f.queue};
  auto queue = job::OpenQueue(queue_settings, stores.http);
  if (!queue.ok()) return fail(queue.error());

  std::stop_source interrupt;
  InterruptWatcher watcher(interrupt);
  auto queues = fleet::OpenFleetQueues(*queue->client, queue->address,
                                       {f.create_queues, f.max_receive_count, 120},
                                       interrupt.get_token());
  if (!queues.ok()) return fail(queues.error());
  auto state = state::FleetStore::Open(flags.state_dir.empty() ? DefaultStateDir()
                                                               : flags.state_dir);
  if (!state.ok()) return fail(state.error());

  fleet::PlannerOptions planner;
  planner.queues = *queues;
  planner.run_name = job::RunName(stores) + " via " + queues->work_url;
  planner.item_objects = f.item_objects;
  planner.item_bytes = *item_bytes;
  planner.part_threshold = *part_threshold;
  planner.part_item_bytes = *part_item_bytes;
  const bool terminal = isatty(STDERR_FILENO);
  if (flags.progress || (!flags.no_progress && !flags.json && terminal)) {
    planner.progress = engine::ProgressStyle::kLines;
  }
  auto summary =
      fleet::RunPlanner(*stores.source, *stores.destination, prepared->options, *spec_json,
                        *queue->client, **state, planner, interrupt.get_token());
  if (!summary.ok()) return fail(summary.error());
  if (!spec.report.empty()) {
    auto report = engine::ReportWriter::Open(spec.report);
    if (!report.ok()) return fail(report.error());
    for (const auto& failure : summary->failures) {
      (*report)->OnObject({"failed", failure.key, 0, "fleet", "", failure.attempts, failure.error});
    }
  }
  PrintSummary(*summary, flags.json);
  if (!summary->delete_refusal.ok()) return fail(summary->delete_refusal);
  if (summary->failed > 0 || summary->dead_items > 0) return kExitPartial;
  if (summary->differences > 0) {
    std::fprintf(stderr, "ferry: the verifying compare found %llu difference(s) after the "
                         "fleet's work (a side changed during the run?)\n",
                 static_cast<unsigned long long>(summary->differences));
    return kExitPartial;
  }
  return kExitOk;
}

}  // namespace ferry::cli
