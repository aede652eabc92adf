// Every option of a run, declared once: its JSON name (the flag is the same
// with '-' for '_'), type, range or choices, help, and where it applies. The
// CLI's flags, a server task's "options" (reader, writer, OpenAPI schema) and a
// fleet work item's options are all made from this table; defaults are
// SyncSpec's member initializers. `filters` (ordered include/exclude rules) is
// the one option with a shape of its own: --include/--exclude on the command
// line, an array of {"include": GLOB} / {"exclude": GLOB} in JSON.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <variant>
#include <vector>

#include "core/status.h"
#include "job/sync_spec.h"

namespace ferry::job {

// Where an option applies (bits).
enum OptionScope : unsigned {
  kInCli = 1,       // a flag of sync/copy/check (and watch, fleet)
  kInTask = 2,      // a server task's "options"
  kInWorkItem = 4,  // what a fleet work item carries to workers
  kSyncOnly = 8,    // only `sync` has the flag (--delete and its guards)
};

struct RunOptionDecl {
  std::string name;        // JSON field; flag "--" + name with '_' as '-'
  std::string value_name;  // SIZE, N, MODE... ("" for a switch)
  std::string help;
  std::variant<bool SyncSpec::*, std::string SyncSpec::*, int SyncSpec::*,
               std::vector<std::string> SyncSpec::*>
      field;
  unsigned scope = kInCli | kInTask | kInWorkItem;
  int min = 0, max = 0;              // an int's range
  std::vector<std::string> choices;  // a string's values (and "" where that is the default)

  std::string Flag() const;
};

const std::vector<RunOptionDecl>& RunOptionTable();
// The declaration named `name`; it must exist.
const RunOptionDecl& RunOption(const std::string& name);

// The options of `spec` in `scope`, and the rules of "filters".
nlohmann::json OptionsToJson(const SyncSpec& spec, OptionScope scope);
// Reads `j` (the "options" object at `path`) into `spec`. A field of another
// scope, an unknown one, a wrong type, a number out of range or a value not
// among the choices is an error that names the field.
Status OptionsFromJson(const nlohmann::json& j, const std::string& path, OptionScope scope,
                       SyncSpec& spec);
// The OpenAPI (JSON Schema) of the options in `scope`, defaults included.
nlohmann::json OptionsSchema(OptionScope scope);

}  // namespace ferry::job
