#include "cli/images_command.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <regex>

#include "auth/chain.h"
#include "cli/exit_codes.h"
#include "cli/interrupt.h"
#include "job/units.h"
#include "images/docker_config.h"
#include "images/ecr_api.h"
#include "images/image_plan.h"
#include "images/image_sync.h"
#include "images/reference.h"

namespace ferry::cli {
namespace {

using images::ImageRef;
using images::ImageSelection;

// One side of the run: its registry client and, for ECR, the API beside it.
struct Registry {
  std::unique_ptr<images::RegistryClient> client;
  std::shared_ptr<images::EcrApi> ecr;  // null unless the registry is Amazon ECR
};

Result<Registry> OpenRegistry(const ImageRef& ref, bool insecure, const std::string& ecr_region,
                              const ImagesSyncFlags& flags, Side side,
                              std::shared_ptr<net::HttpClient> http) {
  Registry out;
  std::optional<images::EcrRegistry> ecr = images::ParseEcrHost(ref.registry);
  if (!ecr_region.empty()) {
    ecr = images::EcrRegistry{ecr ? ecr->account : "", ecr_region};
  }
  std::shared_ptr<images::LoginSource> login;
  if (ecr) {
    auth::ChainOptions chain;
    chain.http = http;
    auto credentials = auth::MakeDefaultChain(chain);
    if (!credentials.ok()) return std::move(credentials).take_error().WithSide(side);
    out.ecr = std::make_shared<images::EcrApi>(*ecr, flags.ecr_endpoint, *credentials, http);
    login = std::make_shared<images::EcrLoginSource>(out.ecr);
  } else {
    auto docker = images::LoadDockerLogin(images::DockerConfigPath(), ref.registry);
    if (!docker.ok()) return std::move(docker).take_error().WithSide(side);
    login = std::move(*docker);
  }
  images::RegistryOptions options;
  options.host = ref.registry;
  options.plain_http = insecure;
  options.push = side == Side::kDestination;
  options.side = side;
  out.client = std::make_unique<images::RegistryClient>(options, std::move(http), login);
  return out;
}

Result<std::vector<std::string>> ReadListFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Status::InvalidArgument("cannot read the list file '" + path + "'",
                                   "the file exists and is readable");
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    const size_t start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#') continue;
    line = line.substr(start, line.find_last_not_of(" \t\r") - start + 1);
    lines.push_back(std::move(line));
  }
  return lines;
}

// What the command line selects; repositories of --all-repos are listed later.
Result<std::vector<ImageSelection>> SelectionsFromFlags(const ImagesSyncFlags& flags,
                                                        const ImageRef& src, const ImageRef& dst) {
  const bool listing = !flags.list_file.empty() || flags.all_repos;
  if (!flags.list_file.empty() && flags.all_repos) {
    return Status::InvalidArgument("--list and --all-repos exclude each other");
  }
  if (listing && (!src.tag.empty() || !dst.tag.empty())) {
    return Status::InvalidArgument(
        "with --list or --all-repos, SRC and DST name registries, not tags",
        "SRC is HOST[:PORT][/NAMESPACE], DST is HOST[:PORT][/PREFIX]");
  }
  if (!listing && src.repository.empty()) {
    return Status::InvalidArgument("SRC '" + flags.source + "' names no repository",
                                   "HOST[:PORT]/REPO[:TAG], or --list FILE / --all-repos");
  }
  if (!dst.tag.empty() && src.tag.empty()) {
    return Status::InvalidArgument("DST names a tag but SRC does not",
                                   "a destination tag renames one source tag: SRC:TAG DST:TAG");
  }
  if (!flags.tags.empty() && !src.tag.empty()) {
    return Status::InvalidArgument("--tags selects among every tag, but SRC names one tag");
  }
  std::vector<ImageSelection> selections;
  if (!flags.list_file.empty()) {
    auto lines = ReadListFile(flags.list_file);
    if (!lines.ok()) return std::move(lines).take_error();
    for (const auto& line : *lines) {
      auto item = images::ParseListLine(line, ImageRef{src.registry, "", ""});
      if (!item.ok()) return std::move(item).take_error().Context("in " + flags.list_file);
      selections.push_back({images::JoinRepository(src.repository, item->repository), item->tag,
                            images::JoinRepository(dst.repository, item->repository), ""});
    }
  } else if (!flags.all_repos) {
    selections.push_back({src.repository, src.tag,
                          dst.repository.empty() ? src.repository : dst.repository, dst.tag});
  }
  return selections;
}

// --all-repos: every repository of the source under SRC's namespace.
Result<std::vector<ImageSelection>> AllRepositories(Registry& source, const ImageRef& src,
                                                    const ImageRef& dst, std::stop_token stop) {
  auto names = source.ecr ? source.ecr->ListRepositories(stop)
                          : source.client->ListRepositories(stop);
  if (!names.ok()) return std::move(names).take_error().WithSide(Side::kSource);
  std::vector<ImageSelection> selections;
  const std::string prefix = src.repository.empty() ? "" : src.repository + "/";
  for (const auto& name : *names) {
    if (!name.starts_with(prefix)) continue;
    selections.push_back({name, "", images::JoinRepository(dst.repository, name.substr(prefix.size())),
                          ""});
  }
  return selections;
}

void PrintSummary(const images::ImageSyncSummary& s, const ImagesSyncFlags& flags,
                  const images::RegistryClient& src, const images::RegistryClient& dst) {
  auto counts = [](const images::RequestCounts& c) {
    return nlohmann::json{{"manifest_heads", c.manifest_heads.load()},
                          {"manifest_gets", c.manifest_gets.load()},
                          {"manifest_puts", c.manifest_puts.load()},
                          {"blob_heads", c.blob_heads.load()},
                          {"blob_gets", c.blob_gets.load()},
                          {"upload_starts", c.upload_starts.load()},
                          {"upload_chunks", c.upload_chunks.load()},
                          {"retries", c.retries.load()}};
  };
  if (flags.json) {
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& f : s.failures) {
      failures.push_back({{"image", f.image}, {"attempts", f.attempts}, {"error", f.error.ToString()}});
    }
    nlohmann::json j = {{"images", s.images},
                        {"copied", s.copied},
                        {"unchanged", s.unchanged},
                        {"would_copy", s.would_copy},
                        {"failed", s.failed},
                        {"blobs_uploaded", s.blobs_uploaded},
                        {"blobs_existing", s.blobs_existing},
                        {"blobs_mounted", s.blobs_mounted},
                        {"bytes_uploaded", s.bytes_uploaded},
                        {"manifests_pushed", s.manifests_pushed},
                        {"requests", {{"source", counts(src.counts())},
                                      {"destination", counts(dst.counts())}}},
                        {"seconds", s.seconds},
                        {"would_copy_images", s.would_copy_images},
                        {"failures", failures}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    for (const auto& image : s.would_copy_images) std::printf("would copy %s\n", image.c_str());
    std::printf(
        "images %llu · copied %llu · unchanged %llu%s · failed %llu · blobs uploaded %llu (%llu "
        "bytes), present %llu, mounted %llu · manifests pushed %llu · %.1f s\n",
        static_cast<unsigned long long>(s.images), static_cast<unsigned long long>(s.copied),
        static_cast<unsigned long long>(s.unchanged),
        flags.dry_run ? (" · would copy " + std::to_string(s.would_copy)).c_str() : "",
        static_cast<unsigned long long>(s.failed),
        static_cast<unsigned long long>(s.blobs_uploaded),
        static_cast<unsigned long long>(s.bytes_uploaded),
        static_cast<unsigned long long>(s.blobs_existing),
        static_cast<unsigned long long>(s.blobs_mounted),
        static_cast<unsigned long long>(s.manifests_pushed), s.seconds);
  }
  for (const auto& f : s.failures) {
    std::fprintf(stderr, "ferry: failed after %d attempts: %s\n", f.attempts,
                 f.error.ToString().c_str());
  }
}

Result<images::ImageSyncOptions> MakeOptions(const ImagesSyncFlags& flags) {
  images::ImageSyncOptions o;
  if (flags.transfers < 1 || flags.transfers > 256) {
    return Status::InvalidArgument("--transfers must be 1..256");
  }
  if (flags.max_attempts < 1) return Status::InvalidArgument("--max-attempts must be at least 1");
  auto chunk = job::ParseSize(flags.chunk_size, "--chunk-size");
  if (!chunk.ok()) return std::move(chunk).take_error();
  if (*chunk < (uint64_t{64} << 10) || *chunk > (uint64_t{1} << 30)) {
    return Status::InvalidArgument("--chunk-size " + flags.chunk_size + " is out of range",
                                   "64K to 1G");
  }
  o.transfers = flags.transfers;
  o.max_attempts = flags.max_attempts;
  o.chunk_size = *chunk;
  o.dry_run = flags.dry_run;
  return o;
}

Status Run(const ImagesSyncFlags& flags, std::stop_token stop, int& exit_code) {
  auto options = MakeOptions(flags);
  if (!options.ok()) return std::move(options).take_error();
  std::optional<std::regex> tags;
  if (!flags.tags.empty()) {
    try {
      tags.emplace(flags.tags, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return Status::InvalidArgument("--tags '" + flags.tags + "' is not a valid regex: " +
                                     e.what());
    }
  }
  auto src = images::ParseImageRef(flags.source);
  if (!src.ok()) return std::move(src).take_error().WithSide(Side::kSource);
  auto dst = images::ParseImageRef(flags.destination);
  if (!dst.ok()) return std::move(dst).take_error().WithSide(Side::kDestination);
  auto selections = SelectionsFromFlags(flags, *src, *dst);
  if (!selections.ok()) return std::move(selections).take_error();

  auto http = std::make_shared<net::HttpClient>();
  auto source = OpenRegistry(*src, flags.insecure_src, flags.src_ecr_region, flags,
                             Side::kSource, http);
  if (!source.ok()) return std::move(source).take_error();
  auto destination = OpenRegistry(*dst, flags.insecure_dst, flags.dst_ecr_region, flags,
                                  Side::kDestination, http);
  if (!destination.ok()) return std::move(destination).take_error();
  FERRY_RETURN_IF_ERROR(source->client->Ping(stop));
  FERRY_RETURN_IF_ERROR(destination->client->Ping(stop));

  if (flags.all_repos) {
    auto all = AllRepositories(*source, *src, *dst, stop);
    if (!all.ok()) return std::move(all).take_error();
    *selections = std::move(*all);
  }
  auto jobs = images::PlanJobs(*source->client, *selections, tags, options->transfers, stop);
  if (!jobs.ok()) return std::move(jobs).take_error();
  if (destination->ecr) {
    options->prepare_destination = [ecr = destination->ecr](const std::string& repo,
                                                            std::stop_token s) {
      return ecr->EnsureRepository(repo, s).WithSide(Side::kDestination);
    };
  }
  auto summary =
      images::RunImageSync(*source->client, *destination->client, *jobs, *options, stop);
  if (!summary.ok()) return std::move(summary).take_error();
  PrintSummary(*summary, flags, *source->client, *destination->client);
  exit_code = summary->failed > 0 ? kExitPartial : kExitOk;
  return Status::OK();
}

}  // namespace

CLI::App* AddImagesCommand(CLI::App& app, ImagesSyncFlags& flags) {
  CLI::App* images = app.add_subcommand("images", "Replicate container images between registries");
  images->require_subcommand(1);
  CLI::App* cmd = images->add_subcommand(
      "sync", "Copy images (every tag, or one) from SRC to DST; unchanged images cost two HEADs");
  cmd->add_option("source", flags.source,
                  "HOST[:PORT]/REPO[:TAG]; with --list/--all-repos HOST[:PORT][/NAMESPACE]")
      ->required();
  cmd->add_option("destination", flags.destination,
                  "HOST[:PORT]/REPO[:TAG]; with --list/--all-repos HOST[:PORT][/PREFIX]")
      ->required();
  cmd->add_option("--list", flags.list_file, "File of REPO[:TAG] lines to copy (# comments)");
  cmd->add_flag("--all-repos", flags.all_repos,
                "Every repository of SRC (catalog; DescribeRepositories on ECR)");
  cmd->add_option("--tags", flags.tags, "Only tags that this regex matches in full");
  cmd->add_flag("--insecure-src", flags.insecure_src, "SRC serves plain HTTP");
  cmd->add_flag("--insecure-dst", flags.insecure_dst, "DST serves plain HTTP");
  cmd->add_option("--src-ecr", flags.src_ecr_region,
                  "SRC is Amazon ECR in REGION (automatic for ACCOUNT.dkr.ecr.REGION.amazonaws.com)");
  cmd->add_option("--dst-ecr", flags.dst_ecr_region,
                  "DST is Amazon ECR in REGION (automatic for ACCOUNT.dkr.ecr.REGION.amazonaws.com)");
  cmd->add_option("--ecr-endpoint", flags.ecr_endpoint,
                  "ECR API endpoint URL (default: $AWS_ENDPOINT_URL_ECR, $AWS_ENDPOINT_URL, "
                  "https://api.ecr.REGION.amazonaws.com)");
  cmd->add_flag("--dry-run", flags.dry_run, "Compare and report, write nothing");
  cmd->add_flag("--json", flags.json, "Print one JSON summary object at the end");
  cmd->add_option("--transfers", flags.transfers, "Blobs in flight, and images (default 8)");
  cmd->add_option("--max-attempts", flags.max_attempts, "Attempts per image (default 3)");
  cmd->add_option("--chunk-size", flags.chunk_size,
                  "Blobs above SIZE are uploaded in chunks of SIZE (default 16M); memory is "
                  "about transfers x SIZE");
  return cmd;
}

int RunImagesSync(const ImagesSyncFlags& flags) {
  std::stop_source interrupt;
  int exit_code = kExitOk;
  Status st;
  {
    InterruptWatcher watcher(interrupt);
    st = Run(flags, interrupt.get_token(), exit_code);
  }
  if (!st.ok()) {
    std::fprintf(stderr, "ferry: %s\n", st.ToString().c_str());
    return ExitCodeFor(st);
  }
  return exit_code;
}

}  // namespace ferry::cli
