#pragma once
// The one error type every file reader in core/ throws for bad input: it names
// the file, where in it (when known) and what is wrong, on one line.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace ws::core {

class FormatError : public std::runtime_error {
public:
  // what() = "FILE: at byte N: PROBLEM", or "FILE: PROBLEM" without an offset.
  FormatError(const std::filesystem::path& file, std::optional<uint64_t> offset,
              const std::string& problem);
  FormatError(const std::filesystem::path& file, const std::string& problem);

  const std::filesystem::path& file() const { return m_file; }
  std::optional<uint64_t> offset() const { return m_offset; }
  const std::string& problem() const { return m_problem; }

private:
  std::filesystem::path m_file;
  std::optional<uint64_t> m_offset;
  std::string m_problem;
};

} // namespace ws::core
