// --include/--exclude globs against keys: first line the pattern, the rest a key.
#include "engine/filter.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [pattern, key] = ferry::fuzz::SplitLine(ferry::fuzz::AsText(data, size));
  (void)ferry::engine::GlobMatch(pattern, key);
  return 0;
}
