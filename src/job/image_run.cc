#include "job/image_run.h"

#include "auth/chain.h"
#include "auth/static_provider.h"
#include "images/docker_config.h"
#include "images/ecr_api.h"

namespace ferry::job {
namespace {

using images::ImageRef;
using images::ImageSelection;

// One side of the run: its registry client and, for ECR, the API beside it.
struct Registry {
  std::shared_ptr<images::RegistryClient> client;
  std::shared_ptr<images::EcrApi> ecr;  // null unless the registry is Amazon ECR
};

// The AWS keys ECR's API is called with: the given ones, else this process's chain.
Result<std::shared_ptr<auth::CredentialProvider>> EcrCredentials(
    const RegistryLogin& login, const char* field, Side side,
    const std::shared_ptr<net::HttpClient>& http) {
  if (login.given) {
    return std::shared_ptr<auth::CredentialProvider>(
        std::make_shared<auth::StaticProvider>(*login.given, login.origin));
  }
  if (!login.own_credentials) {
    return Status::PermissionDenied(
        std::string(field) + " is Amazon ECR, and no credential was given for it",
        "name a stored credential holding AWS keys for this registry");
  }
  auth::ChainOptions chain;
  chain.http = http;
  auto credentials = auth::MakeDefaultChain(chain);
  if (!credentials.ok()) return std::move(credentials).take_error().WithSide(side);
  return *credentials;
}

// A registry login: the given one, else Docker's config.json (own credentials), else none.
Result<std::shared_ptr<images::LoginSource>> RegistryLoginSource(const RegistryLogin& login,
                                                                 const std::string& registry,
                                                                 Side side) {
  if (login.given) {
    return std::shared_ptr<images::LoginSource>(std::make_shared<images::FixedLoginSource>(
        images::Login{login.given->access_key_id, login.given->secret_access_key},
        login.origin));
  }
  if (!login.own_credentials) {
    return std::shared_ptr<images::LoginSource>(
        std::make_shared<images::FixedLoginSource>(std::nullopt, ""));
  }
  auto docker = images::LoadDockerLogin(images::DockerConfigPath(), registry);
  if (!docker.ok()) return std::move(docker).take_error().WithSide(side);
  return std::shared_ptr<images::LoginSource>(std::move(*docker));
}

Result<Registry> OpenRegistry(const ImageRef& ref, bool insecure, const std::string& ecr_region,
                              const std::string& ecr_endpoint, const RegistryLogin& login,
                              const char* field, Side side,
                              std::shared_ptr<net::HttpClient> http) {
  Registry out;
  std::optional<images::EcrRegistry> ecr = images::ParseEcrHost(ref.registry);
  if (!ecr_region.empty()) {
    ecr = images::EcrRegistry{ecr ? ecr->account : "", ecr_region};
  }
  std::shared_ptr<images::LoginSource> source;
  if (ecr) {
    auto credentials = EcrCredentials(login, field, side, http);
    if (!credentials.ok()) return std::move(credentials).take_error();
    out.ecr = std::make_shared<images::EcrApi>(*ecr, ecr_endpoint, *credentials, http);
    source = std::make_shared<images::EcrLoginSource>(out.ecr);
  } else {
    auto found = RegistryLoginSource(login, ref.registry, side);
    if (!found.ok()) return std::move(found).take_error();
    source = std::move(*found);
  }
  images::RegistryOptions options;
  options.host = ref.registry;
  options.plain_http = insecure;
  options.push = side == Side::kDestination;
  options.side = side;
  out.client = std::make_shared<images::RegistryClient>(options, std::move(http), source);
  return out;
}

// all_repos: every repository of the source under SRC's namespace.
Result<std::vector<ImageSelection>> AllRepositories(Registry& source, const ImageRef& src,
                                                    const ImageRef& dst, std::stop_token stop) {
  auto names = source.ecr ? source.ecr->ListRepositories(stop)
                          : source.client->ListRepositories(stop);
  if (!names.ok()) return std::move(names).take_error().WithSide(Side::kSource);
  std::vector<ImageSelection> selections;
  const std::string prefix = src.repository.empty() ? "" : src.repository + "/";
  for (const auto& name : *names) {
    if (!name.starts_with(prefix)) continue;
    selections.push_back(
        {name, "", images::JoinRepository(dst.repository, name.substr(prefix.size())), ""});
  }
  return selections;
}

}  // namespace

Result<ImageRunResult> RunImages(const ImageSpec& spec, const ImageFieldNames& names,
                                 const RegistryLogin& src_login, const RegistryLogin& dst_login,
                                 const ImageRunObserver& observer, std::stop_token stop) {
  auto parsed = ParseImageSpec(spec, names);
  if (!parsed.ok()) return std::move(parsed).take_error();
  auto http = std::make_shared<net::HttpClient>();
  auto source = OpenRegistry(parsed->src, spec.insecure_source, spec.src_ecr_region,
                             spec.ecr_endpoint, src_login, names.source, Side::kSource, http);
  if (!source.ok()) return std::move(source).take_error();
  auto destination =
      OpenRegistry(parsed->dst, spec.insecure_destination, spec.dst_ecr_region,
                   spec.ecr_endpoint, dst_login, names.destination, Side::kDestination, http);
  if (!destination.ok()) return std::move(destination).take_error();
  FERRY_RETURN_IF_ERROR(source->client->Ping(stop));
  FERRY_RETURN_IF_ERROR(destination->client->Ping(stop));

  std::vector<ImageSelection> selections = std::move(parsed->selections);
  if (spec.all_repos) {
    auto all = AllRepositories(*source, parsed->src, parsed->dst, stop);
    if (!all.ok()) return std::move(all).take_error();
    selections = std::move(*all);
  }
  images::ImageSyncOptions& options = parsed->options;
  auto jobs = images::PlanJobs(*source->client, selections, parsed->tags, options.transfers, stop);
  if (!jobs.ok()) return std::move(jobs).take_error();
  if (observer.planned) observer.planned(jobs->size());
  if (destination->ecr) {
    options.prepare_destination = [ecr = destination->ecr](const std::string& repo,
                                                           std::stop_token s) {
      return ecr->EnsureRepository(repo, s).WithSide(Side::kDestination);
    };
  }
  options.on_image = observer.image_done;
  options.bytes_uploaded_live = observer.bytes_uploaded;
  auto summary =
      images::RunImageSync(*source->client, *destination->client, *jobs, options, stop);
  if (!summary.ok()) return std::move(summary).take_error();
  return ImageRunResult{std::move(*summary), source->client, destination->client};
}

}  // namespace ferry::job
