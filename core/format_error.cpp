#include "core/format_error.h"

namespace ws::core {
namespace {

std::string describe(const std::filesystem::path& file, std::optional<uint64_t> offset,
                     const std::string& problem) {
  std::string text = file.string() + ": ";
  if (offset) {
    text += "at byte " + std::to_string(*offset) + ": ";
  }
  // A message is one line: a newline inside a hostile string would split it.
  for (char c : problem) {
    text += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return text;
}

} // namespace

FormatError::FormatError(const std::filesystem::path& file, std::optional<uint64_t> offset,
                         const std::string& problem)
    : std::runtime_error(describe(file, offset, problem)), m_file(file), m_offset(offset),
      m_problem(problem) {}

FormatError::FormatError(const std::filesystem::path& file, const std::string& problem)
    : FormatError(file, std::nullopt, problem) {}

} // namespace ws::core
