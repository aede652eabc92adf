#include "job/sync_spec.h"

#include "job/run_option_table.h"
#include "job/units.h"
#include "store/local_store.h"
#include "store/s3_store.h"

namespace ferry::job {
namespace {

// The range is the option table's, as the CLI and the task JSON check it.
Status CheckRange(const RunOptionDecl& decl, int value) {
  if (value >= decl.min && value <= decl.max) return Status::OK();
  return Status::InvalidArgument(decl.Flag() + " must be " + std::to_string(decl.min) + ".." +
                                 std::to_string(decl.max));
}

}  // namespace

Result<EndpointSettings> ResolveEndpoint(const Location& location,
                                         const EndpointSettings& settings,
                                         const EndpointConfigs& configs,
                                         const std::string& config) {
  if (location.endpoint_name.empty()) return settings;
  auto it = configs.find(location.endpoint_name);
  if (it == configs.end()) {
    return Status::InvalidArgument(
        "unknown endpoint '" + location.endpoint_name + "' in '" + location.endpoint_name + ":" +
            location.bucket + "'",
        "define [endpoints." + location.endpoint_name + "] in " + config + " or use s3://");
  }
  return settings.Over(it->second);
}


Result<engine::RunOptions> MakeRunOptions(const SyncSpec& spec) {
  engine::RunOptions o;
  o.mode = spec.mode;
  o.delete_extra = spec.delete_extra;
  o.dry_run = spec.dry_run;
  o.allow_empty_source = spec.allow_empty_source;
  // An option that needs another would do nothing: refused, not ignored.
  if (!spec.max_delete.empty() && !spec.delete_extra) {
    return Status::InvalidArgument("--max-delete limits --delete, which was not given",
                                   "add --delete, or drop --max-delete");
  }
  if (!spec.sse_kms_key_id.empty() && spec.sse != "aws:kms") {
    return Status::InvalidArgument("--sse-kms-key-id needs --sse aws:kms",
                                   "add --sse aws:kms, or drop --sse-kms-key-id");
  }
  if (!spec.max_delete.empty()) {
    auto limit = ParseDeleteLimit(spec.max_delete, "--max-delete");
    if (!limit.ok()) return std::move(limit).take_error();
    o.max_delete_count = limit->count;
    o.max_delete_percent = limit->percent;
  }
  auto compare = engine::ParseCompareMode(spec.compare);
  if (!compare.ok()) return std::move(compare).take_error();
  o.compare = *compare;

  for (const auto& [include, glob] : spec.filters) o.filter.AddRule(include, glob);
  std::vector<std::string> prefixes = spec.prefixes;
  if (!spec.prefix_list.empty()) {
    auto listed = engine::KeyFilter::ReadPrefixList(spec.prefix_list);
    if (!listed.ok()) return std::move(listed).take_error();
    prefixes.insert(prefixes.end(), listed->begin(), listed->end());
  }
  if (!prefixes.empty()) o.filter.SetPrefixes(std::move(prefixes));
  if (!spec.modified_after.empty()) {
    auto t = ParseTime(spec.modified_after, "--modified-after");
    if (!t.ok()) return std::move(t).take_error();
    o.filter.SetModifiedAfter(*t);
  }
  if (!spec.modified_before.empty()) {
    auto t = ParseTime(spec.modified_before, "--modified-before");
    if (!t.ok()) return std::move(t).take_error();
    o.filter.SetModifiedBefore(*t);
  }

  if (!spec.sse.empty() && spec.sse != "AES256" && spec.sse != "aws:kms") {
    return Status::InvalidArgument("invalid --sse '" + spec.sse + "'", "AES256 or aws:kms");
  }
  o.transfer.settings.storage_class = spec.storage_class;
  o.transfer.settings.sse = spec.sse;
  o.transfer.settings.sse_kms_key_id = spec.sse_kms_key_id;
  o.transfer.settings.acl = spec.acl;
  o.transfer.copy_metadata = !spec.no_metadata;
  o.transfer.copy_tags = spec.copy_tags;
  auto threshold = ParseSize(spec.multipart_threshold, "--multipart-threshold");
  if (!threshold.ok()) return std::move(threshold).take_error();
  if (*threshold > (uint64_t{5} << 30)) {
    return Status::InvalidArgument("--multipart-threshold " + spec.multipart_threshold +
                                       " is out of range",
                                   "S3 takes at most 5 GiB in one PUT; larger objects go multipart");
  }
  o.transfer.multipart_threshold = *threshold;
  if (!spec.part_size.empty()) {
    auto part = ParseSize(spec.part_size, "--part-size");
    if (!part.ok()) return std::move(part).take_error();
    if (*part < (uint64_t{5} << 20) || *part > (uint64_t{5} << 30)) {
      return Status::InvalidArgument("--part-size " + spec.part_size + " is out of range",
                                     "S3 parts are 5 MiB to 5 GiB");
    }
    o.transfer.part_size = *part;
  }
  // Below one 5 MiB part no transfer could ever start.
  auto memory = ParseSize(spec.memory, "--memory", uint64_t{5} << 20);
  if (!memory.ok()) return std::move(memory).take_error();
  o.memory = *memory;
  if (!spec.bwlimit.empty()) {
    auto rate = ParseSize(spec.bwlimit, "--bwlimit", 1);
    if (!rate.ok()) return std::move(rate).take_error();
    o.bwlimit = *rate;
  }
  FERRY_RETURN_IF_ERROR(CheckRange(RunOption("transfers"), spec.transfers));
  o.transfers = spec.transfers;
  FERRY_RETURN_IF_ERROR(CheckRange(RunOption("max_attempts"), spec.max_attempts));
  o.max_attempts = spec.max_attempts;
  return o;
}

Result<ResolvedSides> ResolveSides(const SyncSpec& spec, const EndpointConfigs& configs,
                                   const std::string& config_path) {
  auto src = ParseLocation(spec.source);
  if (!src.ok()) return std::move(src).take_error().WithSide(Side::kSource);
  auto dst = ParseLocation(spec.destination);
  if (!dst.ok()) return std::move(dst).take_error().WithSide(Side::kDestination);
  auto src_settings = ResolveEndpoint(*src, spec.src, configs, config_path);
  if (!src_settings.ok()) return std::move(src_settings).take_error().WithSide(Side::kSource);
  auto dst_settings = ResolveEndpoint(*dst, spec.dst, configs, config_path);
  if (!dst_settings.ok()) {
    return std::move(dst_settings).take_error().WithSide(Side::kDestination);
  }
  src_settings->request_payer = dst_settings->request_payer = spec.request_payer;
  return ResolvedSides{std::move(*src), std::move(*dst), std::move(*src_settings),
                       std::move(*dst_settings)};
}

Result<OpenedStores> OpenStores(const ResolvedSides& sides) {
  OpenedStores opened;
  std::shared_ptr<s3::S3Client> src_client;
  if (sides.source.kind == Location::Kind::kS3) {
    auto client = MakeS3Client(sides.src, Side::kSource, opened.http);
    if (!client.ok()) return std::move(client).take_error();
    src_client = std::move(*client);
    opened.source = std::make_unique<store::S3Store>(src_client, sides.source.bucket,
                                                     FolderPrefix(sides.source.prefix));
  } else {
    opened.source = std::make_unique<store::LocalStore>(sides.source.path);
  }
  if (sides.destination.kind == Location::Kind::kS3) {
    std::shared_ptr<s3::S3Client> dst_client;
    // One service with one set of keys on both sides: share the client, which
    // is what lets the destination copy server-side.
    if (src_client && sides.src == sides.dst) {
      dst_client = src_client;
    } else {
      auto client = MakeS3Client(sides.dst, Side::kDestination, opened.http, opened.throttle);
      if (!client.ok()) return std::move(client).take_error();
      dst_client = std::move(*client);
    }
    opened.destination = std::make_unique<store::S3Store>(dst_client, sides.destination.bucket,
                                                          FolderPrefix(sides.destination.prefix));
  } else {
    opened.destination = std::make_unique<store::LocalStore>(sides.destination.path);
  }
  return opened;
}

std::string RunName(const OpenedStores& stores) {
  return stores.source->Describe() + " -> " + stores.destination->Describe();
}

}  // namespace ferry::job
