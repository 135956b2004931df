#include "core/json_fields.h"

#include "core/format_error.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>

namespace ws::core {
namespace {

using nlohmann::json;

std::string rangeProblem(std::string_view field, const std::string& min, const std::string& max,
                         const std::string& got) {
  return fmt::format("field '{}' must be {} .. {}, got {}", field, min, max, got);
}

const json* findField(const json& object, std::string_view field) {
  if (!object.is_object()) {
    return nullptr;
  }
  const auto it = object.find(field);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

} // namespace

bool jsonNestsDeeperThan(std::string_view text, int maxDepth) {
  int depth = 0;
  bool inString = false;
  bool escaped = false;
  for (const char c : text) {
    if (inString) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        inString = false;
      }
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > maxDepth) {
        return true;
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

json readJsonFile(const std::filesystem::path& path, uint64_t maxBytes) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    throw FormatError(path, std::string("cannot open: ") + std::strerror(errno));
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    throw FormatError(path, "is not a regular file");
  }
  if (uint64_t(info.st_size) > maxBytes) {
    ::close(fd);
    throw FormatError(path, fmt::format("is {} bytes, larger than the {} bytes a data file may be",
                                        info.st_size, maxBytes));
  }
  std::string text(size_t(info.st_size), '\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::read(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      const int err = n < 0 ? errno : 0;
      ::close(fd);
      throw FormatError(path, err ? std::string("cannot read: ") + std::strerror(err)
                                  : std::string("changed size while being read"));
    }
    done += size_t(n);
  }
  ::close(fd);
  if (jsonNestsDeeperThan(text)) {
    throw FormatError(path,
                      fmt::format("nests arrays or objects deeper than {} levels", kMaxJsonDepth));
  }
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw FormatError(path, e.byte > 0 ? std::optional<uint64_t>(e.byte - 1) : std::nullopt,
                      "invalid JSON");
  } catch (const json::out_of_range&) {
    // 27e648: found by fuzz_json (libFuzzer).
    throw FormatError(path, "invalid JSON: a number is out of range");
  }
}

double checkNumberInRange(double value, std::string_view field, double min, double max,
                          const std::filesystem::path& file) {
  if (!(value >= min && value <= max)) { // NaN fails both
    throw FormatError(file, rangeProblem(field, fmt::format("{:g}", min), fmt::format("{:g}", max),
                                         fmt::format("{:g}", value)));
  }
  return value;
}

uint64_t checkCountInRange(uint64_t value, std::string_view field, uint64_t min, uint64_t max,
                           const std::filesystem::path& file) {
  if (value < min || value > max) {
    throw FormatError(
        file, rangeProblem(field, std::to_string(min), std::to_string(max), std::to_string(value)));
  }
  return value;
}

double requireNumberInRange(const json& object, std::string_view field, double min, double max,
                            const std::filesystem::path& file, std::optional<double> fallback) {
  const json* v = findField(object, field);
  if (v == nullptr) {
    if (fallback) {
      return *fallback;
    }
    throw FormatError(file, fmt::format("missing field '{}' ({:g} .. {:g})", field, min, max));
  }
  if (!v->is_number()) {
    throw FormatError(file, fmt::format("field '{}' must be a number ({:g} .. {:g}), got {}", field,
                                        min, max, v->type_name()));
  }
  return checkNumberInRange(v->get<double>(), field, min, max, file);
}

uint64_t requireCountInRange(const json& object, std::string_view field, uint64_t min, uint64_t max,
                             const std::filesystem::path& file, std::optional<uint64_t> fallback) {
  const json* v = findField(object, field);
  if (v == nullptr) {
    if (fallback) {
      return *fallback;
    }
    throw FormatError(file, fmt::format("missing field '{}' ({} .. {})", field, min, max));
  }
  if (v->is_number_unsigned()) {
    return checkCountInRange(v->get<uint64_t>(), field, min, max, file);
  }
  const std::string got = v->is_number() ? v->dump() : std::string(v->type_name());
  throw FormatError(file, rangeProblem(field, std::to_string(min), std::to_string(max),
                                       v->is_number() ? got : "a " + got));
}

} // namespace ws::core
