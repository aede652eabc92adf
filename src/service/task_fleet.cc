// A task with a "fleet" object: the run plans here and `ferry worker`s copy
// (fleet/planner.h). Its state lives in the task's folder, so a run interrupted
// by a server restart resumes the same fleet run.
#include "fleet/fleet_queues.h"
#include "fleet/planner.h"
#include "job/queue_settings.h"
#include "job/spec_json.h"
#include "job/units.h"
#include "service/task_runner.h"
#include "state/fleet_store.h"

namespace ferry::service {
namespace {

std::string Resolved(const job::Location& l) {
  if (l.kind == job::Location::Kind::kLocal) return l.path;
  return "s3://" + l.bucket + (l.prefix.empty() ? "" : "/" + l.prefix);
}

}  // namespace

RunOutcome TaskRunner::ExecuteFleet(const Task& task, LiveRun& live) {
  RunOutcome out;
  auto fail = [&](Status st) { return FailedRun(std::move(st), live); };
  const FleetSpec& f = task.spec.fleet;
  auto opened = Prepare(task, nullptr);
  if (!opened.ok()) return fail(opened.error());
  const job::ResolvedSides& sides = opened->sides;
  auto item_bytes = job::ParseSize(f.item_bytes, "fleet.item_bytes");
  if (!item_bytes.ok()) return fail(item_bytes.error());
  auto part_threshold = job::ParseSize(f.part_threshold, "fleet.part_threshold");
  if (!part_threshold.ok()) return fail(part_threshold.error());

  job::SyncSpec sent = task.spec.sync;
  sent.source = Resolved(sides.source);
  sent.destination = Resolved(sides.destination);
  sent.src = sides.src;
  sent.dst = sides.dst;
  auto spec_json = job::SpecToJson(sent);
  if (!spec_json.ok()) return fail(spec_json.error());

  job::QueueSettings queue_settings;
  queue_settings.url = f.queue;
  queue_settings.endpoint.region = f.queue_region;
  queue_settings.endpoint.endpoint = f.queue_endpoint;
  if (!f.queue_credential.empty()) {
    auto keys = credentials_.Get(f.queue_credential);
    if (!keys.ok()) return fail(std::move(keys).take_error().Context("the fleet queue"));
    queue_settings.endpoint.keys = std::move(*keys);
  }
  auto queue = job::OpenQueue(queue_settings, opened->stores.http, "fleet.queue_");
  if (!queue.ok()) return fail(queue.error());
  auto queues = fleet::OpenFleetQueues(*queue->client, queue->address,
                                       {f.create_queues, 5, 120}, live.stop.get_token());
  if (!queues.ok()) return fail(queues.error());
  auto state = state::FleetStore::Open(StateDir(task.id));
  if (!state.ok()) return fail(state.error());

  fleet::PlannerOptions planner;
  planner.queues = *queues;
  planner.run_name = job::RunName(opened->stores) + " via " + queues->work_url;
  planner.item_objects = f.item_objects;
  planner.item_bytes = *item_bytes;
  planner.part_threshold = *part_threshold;
  // A server shutting down keeps the run to resume; a user's stop ends it.
  planner.abort_on_stop = [&live] { return live.stopped_by_user.load(); };
  (void)tasks_.AppendLog(task.id, live.run_id, "info",
                         "planning for the fleet on queue '" + queue->address.name + "'");
  auto summary = fleet::RunPlanner(*opened->stores.source, *opened->stores.destination,
                                   opened->options, *spec_json, *queue->client, **state, planner,
                                   live.stop.get_token(), &live.counters);
  out.progress = live.Snapshot();
  if (!summary.ok()) {
    out.status = summary.error();
    return out;
  }
  RunProgress& p = out.progress;
  p.objects_done = summary->copied;
  p.bytes_done = summary->bytes;
  p.listed = summary->listed_source;
  p.matched = summary->matched + summary->same;
  p.deleted = summary->deleted;
  p.differences = summary->differences;
  p.failed = summary->failed;
  p.listing_done = true;
  p.seconds = summary->seconds;
  p.failures.clear();
  for (const auto& failure : summary->failures) {
    if (p.failures.size() >= LiveRun::kMaxFailuresKept) break;
    p.failures.push_back({failure.key, failure.attempts, failure.error});
  }
  (void)tasks_.AppendLog(task.id, live.run_id, summary->failed > 0 ? "warning" : "info",
                         "fleet run " + summary->run_id + ": " + std::to_string(summary->items) +
                             " items, " + std::to_string(summary->dead_items) +
                             " in the dead-letter queue; verified: " +
                             std::to_string(summary->differences) + " differences");
  if (!summary->delete_refusal.ok()) out.status = summary->delete_refusal;
  return out;
}

}  // namespace ferry::service
