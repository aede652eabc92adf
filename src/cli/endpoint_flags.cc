#include "cli/endpoint_flags.h"

#include <CLI/CLI.hpp>

namespace ferry::cli {

void AddEndpointFlags(CLI::App& app, const std::string& prefix, job::EndpointSettings& settings) {
  // Without a prefix the flags serve both sides of a sync (the --src-/--dst- ones win).
  const std::string both =
      prefix.empty() && app.get_option_no_throw("--src-endpoint") != nullptr
          ? " (both sides; --src-/--dst- override)"
          : "";
  app.add_option("--" + prefix + "endpoint", settings.endpoint,
                 "S3 endpoint URL (default: $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, Amazon S3)" +
                     both)
      ->type_name("URL");
  app.add_option("--" + prefix + "region", settings.region,
                 "Region (default: $AWS_REGION, $AWS_DEFAULT_REGION, us-east-1)" + both)
      ->type_name("REGION");
  app.add_option("--" + prefix + "profile", settings.profile,
                 "Profile in the shared AWS config/credentials files (default: $AWS_PROFILE)" +
                     both)
      ->type_name("NAME");
  app.add_option("--" + prefix + "secret", settings.secret,
                 "JSON secret {\"access_key_id\", \"secret_access_key\"}: a file, or a "
                 "Secrets Manager ARN or name; re-read when the key is rotated" + both)
      ->type_name("FILE|ARN");
  app.add_flag("--" + prefix + "path-style", settings.path_style,
               "Path-style addressing (endpoint/bucket/key) instead of bucket.endpoint/key" + both);
  app.add_flag("--" + prefix + "no-sign-request", settings.no_sign_request,
               "Send requests unsigned (public buckets)" + both);
}

}  // namespace ferry::cli
