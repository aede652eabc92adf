#include "cli/watch_command.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>

#include "cli/endpoint_flags.h"
#include "cli/exit_codes.h"
#include "cli/interrupt.h"
#include "cli/queue_flags.h"
#include "cli/state_dir.h"
#include "cli/sync_command.h"
#include "events/event_watch.h"
#include "events/notification_setup.h"
#include "service/resync_schedule.h"
#include "state/sequencer_store.h"
#include "job/run.h"

namespace ferry::cli {
namespace {

void PrintSummary(const events::WatchSummary& s, bool json) {
  auto n = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  if (json) {
    nlohmann::json j = {{"messages", s.messages},     {"test_events", s.test_events},
                        {"records", s.records},       {"copied", s.copied},
                        {"bytes", s.bytes},           {"identical", s.same},
                        {"deleted", s.deleted},       {"stale", s.stale},
                        {"gone", s.gone},             {"ignored", s.ignored},
                        {"failed", s.failed},         {"unreadable", s.unreadable},
                        {"resyncs", s.resyncs},       {"caught_up", s.caught_up},
                        {"missed", s.missed},
                        {"seconds", s.seconds}};
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& f : s.failures) {
      failures.push_back({{"key", f.key}, {"attempts", f.attempts}, {"error", f.error}});
    }
    j["failures"] = failures;
    j["requests"] = {{"source", s.source_requests},
                     {"destination", s.destination_requests},
                     {"queue", s.queue_requests}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf(
        "messages %llu · records %llu · copied %llu (%llu bytes) · deleted %llu · identical %llu "
        "· stale %llu · gone %llu · ignored %llu · failed %llu · unreadable %llu · resyncs %llu "
        "(at start: %llu, missed by events: %llu) · %.1f s\n",
        n(s.messages), n(s.records), n(s.copied), n(s.bytes), n(s.deleted), n(s.same),
        n(s.stale), n(s.gone), n(s.ignored), n(s.failed), n(s.unreadable), n(s.resyncs),
        n(s.caught_up), n(s.missed), s.seconds);
  }
  for (const auto& f : s.failures) {
    std::fprintf(stderr, "ferry: failed after %d attempt%s: %s: %s\n", f.attempts,
                 f.attempts == 1 ? "" : "s", f.key.c_str(), f.error.c_str());
  }
}

}  // namespace

CLI::App* AddWatchCommand(CLI::App& app, WatchFlags& flags) {
  CLI::App* cmd = app.add_subcommand(
      "watch",
      "Replicate each object as its S3 event notification arrives on an SQS queue "
      "(--delete: removals too), with a full compare on a schedule as a safety net");
  AddSpecFlags(*cmd, flags.spec, /*with_delete=*/true);
  AddEndpointFlags(*cmd, "", flags.both);
  cmd->add_option("--events", flags.queue.url,
                  "URL of the SQS queue that receives the source's event notifications")
      ->required()
      ->type_name("QUEUE_URL");
  AddQueueFlags(*cmd, flags.queue.endpoint);
  cmd->add_flag("--setup-notifications", flags.setup_notifications,
                "Point the source bucket's ObjectCreated (and with --delete ObjectRemoved) "
                "notifications under SRC's prefix at the queue");
  cmd->add_flag("--create-queue", flags.create_queue,
                "Create the queue (and NAME-dlq, its dead-letter queue) if missing, with a "
                "redrive policy and a policy that lets the source bucket send");
  cmd->add_option("--max-receive-count", flags.max_receive_count,
                  "With --create-queue: receives before a message goes to the dead-letter "
                  "queue (default 5)")
      ->check(CLI::Range(1, 1000))
      ->type_name("N");
  cmd->add_option("--resync", flags.resync,
                  "When to compare both sides in full, catching lost events: a schedule "
                  "(rate(1 day) by default, also at start; cron; once) or off")
      ->type_name("SCHEDULE");
  cmd->add_option("--visibility-timeout", flags.visibility_timeout,
                  "Seconds a received message stays hidden (extended while it is worked on; a "
                  "watch killed with kill -9 loses it for this long) (default 60)")
      ->check(CLI::Range(5, 43200))
      ->type_name("SECONDS");
  cmd->add_option("--receivers", flags.receivers, "Long polls at once (default 2)")
      ->check(CLI::Range(1, 32))
      ->type_name("N");
  cmd->add_option("--config", flags.config_path,
                  "Config file with named endpoints (default ~/.config/ferry/ferry.toml)")
      ->type_name("FILE");
  cmd->add_option("--state", flags.state_dir,
                  "Folder for checkpoints and applied sequencers (default ~/.local/state/ferry)")
      ->type_name("DIR");
  cmd->add_flag("--json", flags.json, "Print one JSON summary object when stopped");
  cmd->add_option("--report", flags.spec.report, "Write a JSON line per event applied to FILE")
      ->type_name("FILE");
  cmd->footer(
      "Runs until Ctrl-C or SIGTERM, which hand unfinished messages back to the queue at once. "
      "Exit 0, or 3 when records failed (their messages went back to the queue, and to its "
      "dead-letter queue after its maxReceiveCount).");
  return cmd;
}

int RunWatchCommand(WatchFlags& flags, const CLI::App& command) {
  auto fail = [](const Status& st) {
    std::fprintf(stderr, "ferry: %s\n", st.ToString().c_str());
    return ExitCodeFor(st);
  };
  job::SyncSpec& spec = flags.spec;
  for (auto [settings, prefix] : {std::pair{&flags.both, "--"}, {&spec.src, "--src-"},
                                  {&spec.dst, "--dst-"}, {&flags.queue.endpoint, "--queue-"}}) {
    if (Status st = job::CheckCredentialChoice(*settings, prefix); !st.ok()) return fail(st);
  }
  if (spec.dry_run) {
    return fail(Status::InvalidArgument("watch applies events as they come: --dry-run does "
                                        "not apply",
                                        "ferry check SRC DST compares without changing anything"));
  }
  spec.mode = engine::RunMode::kSync;
  spec.src = spec.src.Over(flags.both);
  spec.dst = spec.dst.Over(flags.both);
  CollectFilters(command, spec);
  auto next_resync = service::ParseResyncSchedule(flags.resync);
  if (!next_resync.ok()) return fail(std::move(next_resync).take_error().Context("--resync"));

  job::RunSetup setup;
  const bool explicit_config = !flags.config_path.empty();
  setup.config_path = explicit_config ? flags.config_path : job::DefaultConfigPath();
  auto configs = job::LoadConfig(setup.config_path, explicit_config);
  if (!configs.ok()) return fail(configs.error());
  setup.configs = std::move(*configs);
  setup.state_dir = flags.state_dir.empty() ? DefaultStateDir() : flags.state_dir;
  auto prepared = job::PrepareRun(spec, setup);
  if (!prepared.ok()) return fail(prepared.error());
  const job::ResolvedSides& sides = prepared->sides;
  if (sides.source.kind != job::Location::Kind::kS3) {
    return fail(Status::InvalidArgument("watch needs an S3 source: events come from a bucket",
                                        "a source of the form s3://bucket[/prefix] or "
                                        "NAME:bucket[/prefix]"));
  }
  job::OpenedStores& stores = prepared->stores;

  // The queue is usually the bucket's own account's: without credentials of its
  // own it uses the source's.
  job::QueueSettings queue_settings = flags.queue;
  if (!queue_settings.endpoint.ChoosesCredentials()) {
    queue_settings.endpoint.profile = sides.src.profile;
    queue_settings.endpoint.secret = sides.src.secret;
    queue_settings.endpoint.keys = sides.src.keys;
  }
  auto queue = job::OpenQueue(queue_settings, stores.http);
  if (!queue.ok()) return fail(queue.error());

  std::stop_source interrupt;
  InterruptWatcher watcher(interrupt);
  std::string queue_url = queue->address.url;
  if (flags.create_queue) {
    auto url = events::EnsureEventQueue(
        *queue->client, queue->address,
        {flags.max_receive_count, flags.visibility_timeout, sides.source.bucket},
        interrupt.get_token());
    if (!url.ok()) return fail(url.error());
  }
  if (flags.setup_notifications) {
    auto arn = queue->client->GetQueueAttributes(queue_url, {"QueueArn"}, interrupt.get_token());
    if (!arn.ok()) return fail(std::move(arn).take_error().Context("the events queue"));
    const std::string queue_arn =
        arn->contains("QueueArn") ? arn->at("QueueArn") : queue->address.Arn();
    auto s3 = job::MakeS3Client(sides.src, Side::kSource, stores.http);
    if (!s3.ok()) return fail(s3.error());
    Status st = events::SetupBucketNotification(**s3, sides.source.bucket,
                                                job::FolderPrefix(sides.source.prefix),
                                                queue_arn, spec.delete_extra,
                                                interrupt.get_token());
    if (!st.ok()) return fail(st);
    std::fprintf(stderr, "ferry: s3://%s/%s sends its events to %s\n",
                 sides.source.bucket.c_str(), job::FolderPrefix(sides.source.prefix).c_str(),
                 queue_arn.c_str());
  }

  auto sequencers = state::SequencerStore::Open(setup.state_dir, job::RunName(stores));
  if (!sequencers.ok()) return fail(sequencers.error());

  events::WatchContext context;
  context.source = stores.source.get();
  context.destination = stores.destination.get();
  context.watched = {sides.source.bucket, job::FolderPrefix(sides.source.prefix)};
  context.options = &prepared->options;
  context.checkpoints = prepared->checkpoints.get();
  context.sequencers = sequencers->get();
  context.sqs = queue->client.get();
  events::WatchOptions watch;
  watch.queue_url = queue_url;
  watch.apply_removals = spec.delete_extra;
  watch.receivers = flags.receivers;
  watch.visibility_timeout = flags.visibility_timeout;
  watch.max_messages_in_flight = std::max(20, spec.transfers);
  watch.next_resync = std::move(*next_resync);
  watch.report_path = spec.report;

  auto summary = events::RunWatch(context, watch, interrupt.get_token());
  if (!summary.ok()) return fail(summary.error());
  PrintSummary(*summary, flags.json);
  return summary->failed > 0 || summary->unreadable > 0 ? kExitPartial : kExitOk;
}

}  // namespace ferry::cli
