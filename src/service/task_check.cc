#include "service/task_check.h"

#include <filesystem>

#include "job/location.h"
#include "queue/queue_address.h"
#include "service/schedule.h"

namespace ferry::service {
namespace {

Status CheckUrl(const std::string& url, const std::string& what) {
  if (url.empty() || url.starts_with("http://") || url.starts_with("https://")) {
    return Status::OK();
  }
  return Status::InvalidArgument(what + " '" + url + "' is not an http:// or https:// URL");
}

Status CheckCredential(const std::string& name, const std::string& what,
                       const TaskCheckContext& context) {
  if (name.empty()) return Status::OK();
  if (!context.credential_exists || !context.credential_exists(name)) {
    return Status::InvalidArgument(what + " names the stored credential '" + name +
                                       "', which does not exist",
                                   "store it first: ferry credential add, or POST /api/v1/credentials");
  }
  return Status::OK();
}

// An events trigger or a fleet queue: well-formed, and only where it applies.
Status CheckTriggerAndFleet(const TaskSpec& spec, const job::ResolvedSides& sides,
                            const TaskCheckContext& context) {
  const TriggerSpec& t = spec.trigger;
  const FleetSpec& f = spec.fleet;
  if (!t.events.empty() && !f.queue.empty()) {
    return Status::InvalidArgument("a task has either trigger.events or fleet.queue, not both");
  }
  if (!t.events.empty()) {
    FERRY_RETURN_IF_ERROR(queue::ParseQueueUrl(t.events).status());
    if (sides.source.kind != job::Location::Kind::kS3) {
      return Status::InvalidArgument("trigger.events needs an S3 source: events come from a bucket");
    }
    if (spec.sync.mode == engine::RunMode::kCheck || spec.sync.dry_run) {
      return Status::InvalidArgument("trigger.events applies events: mode check and dry_run "
                                     "do not apply");
    }
    if (t.resync != "off" && t.resync != "never") {
      auto resync = Schedule::Parse(t.resync);
      if (!resync.ok()) return std::move(resync).take_error().Context("trigger.resync");
    }
    auto schedule = Schedule::Parse(spec.schedule);
    if (schedule.ok() && schedule->kind() != Schedule::Kind::kOnce) {
      return Status::InvalidArgument(
          "a task with trigger.events runs until stopped: its schedule must be once",
          "trigger.resync says when the full compare runs (default rate(1 day))");
    }
    FERRY_RETURN_IF_ERROR(CheckUrl(t.queue_endpoint, "trigger.queue_endpoint"));
    FERRY_RETURN_IF_ERROR(CheckCredential(t.queue_credential, "trigger.queue_credential", context));
  }
  if (!f.queue.empty()) {
    FERRY_RETURN_IF_ERROR(queue::ParseQueueUrl(f.queue).status());
    if (!spec.src_credential.empty() || !spec.dst_credential.empty()) {
      return Status::InvalidArgument(
          "fleet.queue: stored credentials cannot be sent to workers (work items carry the "
          "names of credentials, never keys)",
          "give each side a profile or a Secrets Manager ARN that every worker can resolve");
    }
    FERRY_RETURN_IF_ERROR(CheckUrl(f.queue_endpoint, "fleet.queue_endpoint"));
    FERRY_RETURN_IF_ERROR(CheckCredential(f.queue_credential, "fleet.queue_credential", context));
  }
  return Status::OK();
}

}  // namespace

Status CheckInsideRoot(const std::string& path, const std::string& root, Side side) {
  if (root.empty()) {
    return Status::InvalidArgument(
               "'" + path + "' is a local folder, and this server does not allow local folders",
               "use s3:// or NAME:bucket, or start the server with --local-root DIR")
        .WithSide(side);
  }
  std::error_code ec;
  const auto full = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
  const std::string normal = full.string();
  if (ec || !(normal == root || normal.starts_with(root + "/"))) {
    return Status::InvalidArgument("the local folder '" + path + "' is outside the server's " +
                                       "--local-root '" + root + "'",
                                   "a folder under " + root)
        .WithSide(side);
  }
  return Status::OK();
}

Status CheckTaskSpec(const TaskSpec& spec, const TaskCheckContext& context) {
  auto schedule = Schedule::Parse(spec.schedule);
  if (!schedule.ok()) return std::move(schedule).take_error();
  auto options = job::MakeRunOptions(spec.sync);
  if (!options.ok()) return std::move(options).take_error();
  auto sides = job::ResolveSides(spec.sync, context.configs, context.config_path);
  if (!sides.ok()) return std::move(sides).take_error();
  if (sides->source.kind == job::Location::Kind::kLocal) {
    FERRY_RETURN_IF_ERROR(CheckInsideRoot(sides->source.path, context.local_root, Side::kSource));
  }
  if (sides->destination.kind == job::Location::Kind::kLocal) {
    FERRY_RETURN_IF_ERROR(
        CheckInsideRoot(sides->destination.path, context.local_root, Side::kDestination));
  }
  FERRY_RETURN_IF_ERROR(CheckUrl(spec.sync.src.endpoint, "source_endpoint.endpoint"));
  FERRY_RETURN_IF_ERROR(CheckUrl(spec.sync.dst.endpoint, "destination_endpoint.endpoint"));
  FERRY_RETURN_IF_ERROR(CheckUrl(spec.notify.webhook, "notify.webhook"));
  FERRY_RETURN_IF_ERROR(CheckUrl(spec.notify.sns_endpoint, "notify.sns_endpoint"));
  FERRY_RETURN_IF_ERROR(
      CheckCredential(spec.src_credential, "source_endpoint.credential", context));
  FERRY_RETURN_IF_ERROR(
      CheckCredential(spec.dst_credential, "destination_endpoint.credential", context));
  FERRY_RETURN_IF_ERROR(CheckCredential(spec.notify.sns_credential, "notify.sns_credential",
                                        context));
  FERRY_RETURN_IF_ERROR(CheckTriggerAndFleet(spec, *sides, context));
  const std::string& arn = spec.notify.sns_topic_arn;
  if (!arn.empty()) {
    // arn:aws:sns:REGION:ACCOUNT:NAME
    int colons = 0;
    for (char c : arn) colons += c == ':';
    if (!arn.starts_with("arn:") || colons != 5 || arn.find(":sns:") == std::string::npos) {
      return Status::InvalidArgument("notify.sns_topic_arn '" + arn + "' is not an SNS topic ARN",
                                     "arn:aws:sns:REGION:ACCOUNT:TOPIC");
    }
  }
  return Status::OK();
}

}  // namespace ferry::service
