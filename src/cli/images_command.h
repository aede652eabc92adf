// `ferry images sync SRC DST`: container image replication between registries.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace ferry::cli {

struct ImagesSyncFlags {
  std::string source;       // HOST[:PORT]/REPO[:TAG], or HOST[:PORT][/NAMESPACE] with a list
  std::string destination;  // HOST[:PORT]/REPO[:TAG], or HOST[:PORT][/PREFIX] with a list
  std::string list_file;    // lines REPO[:TAG]
  bool all_repos = false;
  std::string tags;         // regex a whole tag must match
  bool insecure_src = false;
  bool insecure_dst = false;
  std::string src_ecr_region;  // treat SRC as Amazon ECR in this region
  std::string dst_ecr_region;
  std::string ecr_endpoint;
  bool dry_run = false;
  bool json = false;
  int transfers = 8;
  int max_attempts = 3;
  std::string chunk_size = "16M";
};

// Adds `images` with its `sync` sub-command; returns `images sync`.
CLI::App* AddImagesCommand(CLI::App& app, ImagesSyncFlags& flags);

// Runs `images sync`; returns the process exit code (see exit_codes.h).
int RunImagesSync(const ImagesSyncFlags& flags);

}  // namespace ferry::cli
