// Where runs, fleets and watches keep their state when --state is not given.
#pragma once

#include <string>

namespace ferry::cli {

// $XDG_STATE_HOME/ferry, else ~/.local/state/ferry.
std::string DefaultStateDir();

}  // namespace ferry::cli
