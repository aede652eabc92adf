// WWW-Authenticate headers of registries' 401 answers.
#include "fuzz_input.h"
#include "images/challenge.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (auto c = ferry::images::ParseChallenge(ferry::fuzz::AsText(data, size))) {
    (void)c->Param("realm");
  }
  return 0;
}
