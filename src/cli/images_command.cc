#include "cli/images_command.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/exit_codes.h"
#include "cli/interrupt.h"
#include "job/image_run.h"

namespace ferry::cli {
namespace {

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
        flags.spec.dry_run ? (" · would copy " + std::to_string(s.would_copy)).c_str() : "",
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

Status Run(const ImagesSyncFlags& flags, std::stop_token stop, int& exit_code) {
  job::ImageSpec spec = flags.spec;
  if (!flags.list_file.empty()) {
    auto lines = job::ReadImageListFile(flags.list_file);
    if (!lines.ok()) return std::move(lines).take_error();
    spec.list = std::move(*lines);
  }
  // The CLI logs in as its user does: Docker's config.json, the AWS credential chain.
  const job::RegistryLogin own;
  auto run = job::RunImages(spec, job::kImageFlagNames, own, own, {}, stop);
  if (!run.ok()) return std::move(run).take_error();
  PrintSummary(run->summary, flags, *run->source, *run->destination);
  exit_code = run->summary.failed > 0 ? kExitPartial : kExitOk;
  return Status::OK();
}

}  // namespace

CLI::App* AddImagesCommand(CLI::App& app, ImagesSyncFlags& flags) {
  CLI::App* images = app.add_subcommand("images", "Replicate container images between registries");
  images->require_subcommand(1);
  CLI::App* cmd = images->add_subcommand(
      "sync", "Copy images (every tag, or one) from SRC to DST; unchanged images cost two HEADs");
  cmd->add_option("source", flags.spec.source,
                  "HOST[:PORT]/REPO[:TAG]; with --list/--all-repos HOST[:PORT][/NAMESPACE]")
      ->required();
  cmd->add_option("destination", flags.spec.destination,
                  "HOST[:PORT]/REPO[:TAG]; with --list/--all-repos HOST[:PORT][/PREFIX]")
      ->required();
  cmd->add_option("--list", flags.list_file, "File of REPO[:TAG] lines to copy (# comments)");
  cmd->add_flag("--all-repos", flags.spec.all_repos,
                "Every repository of SRC (catalog; DescribeRepositories on ECR)");
  cmd->add_option("--tags", flags.spec.tags, "Only tags that this regex matches in full");
  cmd->add_flag("--insecure-src", flags.spec.insecure_source, "SRC serves plain HTTP");
  cmd->add_flag("--insecure-dst", flags.spec.insecure_destination, "DST serves plain HTTP");
  cmd->add_option("--src-ecr", flags.spec.src_ecr_region,
                  "SRC is Amazon ECR in REGION (automatic for ACCOUNT.dkr.ecr.REGION.amazonaws.com)");
  cmd->add_option("--dst-ecr", flags.spec.dst_ecr_region,
                  "DST is Amazon ECR in REGION (automatic for ACCOUNT.dkr.ecr.REGION.amazonaws.com)");
  cmd->add_option("--ecr-endpoint", flags.spec.ecr_endpoint,
                  "ECR API endpoint URL (default: $AWS_ENDPOINT_URL_ECR, $AWS_ENDPOINT_URL, "
                  "https://api.ecr.REGION.amazonaws.com)");
  cmd->add_flag("--dry-run", flags.spec.dry_run, "Compare and report, write nothing");
  cmd->add_flag("--json", flags.json, "Print one JSON summary object at the end");
  cmd->add_option("--transfers", flags.spec.transfers, "Blobs in flight, and images (default 8)");
  cmd->add_option("--max-attempts", flags.spec.max_attempts, "Attempts per image (default 3)");
  cmd->add_option("--chunk-size", flags.spec.chunk_size,
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
