// `ferry images sync SRC DST`: container image replication between registries.
#pragma once

#include <string>

#include "job/image_spec.h"

namespace CLI {
class App;
}

namespace ferry::cli {

struct ImagesSyncFlags {
  job::ImageSpec spec;    // the run; spec.list is read from list_file
  std::string list_file;  // lines REPO[:TAG] (# comments)
  bool json = false;
};

// Adds `images` with its `sync` sub-command; returns `images sync`.
CLI::App* AddImagesCommand(CLI::App& app, ImagesSyncFlags& flags);

// Runs `images sync`; returns the process exit code (see exit_codes.h).
int RunImagesSync(const ImagesSyncFlags& flags);

}  // namespace ferry::cli
