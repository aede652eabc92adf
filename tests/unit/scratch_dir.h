// A directory of a test's own under the test temp dir (TEST_TMPDIR or /tmp),
// removed with everything in it when the object goes, so a test run leaves no
// databases or keys behind.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace ferry::testing {

class ScratchDir {
 public:
  explicit ScratchDir(std::string_view prefix) {
    std::string pattern = ::testing::TempDir() + std::string(prefix) + "XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp " << pattern << " failed";
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;  // a test that failed half-way may have left it half-made
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // The path of `name` inside the directory.
  std::string operator/(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace ferry::testing
