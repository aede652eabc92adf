// A task of kind images: one run of job::RunImages with the task's stored
// credentials as registry logins, its progress in the run's live counters
// (objects = images, bytes = blob bytes uploaded) and its failures in the log.
#include "job/image_run.h"
#include "service/task_runner.h"

namespace ferry::service {
namespace {

// A run where every image fails must not flood the log: the first ones tell.
constexpr uint64_t kMaxFailuresLogged = 1000;

}  // namespace

RunOutcome TaskRunner::ExecuteImages(const Task& task, LiveRun& live) {
  RunOutcome out;
  auto fail = [&](Status st) { return FailedRun(std::move(st), live); };
  auto actor = SpecOwner(task);
  if (!actor.ok()) return fail(actor.error());
  Status checked = CheckTaskSpec(task.spec, context_, *actor);
  if (!checked.ok()) return fail(std::move(checked));

  // A stored credential is the side's login; without one, anonymous access, or
  // the server's own logins where task_check.h lets it lend them.
  const bool lend = context_.allow_server_credentials && actor->role == Role::kAdmin;
  auto login_of = [&](const std::string& name, Side side) -> Result<job::RegistryLogin> {
    job::RegistryLogin login;
    login.own_credentials = lend;
    if (name.empty()) return login;
    auto keys = credentials_.Get(name);
    if (!keys.ok()) return std::move(keys).take_error().WithSide(side);
    login.given = std::move(*keys);
    login.origin = "stored credential '" + name + "'";
    return login;
  };
  auto src_login = login_of(task.spec.src_credential, Side::kSource);
  if (!src_login.ok()) return fail(src_login.error());
  auto dst_login = login_of(task.spec.dst_credential, Side::kDestination);
  if (!dst_login.ok()) return fail(dst_login.error());

  const std::string task_id = task.id, run_id = live.run_id;
  std::atomic<uint64_t> failures_logged{0};
  job::ImageRunObserver observer;
  observer.planned = [&live, this, task_id, run_id](uint64_t images) {
    // Every image counts as to copy until it is found unchanged.
    live.counters.listed_source = images;
    live.counters.to_copy = images;
    live.counters.listing_done = true;
    (void)tasks_.AppendLog(task_id, run_id, "info",
                           std::to_string(images) + " image(s) selected");
  };
  observer.image_done = [&](const images::ImageJob& job,
                            const Result<images::ImageResult>& result, int attempts) {
    if (result.ok()) {
      if (result->outcome == images::ImageOutcome::kCopied) ++live.counters.copied;
      else --live.counters.to_copy;
      return;
    }
    ++live.counters.failed;
    const std::string error = result.error().ToString();
    live.AddFailure({job.Describe(), attempts, error});
    const uint64_t n = ++failures_logged;
    if (n <= kMaxFailuresLogged) {
      (void)tasks_.AppendLog(task_id, run_id, "error",
                             "image " + job.Describe() + " -> " + job.dst_repo + ":" +
                                 job.dst_tag + " failed after " + std::to_string(attempts) +
                                 " attempts: " + error);
    } else if (n == kMaxFailuresLogged + 1) {
      (void)tasks_.AppendLog(task_id, run_id, "error",
                             "more images failed; the run's progress counts them all");
    }
  };
  observer.bytes_uploaded = &live.counters.transfer.bytes_done;

  auto run = job::RunImages(task.spec.images, job::kImageTaskFieldNames, *src_login, *dst_login,
                            observer, live.stop.get_token());
  out.progress = live.Snapshot();
  if (!run.ok()) {
    out.status = run.error();
    return out;
  }
  const images::ImageSyncSummary& s = run->summary;
  RunProgress& p = out.progress;
  p.listed = s.images;
  p.matched = s.unchanged;
  p.objects_total = s.copied + s.failed;
  p.objects_done = s.copied;
  p.bytes_total = s.bytes_uploaded;
  p.bytes_done = s.bytes_uploaded;
  p.failed = s.failed;
  p.listing_done = true;
  p.seconds = s.seconds;
  p.failures.clear();
  for (const auto& f : s.failures) {
    if (p.failures.size() >= LiveRun::kMaxFailuresKept) break;
    p.failures.push_back({f.image, f.attempts, f.error.ToString()});
  }
  (void)tasks_.AppendLog(
      task_id, run_id, s.failed > 0 ? "warning" : "info",
      "images: " + std::to_string(s.images) + " selected, " + std::to_string(s.copied) +
          " copied, " + std::to_string(s.unchanged) + " unchanged, " + std::to_string(s.failed) +
          " failed; blobs uploaded " + std::to_string(s.blobs_uploaded) + " (" +
          std::to_string(s.bytes_uploaded) + " bytes), present " +
          std::to_string(s.blobs_existing) + ", mounted " + std::to_string(s.blobs_mounted) +
          "; manifests pushed " + std::to_string(s.manifests_pushed));
  return out;
}

}  // namespace ferry::service
