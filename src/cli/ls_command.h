// `ferry ls LOCATION`: lists objects, recursively, one line (or JSON object) each.
#pragma once

#include <string>

#include "job/endpoint_settings.h"

namespace CLI {
class App;
}

namespace ferry::cli {

struct LsFlags {
  std::string location;
  job::EndpointSettings endpoint;
  std::string config_path;  // named endpoints; "" = the default file
  bool json = false;
};

// Adds the `ls` sub-command; `run` is called when it is chosen.
CLI::App* AddLsCommand(CLI::App& app, LsFlags& flags);

// Lists to stdout. Returns the final status (errors are printed by the caller).
Status RunLs(const LsFlags& flags);

}  // namespace ferry::cli
