#include "cli/state_dir.h"

#include <cstdlib>

namespace ferry::cli {

std::string DefaultStateDir() {
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/ferry";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.local/state/ferry";
}

}  // namespace ferry::cli
