// Sizes, rates, delete limits, times, locations and URLs as users write them.
#include "fuzz_input.h"
#include "job/location.h"
#include "job/units.h"
#include "net/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(ferry::fuzz::AsText(data, size));
  (void)ferry::job::ParseSize(text, "--memory", 5 << 20);
  (void)ferry::job::ParseDeleteLimit(text, "--max-delete");
  (void)ferry::job::ParseTime(text, "--modified-after");
  (void)ferry::job::ParseLocation(text);
  (void)ferry::net::ParseUrl(text);
  (void)ferry::net::UriDecode(text, true);
  return 0;
}
