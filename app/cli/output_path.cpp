#include "app/cli/output_path.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

namespace ws::cli {

std::string outputFileProblem(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) {
    return "an output path must not be empty";
  }
  std::error_code ec;
  const fs::path p(path);
  if (fs::is_directory(p, ec)) {
    return fmt::format("{}: is a directory, not a file", path);
  }
  if (fs::exists(p, ec)) {
    return ::access(p.c_str(), W_OK) == 0 ? "" : fmt::format("{}: is not writable", path);
  }
  const fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(parent, ec)) {
    return fmt::format("{}: cannot be written, {} is not a directory", path, parent.string());
  }
  if (::access(parent.c_str(), W_OK | X_OK) != 0) {
    return fmt::format("{}: cannot be written, directory {} is not writable", path,
                       parent.string());
  }
  return "";
}

CLI::Validator writableOutputFile() {
  return CLI::Validator([](std::string& path) { return outputFileProblem(path); }, "FILE");
}

} // namespace ws::cli
