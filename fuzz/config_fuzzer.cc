// The config file's TOML (named endpoints).
#include "fuzz_input.h"
#include "job/config_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)ferry::job::ParseConfig(ferry::fuzz::AsText(data, size), "ferry.toml");
  return 0;
}
