#include "service/console_assets.h"

namespace ferry::service {

// Defined by the generated console_assets_data.cc.
extern const ConsoleAsset kConsoleAssets[];
extern const size_t kConsoleAssetCount;
extern const bool kConsoleBuilt;

const ConsoleAsset* FindConsoleAsset(std::string_view path) {
  for (size_t i = 0; i < kConsoleAssetCount; ++i) {
    if (kConsoleAssets[i].path == path) return &kConsoleAssets[i];
  }
  return nullptr;
}

bool ConsoleIsBuilt() { return kConsoleBuilt; }

}  // namespace ferry::service
