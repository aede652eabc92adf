// Credentials from the network: STS (AssumeRole, web identity) XML, the instance
// and container metadata services' JSON, Secrets Manager secrets and secret files.
// (and its GetSecretValue answers). The first byte picks the parser.
#include "auth/metadata_providers.h"
#include "auth/secret_provider.h"
#include "auth/sts_provider.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string text(ferry::fuzz::AsText(data + 1, size - 1));
  switch (data[0] % 5) {
    case 0: (void)ferry::auth::ParseStsCredentials(text, "AssumeRole"); break;
    case 1: (void)ferry::auth::ParseMetadataCredentials(text, "instance metadata"); break;
    case 2: (void)ferry::auth::ParseSecretJson(text, "a secret"); break;
    case 3: (void)ferry::auth::ParseGetSecretValue(200, text, "a secret"); break;
    default: (void)ferry::auth::ParseGetSecretValue(400, text, "a secret"); break;
  }
  return 0;
}
