#include "app/run/atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <stdexcept>
#include <string>

namespace ws::app {

namespace {

std::filesystem::path temporaryBeside(const std::filesystem::path& target) {
  static std::atomic<unsigned> counter{0};
  std::filesystem::path temp = target;
  temp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  return temp;
}

} // namespace

void writeFileAtomically(const std::filesystem::path& target,
                         const std::function<void(const std::filesystem::path& temp)>& write) {
  const std::filesystem::path temp = temporaryBeside(target);
  try {
    write(temp);
    std::error_code error;
    std::filesystem::rename(temp, target, error);
    if (error) {
      throw std::runtime_error(target.string() + ": cannot replace the file: " + error.message());
    }
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw;
  }
}

void writeTextAtomically(const std::filesystem::path& target, std::string_view text) {
  writeFileAtomically(target, [&](const std::filesystem::path& temp) {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) {
      throw std::runtime_error(target.string() + ": cannot write (directory missing or read-only)");
    }
    out.write(text.data(), std::streamsize(text.size()));
    out.flush();
    if (!out) {
      throw std::runtime_error(target.string() + ": write failed (disk full?)");
    }
  });
}

} // namespace ws::app
