// Image references as users write them, --list lines, tags, digests, and the
// Link header of a registry's paginated answers.
#include "fuzz_input.h"
#include "images/digest.h"
#include "images/ecr_api.h"
#include "images/reference.h"
#include "images/registry_client.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [first, rest] = ferry::fuzz::SplitLine(ferry::fuzz::AsText(data, size));
  auto ref = ferry::images::ParseImageRef(first);
  if (ref.ok()) (void)ferry::images::ParseListLine(rest, *ref);
  (void)ferry::images::IsValidTag(first);
  (void)ferry::images::CheckDigest(first);
  (void)ferry::images::ParseEcrHost(first);
  (void)ferry::images::NextPageTarget(rest);
  return 0;
}
