#include "core/builtin_model.h"

#include "core/asset_paths.h"

namespace ws::core {

std::filesystem::path builtinModelPath() {
  return assetsDir() / "models" / "builtin-coder.gguf";
}

std::filesystem::path resolveModelPath(const std::string& nameOrPath) {
  if (nameOrPath == "builtin") {
    return builtinModelPath();
  }
  return nameOrPath;
}

} // namespace ws::core
