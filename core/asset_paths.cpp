#include "core/asset_paths.h"

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace ws::core {

std::filesystem::path assetsDir() {
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv("WAFERSCOPE_ASSETS"); env && *env) {
    candidates.emplace_back(env);
  }
  // Installed layout: <prefix>/bin/<program> and <prefix>/share/waferscope/assets,
  // whatever the prefix the package was installed under.
  std::error_code ec;
  if (const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec); !ec) {
    candidates.push_back(exe.parent_path().parent_path() / WS_INSTALL_ASSETS_SUBDIR);
  }
  candidates.emplace_back(WS_SOURCE_ASSETS_DIR);
  std::string tried;
  for (const auto& dir : candidates) {
    if (std::filesystem::is_directory(dir / "chips", ec)) {
      return dir;
    }
    tried += (tried.empty() ? "" : ", ") + dir.string();
  }
  throw std::runtime_error("assets directory not found (looked in " + tried +
                           "); set WAFERSCOPE_ASSETS");
}

} // namespace ws::core
