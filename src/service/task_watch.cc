// A task with an events trigger: one long run that applies the S3 event
// notifications of its queue until the task is stopped (events/event_watch.h).
#include <spdlog/spdlog.h>

#include "events/event_watch.h"
#include "job/queue_settings.h"
#include "service/resync_schedule.h"
#include "service/task_runner.h"
#include "state/sequencer_store.h"

namespace ferry::service {

RunOutcome TaskRunner::ExecuteWatch(const Task& task, LiveRun& live) {
  RunOutcome out;
  auto fail = [&](Status st) { return FailedRun(std::move(st), live); };
  auto opened = Prepare(task, nullptr);
  if (!opened.ok()) return fail(opened.error());
  const job::ResolvedSides& sides = opened->sides;
  const TriggerSpec& trigger = task.spec.trigger;
  auto resync = ParseResyncSchedule(trigger.resync);
  if (!resync.ok()) return fail(std::move(resync).take_error().Context("trigger.resync"));

  // The queue's credentials: its own stored credential, else the source's.
  job::QueueSettings queue_settings;
  queue_settings.url = trigger.events;
  queue_settings.endpoint.region = trigger.queue_region;
  queue_settings.endpoint.endpoint = trigger.queue_endpoint;
  const std::string credential =
      !trigger.queue_credential.empty() ? trigger.queue_credential : task.spec.src_credential;
  if (!credential.empty()) {
    auto keys = credentials_.Get(credential);
    if (!keys.ok()) return fail(std::move(keys).take_error().Context("the events queue"));
    queue_settings.endpoint.keys = std::move(*keys);
  } else {
    queue_settings.endpoint.profile = sides.src.profile;
    queue_settings.endpoint.secret = sides.src.secret;
  }
  auto queue = job::OpenQueue(queue_settings, opened->stores.http, "trigger.queue_");
  if (!queue.ok()) return fail(queue.error());
  auto sequencers = state::SequencerStore::Open(StateDir(task.id), job::RunName(opened->stores));
  if (!sequencers.ok()) return fail(sequencers.error());

  events::WatchContext context;
  context.source = opened->stores.source.get();
  context.destination = opened->stores.destination.get();
  context.watched = {sides.source.bucket, job::FolderPrefix(sides.source.prefix)};
  context.options = &opened->options;
  context.checkpoints = opened->checkpoints.get();
  context.sequencers = sequencers->get();
  context.sqs = queue->client.get();
  events::WatchOptions watch;
  watch.queue_url = queue->address.url;
  watch.apply_removals = task.spec.sync.delete_extra;
  watch.max_messages_in_flight = std::max(20, task.spec.sync.transfers);
  watch.next_resync = std::move(*resync);
  const std::string task_id = task.id, run_id = live.run_id;
  watch.log = [this, task_id, run_id](const std::string& level, const std::string& message) {
    (void)tasks_.AppendLog(task_id, run_id, level, message);
  };
  events::WatchCounters counters;
  auto summary = events::RunWatch(context, watch, live.stop.get_token(), &counters, &live.counters);
  out.progress = live.Snapshot();
  if (!summary.ok()) {
    out.status = summary.error();
    return out;
  }
  RunProgress& p = out.progress;
  p.objects_done = summary->copied;
  p.bytes_done = summary->bytes;
  p.deleted = summary->deleted;
  p.matched = summary->same;
  p.failed = summary->failed + summary->unreadable;
  p.listing_done = true;
  p.seconds = summary->seconds;
  (void)tasks_.AppendLog(
      task_id, run_id, "info",
      "events: " + std::to_string(summary->messages) + " messages, " +
          std::to_string(summary->records) + " records, " + std::to_string(summary->copied) +
          " copied, " + std::to_string(summary->deleted) + " deleted, " +
          std::to_string(summary->stale) + " stale, " + std::to_string(summary->failed) +
          " failed; resyncs " + std::to_string(summary->resyncs) + " (missed by events: " +
          std::to_string(summary->missed) + ")");
  // The watch ends only when stopped: a stop, or a server shutdown that resumes it.
  out.status = Status::Cancelled("stopped");
  return out;
}

}  // namespace ferry::service
