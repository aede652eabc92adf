// Registry manifests and indexes: first line the Content-Type, the rest the body.
#include "fuzz_input.h"
#include "images/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [content_type, body] = ferry::fuzz::SplitLine(ferry::fuzz::AsText(data, size));
  (void)ferry::images::ParseManifest(body, content_type);
  return 0;
}
