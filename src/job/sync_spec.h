// One sync / copy / check as data: the two locations, how to reach each side,
// and every option of the run. `ferry sync` fills it from flags, a server task
// from JSON; both turn it into stores and engine options here.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/throttle_signal.h"
#include "engine/sync_run.h"
#include "job/config_file.h"
#include "job/endpoint_settings.h"
#include "job/location.h"
#include "net/http_client.h"
#include "store/object_store.h"

namespace ferry::job {

struct SyncSpec {
  engine::RunMode mode = engine::RunMode::kSync;
  std::string source;       // s3://bucket[/prefix], NAME:bucket[/prefix] or a folder
  std::string destination;  // same forms
  EndpointSettings src;
  EndpointSettings dst;
  bool delete_extra = false;
  bool dry_run = false;
  bool allow_empty_source = false;
  std::string max_delete;  // "N" or "P%"; "" = no limit
  std::string compare = "size-etag";
  std::vector<std::pair<bool, std::string>> filters;  // (include?, glob) in order
  std::string prefix_list;                           // a file of prefixes, one per line
  std::vector<std::string> prefixes;                 // the same, given inline
  std::string modified_after;
  std::string modified_before;
  std::string storage_class;
  std::string sse;  // "", AES256 or aws:kms
  std::string sse_kms_key_id;
  std::string acl;
  bool no_metadata = false;
  bool request_payer = false;
  bool copy_tags = false;
  std::string multipart_threshold = "200M";
  std::string part_size;  // "" = automatic
  int transfers = 256;    // 1..1024
  // 256M, not 1G: same speed on the benchmarks' mixed bucket and 2 x 256 MiB, and
  // 334 MiB peak RSS instead of 599 (docs/BENCHMARKS.md).
  std::string memory = "256M";
  std::string bwlimit;  // "" = unlimited
  int max_attempts = 5;
  std::string report;  // a JSON line per decided object to this file; "" = none
};

// The engine options of `spec` (progress off). Errors name the option at fault.
Result<engine::RunOptions> MakeRunOptions(const SyncSpec& spec);

// `settings` over the named endpoint that `location` uses (NAME:bucket), if any.
// `config` names the config file in errors.
Result<EndpointSettings> ResolveEndpoint(const Location& location,
                                         const EndpointSettings& settings,
                                         const EndpointConfigs& configs,
                                         const std::string& config);

// The sides of `spec` with named endpoints resolved against `configs`.
struct ResolvedSides {
  Location source;
  Location destination;
  EndpointSettings src;
  EndpointSettings dst;
};
Result<ResolvedSides> ResolveSides(const SyncSpec& spec, const EndpointConfigs& configs,
                                   const std::string& config_path);

struct OpenedStores {
  std::shared_ptr<net::HttpClient> http = std::make_shared<net::HttpClient>();
  std::shared_ptr<ThrottleSignal> throttle = std::make_shared<ThrottleSignal>();
  std::unique_ptr<store::ObjectStore> source;
  std::unique_ptr<store::ObjectStore> destination;
};

// Opens both sides. No request is sent yet.
Result<OpenedStores> OpenStores(const ResolvedSides& sides);

// "s3://a/x -> s3://b/y": names a source/destination pair in checkpoint state.
std::string RunName(const OpenedStores& stores);

}  // namespace ferry::job
