#include "core/builtin_model.h"

#include "core/asset_paths.h"

#include <stdexcept>
#include <system_error>

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

std::filesystem::path builtinDraftModelPath() {
  return assetsDir() / "models" / "builtin-draft.gguf";
}

std::filesystem::path resolveDraftModelPath(const std::string& nameOrPath,
                                            const std::filesystem::path& targetPath) {
  if (nameOrPath != "builtin") {
    return nameOrPath;
  }
  std::error_code error;
  if (!std::filesystem::equivalent(targetPath, builtinModelPath(), error)) {
    throw std::invalid_argument("--draft builtin drafts for the built-in model only, not for " +
                                targetPath.string() +
                                "; give a draft GGUF with its vocabulary or --draft ngram");
  }
  return builtinDraftModelPath();
}

} // namespace ws::core
