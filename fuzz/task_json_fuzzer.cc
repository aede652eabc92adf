// A task as the REST API receives it, then its options as a run would use them
// (sizes, rates, delete limits, globs, times, locations).
#include <nlohmann/json.hpp>

#include "fuzz_input.h"
#include "job/sync_spec.h"
#include "service/task_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto j = nlohmann::json::parse(ferry::fuzz::AsText(data, size), nullptr, false);
  if (j.is_discarded()) return 0;
  auto spec = ferry::service::TaskSpecFromJson(j);
  if (!spec.ok()) return 0;
  spec->sync.prefix_list.clear();  // a file name: not read here
  (void)ferry::job::MakeRunOptions(spec->sync);
  (void)ferry::job::ResolveSides(spec->sync, {}, "ferry.toml");
  (void)ferry::service::TaskSpecToJson(*spec).dump();
  (void)ferry::service::RedactUrl(spec->notify.webhook);
  return 0;
}
