#include "service/task_check.h"

#include <cstdlib>
#include <filesystem>

#include "images/ecr_api.h"
#include "job/image_spec.h"
#include "job/location.h"
#include "net/url.h"
#include "queue/queue_address.h"
#include "service/schedule.h"

namespace ferry::service {
namespace {

std::string FirstEnv(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return value;
  }
  return {};
}

const char* kServerCredentialsHint =
    "store the keys once (POST /api/v1/credentials, bound to this endpoint) and name them in "
    "\"credential\", or set \"no_sign_request\" for a public bucket. The server lends its own "
    "credentials, secret files and profiles only to admins' tasks, and only when it was started "
    "with --allow-server-credentials";

// An http(s) URL whose host is not a refused IP literal.
Status CheckUrl(const std::string& url, const std::string& what, const TaskCheckContext& context) {
  if (url.empty()) return Status::OK();
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return Status::InvalidArgument(what + " '" + url + "' is not an http:// or https:// URL");
  }
  if (!context.targets) return Status::OK();
  // The host of the URL, user information left out (webhooks may carry it).
  std::string_view rest = std::string_view(url).substr(url.find("://") + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  std::string host(rest);
  int port = url.starts_with("https://") ? 443 : 80;
  const size_t bracket = host.rfind(']');
  const size_t colon = host.rfind(':');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket) &&
      host.find(':') == colon) {
    port = std::atoi(host.c_str() + colon + 1);
    host.resize(colon);
  } else if (bracket != std::string::npos && colon != std::string::npos && colon > bracket) {
    port = std::atoi(host.c_str() + colon + 1);
    host.resize(colon);
  }
  Status st = context.targets->CheckHost(host, port);
  if (!st.ok()) return std::move(st).Context(what);
  return Status::OK();
}

// The stored credential `name` may be used by `actor` for `endpoint`.
Status CheckCredential(const std::string& name, const std::string& what,
                       const std::string& endpoint, const TaskCheckContext& context,
                       const TaskActor& actor) {
  auto info = context.credential_info ? context.credential_info(name)
                                      : Result<CredentialInfo>(Status::NotFound(name));
  if (!info.ok()) {
    return Status::InvalidArgument(what + " names the stored credential '" + name +
                                       "', which does not exist",
                                   "store it first: ferry credential add, or POST /api/v1/credentials");
  }
  if (actor.role != Role::kAdmin && info->owner != actor.username) {
    return Status::PermissionDenied(what + " names the stored credential '" + name +
                                        "', which belongs to '" + info->owner + "'",
                                    "only its owner or an admin may use it; store your own");
  }
  auto origin = EndpointOrigin(endpoint);
  if (!origin.ok() || !EndpointBound(info->endpoints, *origin)) {
    std::string bound;
    for (const auto& e : info->endpoints) bound += (bound.empty() ? "" : ", ") + e;
    return Status::PermissionDenied(
        what + ": the stored credential '" + name + "' is bound to " +
            (bound.empty() ? std::string("no endpoint") : bound) + ", not to " + endpoint,
        "its owner can add the endpoint (PUT /api/v1/credentials/" + name +
            " with \"endpoints\"), or store a credential for that endpoint");
  }
  return Status::OK();
}

// How one S3 side signs: a stored credential bound to its endpoint, no
// signature, an admin-configured named endpoint, or (admins, with the flag) the
// server's own credentials.
Status CheckSide(const job::Location& location, const job::EndpointSettings& given,
                 const job::EndpointSettings& resolved, const std::string& credential,
                 const std::string& what, Side side, const TaskCheckContext& context,
                 const TaskActor& actor) {
  if (location.kind != job::Location::Kind::kS3) return Status::OK();
  const bool named = !location.endpoint_name.empty();
  if (named && !given.endpoint.empty()) {
    return Status::InvalidArgument(
               what + ".endpoint '" + given.endpoint + "' cannot be combined with the named "
               "endpoint '" + location.endpoint_name + "' of the server's config file",
               "leave " + what + ".endpoint empty to use " + location.endpoint_name +
                   "'s own URL, or use s3:// with an endpoint and a stored credential")
        .WithSide(side);
  }
  const std::string endpoint = EffectiveS3Endpoint(resolved);
  FERRY_RETURN_IF_ERROR(CheckUrl(endpoint, what + ".endpoint", context));
  if (!credential.empty()) {
    Status st = CheckCredential(credential, what + ".credential", endpoint, context, actor);
    return std::move(st).WithSide(side);
  }
  if (resolved.no_sign_request) return Status::OK();
  const bool server_side = !given.secret.empty() || !given.profile.empty();
  if (!server_side && named) {
    const auto& config = context.configs.find(location.endpoint_name);
    if (config != context.configs.end() &&
        (!config->second.secret.empty() || !config->second.profile.empty())) {
      return Status::OK();  // keys the admin configured for this endpoint, at its own URL
    }
  }
  if (context.allow_server_credentials && actor.role == Role::kAdmin) return Status::OK();
  if (server_side) {
    const std::string field = !given.secret.empty() ? what + ".secret" : what + ".profile";
    return Status::PermissionDenied(field + " names the server's own " +
                                        (!given.secret.empty() ? "secret" : "profile") +
                                        ", which this server does not lend to " +
                                        (actor.role == Role::kAdmin ? "tasks" : "operators"),
                                    kServerCredentialsHint)
        .WithSide(side);
  }
  return Status::PermissionDenied(what + " names no credential, and this server does not lend "
                                         "its own credentials (environment, profile, instance "
                                         "role) to " +
                                      std::string(actor.role == Role::kAdmin ? "tasks"
                                                                             : "operators"),
                                  kServerCredentialsHint)
      .WithSide(side);
}

// The shape of the notification settings (before whose credentials they use).
Status CheckNotifyShape(const NotifySpec& n, const TaskCheckContext& context) {
  FERRY_RETURN_IF_ERROR(CheckUrl(n.webhook, "notify.webhook", context));
  FERRY_RETURN_IF_ERROR(CheckUrl(n.sns_endpoint, "notify.sns_endpoint", context));
  const std::string& arn = n.sns_topic_arn;
  if (arn.empty()) {
    if (!n.sns_credential.empty() || !n.sns_endpoint.empty()) {
      return Status::InvalidArgument("notify.sns_credential and notify.sns_endpoint need "
                                     "notify.sns_topic_arn");
    }
    return Status::OK();
  }
  // arn:aws:sns:REGION:ACCOUNT:NAME
  int colons = 0;
  for (char c : arn) colons += c == ':';
  if (!arn.starts_with("arn:") || colons != 5 || arn.find(":sns:") == std::string::npos) {
    return Status::InvalidArgument("notify.sns_topic_arn '" + arn + "' is not an SNS topic ARN",
                                   "arn:aws:sns:REGION:ACCOUNT:TOPIC");
  }
  return Status::OK();
}

// Whose credentials the SNS notification uses. REQUIRES: CheckNotifyShape passed.
Status CheckNotify(const NotifySpec& n, const TaskCheckContext& context, const TaskActor& actor) {
  const std::string& arn = n.sns_topic_arn;
  if (arn.empty()) return Status::OK();
  std::string region = n.sns_region;
  if (region.empty()) {
    const size_t start = arn.find(":sns:") + 5;
    region = arn.substr(start, arn.find(':', start) - start);
  }
  const std::string endpoint =
      n.sns_endpoint.empty() ? "https://sns." + region + ".amazonaws.com" : n.sns_endpoint;
  if (!n.sns_credential.empty()) {
    return CheckCredential(n.sns_credential, "notify.sns_credential", endpoint, context, actor);
  }
  if (context.allow_server_credentials && actor.role == Role::kAdmin) return Status::OK();
  return Status::PermissionDenied(
      "notify.sns_topic_arn needs notify.sns_credential: this server does not lend its own "
      "credentials to " +
          std::string(actor.role == Role::kAdmin ? "tasks" : "operators"),
      kServerCredentialsHint);
}

// Whose credentials call an SQS queue of a task (trigger.events, fleet.queue):
// the stored credential `credential`, bound to the queue's endpoint, or (admins,
// with the flag) the server's own. The endpoint is a target like any side's.
Status CheckQueue(const std::string& url, const std::string& region,
                  const std::string& endpoint, const std::string& credential,
                  const std::string& url_field, const std::string& credential_field,
                  const TaskCheckContext& context, const TaskActor& actor) {
  auto address = queue::ParseQueueUrl(url, region, endpoint);
  if (!address.ok()) return std::move(address).take_error().Context(url_field);
  FERRY_RETURN_IF_ERROR(CheckUrl(address->endpoint, url_field + " (its endpoint)", context));
  if (!credential.empty()) {
    return CheckCredential(credential, credential_field, address->endpoint, context, actor);
  }
  if (context.allow_server_credentials && actor.role == Role::kAdmin) return Status::OK();
  return Status::PermissionDenied(
      url_field + " names no credential for its queue, and this server does not lend its own "
                  "credentials (environment, profile, instance role) to " +
          std::string(actor.role == Role::kAdmin ? "tasks" : "operators"),
      "store the queue's keys bound to " + address->endpoint + " and name them in " +
          credential_field);
}

// An events trigger or a fleet queue: well-formed, only where it applies, and
// called with credentials the actor may use there.
Status CheckTriggerAndFleet(const TaskSpec& spec, const job::ResolvedSides& sides,
                            const TaskCheckContext& context, const TaskActor& actor) {
  const TriggerSpec& t = spec.trigger;
  const FleetSpec& f = spec.fleet;
  if (!t.events.empty() && !f.queue.empty()) {
    return Status::InvalidArgument("a task has either trigger.events or fleet.queue, not both");
  }
  if (!t.events.empty()) {
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
    FERRY_RETURN_IF_ERROR(CheckUrl(t.queue_endpoint, "trigger.queue_endpoint", context));
    // The watch calls the queue with trigger.queue_credential, else the source's.
    const bool own = !t.queue_credential.empty();
    FERRY_RETURN_IF_ERROR(CheckQueue(
        t.events, t.queue_region, t.queue_endpoint,
        own ? t.queue_credential : spec.src_credential, "trigger.events",
        own ? "trigger.queue_credential"
            : (spec.src_credential.empty() ? "trigger.queue_credential"
                                           : "source_endpoint.credential (used for the queue)"),
        context, actor));
  }
  if (!f.queue.empty()) {
    if (!spec.src_credential.empty() || !spec.dst_credential.empty()) {
      return Status::InvalidArgument(
          "fleet.queue: stored credentials cannot be sent to workers (work items carry the "
          "names of credentials, never keys)",
          "give each side a profile or a Secrets Manager ARN that every worker can resolve");
    }
    FERRY_RETURN_IF_ERROR(CheckUrl(f.queue_endpoint, "fleet.queue_endpoint", context));
    FERRY_RETURN_IF_ERROR(CheckQueue(f.queue, f.queue_region, f.queue_endpoint,
                                     f.queue_credential, "fleet.queue", "fleet.queue_credential",
                                     context, actor));
  }
  return Status::OK();
}

// One registry of an images task: a target the server may reach, and a login
// the actor may use there. Without a stored credential a registry is read and
// written anonymously; Amazon ECR always needs AWS keys: a stored credential,
// or (admins, with --allow-server-credentials) the server's own.
Status CheckImageSide(const std::string& host, const std::string& origin,
                      const std::string& credential, const std::string& field,
                      const std::string& credential_field, Side side,
                      const TaskCheckContext& context, const TaskActor& actor) {
  // Errors start with the field ("source: ..."), which names the side as well:
  // no WithSide, which would prefix it a second time.
  FERRY_RETURN_IF_ERROR(CheckUrl(origin, field, context));
  if (!credential.empty()) {
    return CheckCredential(credential, credential_field, origin, context, actor).WithSide(side);
  }
  if (!images::ParseEcrHost(host)) return Status::OK();
  if (context.allow_server_credentials && actor.role == Role::kAdmin) return Status::OK();
  return Status::PermissionDenied(
             field + " is Amazon ECR and " + credential_field +
                 " names no credential, and this server does not lend its own AWS credentials "
                 "to " + (actor.role == Role::kAdmin ? "tasks" : "operators"),
             "store AWS keys bound to " + origin + " (POST /api/v1/credentials) and name them "
             "in " + credential_field);
}

// A task of kind images: its schedule, references, options, targets and logins.
Status CheckImageTask(const TaskSpec& spec, const TaskCheckContext& context,
                      const TaskActor& actor) {
  auto schedule = Schedule::Parse(spec.schedule);
  if (!schedule.ok()) return std::move(schedule).take_error();
  auto parsed = job::ParseImageSpec(spec.images, job::kImageTaskFieldNames);
  if (!parsed.ok()) return std::move(parsed).take_error();
  FERRY_RETURN_IF_ERROR(CheckNotifyShape(spec.notify, context));
  FERRY_RETURN_IF_ERROR(CheckImageSide(parsed->src.registry, parsed->src_origin,
                                       spec.src_credential, "source", "images.src_credential",
                                       Side::kSource, context, actor));
  FERRY_RETURN_IF_ERROR(CheckImageSide(parsed->dst.registry, parsed->dst_origin,
                                       spec.dst_credential, "destination",
                                       "images.dst_credential", Side::kDestination, context,
                                       actor));
  return CheckNotify(spec.notify, context, actor);
}

}  // namespace

std::string EffectiveS3Endpoint(const job::EndpointSettings& settings) {
  if (!settings.endpoint.empty()) return settings.endpoint;
  std::string env = FirstEnv({"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"});
  if (!env.empty()) return env;
  std::string region = settings.region.empty() ? FirstEnv({"AWS_REGION", "AWS_DEFAULT_REGION"})
                                               : settings.region;
  if (region.empty()) region = "us-east-1";
  return "https://s3." + region +
         (region.starts_with("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com");
}

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

Status CheckTaskSpec(const TaskSpec& spec, const TaskCheckContext& context,
                     const TaskActor& actor) {
  if (spec.kind == TaskKind::kImages) return CheckImageTask(spec, context, actor);
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
  FERRY_RETURN_IF_ERROR(CheckUrl(spec.sync.src.endpoint, "source_endpoint.endpoint", context));
  FERRY_RETURN_IF_ERROR(
      CheckUrl(spec.sync.dst.endpoint, "destination_endpoint.endpoint", context));
  FERRY_RETURN_IF_ERROR(CheckNotifyShape(spec.notify, context));
  FERRY_RETURN_IF_ERROR(CheckTriggerAndFleet(spec, *sides, context, actor));
  FERRY_RETURN_IF_ERROR(CheckSide(sides->source, spec.sync.src, sides->src, spec.src_credential,
                                  "source_endpoint", Side::kSource, context, actor));
  FERRY_RETURN_IF_ERROR(CheckSide(sides->destination, spec.sync.dst, sides->dst,
                                  spec.dst_credential, "destination_endpoint", Side::kDestination,
                                  context, actor));
  return CheckNotify(spec.notify, context, actor);
}

}  // namespace ferry::service
