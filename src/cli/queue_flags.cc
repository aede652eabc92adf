#include "cli/queue_flags.h"

#include <CLI/CLI.hpp>

namespace ferry::cli {

void AddQueueFlags(CLI::App& app, job::EndpointSettings& settings) {
  app.add_option("--queue-endpoint", settings.endpoint,
                 "SQS endpoint (default: $AWS_ENDPOINT_URL_SQS, else the queue URL's host)")
      ->type_name("URL");
  app.add_option("--queue-region", settings.region,
                 "The queue's region (default: from its URL, else $AWS_REGION, us-east-1)")
      ->type_name("REGION");
  app.add_option("--queue-profile", settings.profile,
                 "Profile for the queue's credentials (default: the standard chain)")
      ->type_name("NAME");
  app.add_option("--queue-secret", settings.secret,
                 "JSON secret file or Secrets Manager ARN with the queue's credentials")
      ->type_name("FILE|ARN");
}

}  // namespace ferry::cli
