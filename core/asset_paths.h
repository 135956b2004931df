#pragma once
#include <filesystem>

namespace ws::core {

// The directory holding chips/, models/, validation/: $WAFERSCOPE_ASSETS if
// set, else share/waferscope/assets beside the running program's bin/
// (installed), else the source tree's
// assets/ (running from a build directory). Throws std::runtime_error naming
// every place it looked when none exists.
std::filesystem::path assetsDir();

} // namespace ws::core
