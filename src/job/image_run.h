// The one entry of a run of image copies, for `ferry images sync` and the
// server's images tasks alike: parses the spec, opens both registries with
// their logins (and ECR's API beside an ECR registry), pings them, expands the
// selections (the catalog for all_repos, the tags of each repository) and runs
// images::RunImageSync. The two callers differ only in the logins and the
// observer.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>

#include "auth/credentials.h"
#include "images/registry_client.h"
#include "job/image_spec.h"

namespace ferry::job {

// Where one side's login comes from.
struct RegistryLogin {
  // Given with the run (a server's stored credential, by name in `origin`):
  // for a registry, access_key_id is the user name and secret_access_key the
  // password; for Amazon ECR they are the AWS keys that GetAuthorizationToken
  // is called with.
  std::optional<auth::Credentials> given;
  std::string origin;  // for messages: "stored credential 'ci'". Never a secret.
  // Nothing given: true = this process's own (Docker's config.json, the AWS
  // credential chain for ECR), as the CLI does; false = anonymous access, and
  // ECR is refused (the server lends its own only as task_check.h says).
  bool own_credentials = true;
};

// What a caller sees of the run as it goes. Every member may be empty.
struct ImageRunObserver {
  // The images selected, once the selections are expanded (before any copy).
  std::function<void(uint64_t images)> planned;
  // Each image as it ends: copied, unchanged, or failed every attempt. Called
  // from the copy threads.
  std::function<void(const images::ImageJob&, const Result<images::ImageResult>&, int attempts)>
      image_done;
  // Blob bytes uploaded are also added here as each blob ends (live progress).
  std::atomic<uint64_t>* bytes_uploaded = nullptr;
};

struct ImageRunResult {
  images::ImageSyncSummary summary;
  // Both clients, for their request counts.
  std::shared_ptr<const images::RegistryClient> source;
  std::shared_ptr<const images::RegistryClient> destination;
};

// Runs `spec`. Errors name the field as `names` calls it and the side; a
// fatal error (a refused login, an unreachable registry, a stop) ends the run.
Result<ImageRunResult> RunImages(const ImageSpec& spec, const ImageFieldNames& names,
                                 const RegistryLogin& src_login, const RegistryLogin& dst_login,
                                 const ImageRunObserver& observer, std::stop_token stop);

}  // namespace ferry::job
