#include "cli/ls_command.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

#include "cli/endpoint_flags.h"
#include "job/config_file.h"
#include "job/location.h"
#include "job/sync_spec.h"

namespace ferry::cli {
namespace {

// "2026-11-24T16:02:08.000Z" -> "2026-11-24 16:02:08", as `aws s3 ls` shows it.
std::string ShortTime(const std::string& iso) {
  std::string out = iso.substr(0, 19);
  if (out.size() > 10 && out[10] == 'T') out[10] = ' ';
  return out;
}

void PrintObject(const s3::ObjectSummary& o, bool json) {
  if (json) {
    nlohmann::json line = {{"key", o.key},
                           {"size", o.size},
                           {"last_modified", o.last_modified},
                           {"etag", o.etag},
                           {"storage_class", o.storage_class}};
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
  } else {
    std::printf("%12llu %s %s\n", static_cast<unsigned long long>(o.size),
                ShortTime(o.last_modified).c_str(), o.key.c_str());
  }
}

}  // namespace

CLI::App* AddLsCommand(CLI::App& app, LsFlags& flags) {
  CLI::App* ls = app.add_subcommand(
      "ls", "List objects under s3://bucket[/prefix] or NAME:bucket[/prefix], recursively");
  ls->add_option("location", flags.location, "s3://bucket[/prefix] or NAME:bucket[/prefix]")
      ->required()
      ->type_name("LOCATION");
  ls->add_option("--config", flags.config_path,
                 "Config file with named endpoints (default ~/.config/ferry/ferry.toml)")
      ->type_name("FILE");
  ls->add_flag("--json", flags.json,
               "One JSON object per line: key, size, last_modified, etag, storage_class");
  AddEndpointFlags(*ls, "", flags.endpoint);
  return ls;
}

Status RunLs(const LsFlags& flags) {
  auto location = job::ParseLocation(flags.location);
  if (!location.ok()) return std::move(location).take_error();
  if (location->kind != job::Location::Kind::kS3) {
    return Status::InvalidArgument("'" + flags.location + "' is not an S3 location",
                                   "write it as s3://bucket[/prefix] or NAME:bucket[/prefix]; "
                                   "for a folder, use ls(1)");
  }
  FERRY_RETURN_IF_ERROR(job::CheckCredentialChoice(flags.endpoint, "--"));
  const bool explicit_config = !flags.config_path.empty();
  const std::string config_path = explicit_config ? flags.config_path : job::DefaultConfigPath();
  auto configs = job::LoadConfig(config_path, explicit_config);
  if (!configs.ok()) return std::move(configs).take_error();
  auto settings = job::ResolveEndpoint(*location, flags.endpoint, *configs, config_path);
  if (!settings.ok()) return std::move(settings).take_error();
  auto http = std::make_shared<net::HttpClient>();
  auto client = job::MakeS3Client(*settings, Side::kNone, http);
  if (!client.ok()) return std::move(client).take_error();

  s3::ListObjectsRequest request;
  request.bucket = location->bucket;
  request.prefix = location->prefix;
  for (;;) {
    auto page = (*client)->ListObjectsV2(request);
    if (!page.ok()) {
      return std::move(page).take_error().Context("listing s3://" + location->bucket + "/" +
                                                  location->prefix);
    }
    for (const auto& object : page->objects) PrintObject(object, flags.json);
    if (!page->is_truncated) break;
    request.continuation_token = page->next_continuation_token;
  }
  std::fflush(stdout);
  return Status::OK();
}

}  // namespace ferry::cli
