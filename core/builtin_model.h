#pragma once
#include <filesystem>
#include <string>

namespace ws::core {

// The model the app runs out of the box: assetsDir()/models/builtin-coder.gguf.
std::filesystem::path builtinModelPath();

// "builtin" resolves to builtinModelPath(); anything else is taken as a path.
std::filesystem::path resolveModelPath(const std::string& nameOrPath);

} // namespace ws::core
