// S3 error bodies (and 200 answers that carry an <Error>), with any status.
#include "fuzz_input.h"
#include "s3/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  ferry::net::HttpResponse response;
  response.status = 100 + (data[0] | (data[1] << 8)) % 500;
  response.body = std::string(ferry::fuzz::AsText(data + 2, size - 2));
  ferry::s3::ErrorContext context;
  context.op = "GetObject";
  context.action = "s3:GetObject";
  context.bucket = size % 2 ? "bucket" : "";
  context.key = size % 3 ? "key" : "";
  (void)ferry::s3::ParseErrorDocument(response.body);
  (void)ferry::s3::ErrorFromResponse(response, context).ToString();
  return 0;
}
