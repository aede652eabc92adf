// The console's built files (console/dist, made by `npm run build`), compiled
// into the binary by embed_console.cmake so that one `ferry` serves everything.
#pragma once

#include <cstddef>
#include <string_view>

namespace ferry::service {

struct ConsoleAsset {
  std::string_view path;          // "/index.html", "/assets/index-abc123.js"
  std::string_view content_type;
  std::string_view body;
  bool immutable;                 // a content-hashed name: cacheable for ever
};

// The asset served at `path`; nullptr when there is none.
const ConsoleAsset* FindConsoleAsset(std::string_view path);

// False when the binary was built without console/dist: "/" then explains how
// to build it.
bool ConsoleIsBuilt();

}  // namespace ferry::service
