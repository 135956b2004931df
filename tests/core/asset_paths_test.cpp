#include "core/asset_paths.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace {

TEST(AssetPaths, EnvironmentOverridesAndMissingDirectoryIsAnError) {
  const auto tmp = std::filesystem::temp_directory_path() / "ws_assets_test";
  std::filesystem::create_directories(tmp / "chips");
  setenv("WAFERSCOPE_ASSETS", tmp.c_str(), 1);
  EXPECT_EQ(ws::core::assetsDir(), tmp);
  unsetenv("WAFERSCOPE_ASSETS");
  std::filesystem::remove_all(tmp);
  // Without the override the source tree's assets/ is found.
  EXPECT_TRUE(std::filesystem::is_directory(ws::core::assetsDir() / "chips"));
}

} // namespace
