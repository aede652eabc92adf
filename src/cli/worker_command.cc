#include "cli/worker_command.h"

#include <CLI/CLI.hpp>
#include <httplib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include "cli/exit_codes.h"
#include "cli/interrupt.h"
#include "cli/endpoint_flags.h"
#include "cli/queue_flags.h"
#include "cli/state_dir.h"
#include "fleet/worker.h"
#include "job/config_file.h"
#include "job/location.h"
#include "job/queue_settings.h"
#include "job/spec_json.h"
#include "job/sync_spec.h"
#include "job/units.h"
#include "net/target_policy.h"
#include "queue/queue_address.h"

namespace ferry::cli {
namespace {

std::string Metrics(const fleet::WorkerCounters& c, const queue::SqsClient& sqs) {
  std::string out;
  auto counter = [&](const char* name, const char* help, const char* label,
                     std::initializer_list<std::pair<const char*, uint64_t>> values) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n";
    for (const auto& [value_label, value] : values) {
      out += name;
      if (*label != '\0') out += std::string("{") + label + "=\"" + value_label + "\"}";
      out += " " + std::to_string(value) + "\n";
    }
  };
  counter("ferry_worker_items_total", "Work items received, by how they ended.", "result",
          {{"received", c.items_received}, {"done", c.items_done},
           {"failed", c.items_failed}, {"poison", c.items_poison}});
  counter("ferry_worker_objects_total", "Objects settled, by result.", "result",
          {{"copied", c.objects_copied}, {"identical", c.objects_same},
           {"deleted", c.objects_deleted}, {"failed", c.objects_failed}});
  counter("ferry_worker_parts_total", "Parts of large objects uploaded.", "",
          {{"", c.parts_uploaded}});
  counter("ferry_worker_bytes_total", "Bytes copied.", "", {{"", c.bytes}});
  out += "# HELP ferry_worker_sqs_requests_total SQS calls made, by action.\n"
         "# TYPE ferry_worker_sqs_requests_total counter\n";
  for (const auto& [action, n] : sqs.RequestCounts()) {
    out += "ferry_worker_sqs_requests_total{action=\"" + action + "\"} " + std::to_string(n) +
           "\n";
  }
  out += "# HELP ferry_worker_items_in_flight Work items being worked on.\n"
         "# TYPE ferry_worker_items_in_flight gauge\nferry_worker_items_in_flight " +
         std::to_string(c.items_in_flight.load()) + "\n";
  return out;
}

}  // namespace

CLI::App* AddWorkerCommand(CLI::App& app, WorkerFlags& flags) {
  CLI::App* cmd = app.add_subcommand(
      "worker", "Execute the work items of a fleet's SQS queue (planned by ferry sync --fleet)");
  cmd->add_option("--queue", flags.queue_url, "URL of the work queue")
      ->required()
      ->type_name("QUEUE_URL");
  AddQueueFlags(*cmd, flags.queue);
  cmd->add_option("--concurrency", flags.concurrency,
                  "Objects and parts in flight at once (default 64)")
      ->check(CLI::Range(1, 1024))
      ->type_name("N");
  cmd->add_option("--memory", flags.memory, "Upper bound on transfer buffers (default 1G)")
      ->type_name("SIZE");
  cmd->add_option("--items", flags.items, "Work items worked on at once (default 4)")
      ->check(CLI::Range(1, 64))
      ->type_name("N");
  cmd->add_option("--visibility-timeout", flags.visibility_timeout,
                  "Seconds a received item stays hidden, extended while it is worked on "
                  "(default 120)")
      ->check(CLI::Range(10, 43200))
      ->type_name("SECONDS");
  cmd->add_option("--max-attempts", flags.max_attempts,
                  "Attempts per object (default: the planner's --max-attempts)")
      ->check(CLI::Range(1, 100))
      ->type_name("N");
  cmd->add_option("--state", flags.state_dir,
                  "Folder for multipart checkpoints (default ~/.local/state/ferry)")
      ->type_name("DIR");
  cmd->add_option("--metrics-listen", flags.metrics_listen,
                  "Serve Prometheus metrics at http://HOST:PORT/metrics")
      ->type_name("HOST:PORT");
  cmd->add_option("--events", flags.events,
                  "Also apply the S3 event notifications that arrive on the queue, from SRC to "
                  "DST, as ferry watch does (events and planned items share one fleet)")
      ->expected(2)
      ->type_name("SRC DST");
  AddEndpointFlags(*cmd, "src-", flags.src);
  AddEndpointFlags(*cmd, "dst-", flags.dst);
  AddEndpointFlags(*cmd, "", flags.both);
  cmd->add_flag("--delete", flags.delete_removed,
                "With --events: ObjectRemoved events delete from DST");
  cmd->add_option("--config", flags.config_path,
                  "Config file with named endpoints, for --events (default "
                  "~/.config/ferry/ferry.toml)")
      ->type_name("FILE");
  cmd->add_option("--allow-target", flags.allow_targets,
                  "A range the work items' endpoints may reach although refused by default: "
                  "loopback, link-local, this-host or a CIDR (repeatable)")
      ->type_name("RANGE");
  cmd->add_flag("--check-config", flags.check_config,
                "Check the flags and the queue URL, then exit 0 without contacting anything "
                "(for unit files and manifests)");
  cmd->footer(
      "Credentials for the sides come from this worker's environment (instance role, service "
      "account, profiles, secret files named by the items); items never carry secrets. "
      "Items name their endpoints, so a worker, like ferry server, refuses to connect them to "
      "loopback, this host and link-local addresses (the instance metadata service) unless "
      "--allow-target allows them (the --queue endpoint is exempt). "
      "SIGTERM or Ctrl-C stops taking work and hands unfinished items back at once: exit 0.");
  return cmd;
}

int RunWorkerCommand(WorkerFlags& flags) {
  auto fail = [](const Status& st) {
    std::fprintf(stderr, "ferry: %s\n", st.ToString().c_str());
    return ExitCodeFor(st);
  };
  if (Status st = job::CheckCredentialChoice(flags.queue, "--queue-"); !st.ok()) return fail(st);
  auto memory = job::ParseSize(flags.memory, "--memory");
  if (!memory.ok()) return fail(memory.error());
  std::string metrics_host;
  int metrics_port = 0;
  if (!flags.metrics_listen.empty()) {
    const auto colon = flags.metrics_listen.rfind(':');
    char* end = nullptr;
    const long port = colon == std::string::npos
                          ? -1
                          : std::strtol(flags.metrics_listen.c_str() + colon + 1, &end, 10);
    if (colon == std::string::npos || colon == 0 || *end != '\0' || port < 0 || port > 65535) {
      return fail(Status::InvalidArgument("--metrics-listen '" + flags.metrics_listen +
                                              "' is not HOST:PORT",
                                          "127.0.0.1:9100, or 0.0.0.0:9100 for a scraper"));
    }
    metrics_host = flags.metrics_listen.substr(0, colon);
    metrics_port = static_cast<int>(port);
  }
  job::SyncSpec events_spec;
  const bool with_events = !flags.events.empty();
  if (with_events) {
    for (auto [settings, prefix] : {std::pair{&flags.both, "--"}, {&flags.src, "--src-"},
                                    {&flags.dst, "--dst-"}}) {
      if (Status st = job::CheckCredentialChoice(*settings, prefix); !st.ok()) return fail(st);
    }
    events_spec.mode = engine::RunMode::kSync;
    events_spec.source = flags.events[0];
    events_spec.destination = flags.events[1];
    events_spec.src = flags.src.Over(flags.both);
    events_spec.dst = flags.dst.Over(flags.both);
    events_spec.delete_extra = flags.delete_removed;
  } else if (flags.delete_removed) {
    return fail(Status::InvalidArgument("--delete applies to --events, which was not given",
                                        "add --events SRC DST, or drop --delete"));
  }
  // Whoever writes the queue names the items' endpoints: the worker applies the
  // server's target policy to every connection but the queue's (and the
  // credential chain's own metadata calls).
  auto targets = std::make_shared<net::TargetPolicy>();
  for (const auto& range : flags.allow_targets) {
    if (Status st = targets->Allow(range); !st.ok()) {
      std::fprintf(stderr, "ferry: --allow-target: %s\n", st.ToString().c_str());
      return kExitUsage;
    }
  }
  if (flags.check_config) {
    auto address = queue::ParseQueueUrl(flags.queue_url, flags.queue.region, flags.queue.endpoint);
    if (!address.ok()) return fail(address.error());
    std::printf("ferry worker: configuration ok (queue '%s' in %s at %s)\n",
                address->name.c_str(), address->region.c_str(), address->endpoint.c_str());
    return kExitOk;
  }
  // The queue is the operator's own (this command line names it): its client
  // is made before the policy is set, and keeps none.
  auto http = std::make_shared<net::HttpClient>();
  auto queue = job::OpenQueue({flags.queue_url, flags.queue}, http);
  if (!queue.ok()) return fail(queue.error());
  net::SetProcessTargetPolicy(targets);

  fleet::WorkerOptions options;
  if (with_events) {
    // Named endpoints are resolved here; the spec then reads like a planner's.
    const bool explicit_config = !flags.config_path.empty();
    const std::string config_path =
        explicit_config ? flags.config_path : job::DefaultConfigPath();
    auto configs = job::LoadConfig(config_path, explicit_config);
    if (!configs.ok()) return fail(configs.error());
    auto sides = job::ResolveSides(events_spec, *configs, config_path);
    if (!sides.ok()) return fail(sides.error());
    if (sides->source.kind != job::Location::Kind::kS3) {
      return fail(Status::InvalidArgument("--events needs an S3 source: events come from a "
                                          "bucket"));
    }
    events_spec.source = "s3://" + sides->source.bucket +
                         (sides->source.prefix.empty() ? "" : "/" + sides->source.prefix);
    if (sides->destination.kind == job::Location::Kind::kS3) {
      events_spec.destination = "s3://" + sides->destination.bucket +
                                (sides->destination.prefix.empty()
                                     ? ""
                                     : "/" + sides->destination.prefix);
    }
    events_spec.src = sides->src;
    events_spec.dst = sides->dst;
    auto spec_json = job::SpecToJson(events_spec);
    if (!spec_json.ok()) return fail(spec_json.error());
    options.events_spec = std::move(*spec_json);
    options.events_source = {sides->source.bucket, job::FolderPrefix(sides->source.prefix)};
  }
  options.queue_url = queue->address.url;
  options.concurrency = flags.concurrency;
  options.memory = *memory;
  options.items_at_once = flags.items;
  options.visibility_timeout = flags.visibility_timeout;
  options.max_attempts = flags.max_attempts;
  options.state_dir = flags.state_dir.empty() ? DefaultStateDir() : flags.state_dir;
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  options.name = std::string(host) + ":" + std::to_string(getpid());
  fleet::WorkerCounters counters;

  std::unique_ptr<httplib::Server> metrics;
  std::thread metrics_thread;
  if (!metrics_host.empty()) {
    metrics = std::make_unique<httplib::Server>();
    const queue::SqsClient& sqs = *queue->client;
    metrics->Get("/metrics", [&counters, &sqs](const httplib::Request&, httplib::Response& res) {
      res.set_content(Metrics(counters, sqs), "text/plain; version=0.0.4");
    });
    if (!metrics->bind_to_port(metrics_host, metrics_port)) {
      return fail(Status::InvalidArgument("cannot listen on " + flags.metrics_listen,
                                          "a free port on a local address"));
    }
    metrics_thread = std::thread([&] { metrics->listen_after_bind(); });
  }
  std::stop_source interrupt;
  Status st;
  {
    InterruptWatcher watcher(interrupt);
    st = fleet::RunWorker(*queue->client, options, counters, interrupt.get_token());
  }
  if (metrics) {
    metrics->stop();
    metrics_thread.join();
  }
  std::fprintf(stderr,
               "ferry worker: %llu items done, %llu failed · %llu objects copied, %llu identical, "
               "%llu deleted, %llu failed · %llu parts · %llu bytes\n",
               static_cast<unsigned long long>(counters.items_done.load()),
               static_cast<unsigned long long>(counters.items_failed.load()),
               static_cast<unsigned long long>(counters.objects_copied.load()),
               static_cast<unsigned long long>(counters.objects_same.load()),
               static_cast<unsigned long long>(counters.objects_deleted.load()),
               static_cast<unsigned long long>(counters.objects_failed.load()),
               static_cast<unsigned long long>(counters.parts_uploaded.load()),
               static_cast<unsigned long long>(counters.bytes.load()));
  uint64_t requests = 0;
  for (const auto& [action, n] : queue->client->RequestCounts()) requests += n;
  std::fprintf(stderr, "ferry worker: %llu SQS requests\n",
               static_cast<unsigned long long>(requests));
  if (!st.ok()) return fail(st);
  return kExitOk;
}

}  // namespace ferry::cli
