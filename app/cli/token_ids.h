#pragma once
// Parsing of the --ids option shared by the generate and logits commands.
#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace ws::cli {

// "1 2 3" or "1,2,3" -> {1, 2, 3}. Throws std::invalid_argument naming the
// offending text.
inline std::vector<int32_t> parseTokenIds(const std::string& text) {
  std::vector<int32_t> ids;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ' || text[i] == ',' || text[i] == '\t' || text[i] == '\n') {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && text[end] != ' ' && text[end] != ',' && text[end] != '\t' &&
           text[end] != '\n') {
      ++end;
    }
    int32_t id = 0;
    const auto [ptr, ec] = std::from_chars(text.data() + i, text.data() + end, id);
    if (ec != std::errc() || ptr != text.data() + end || id < 0) {
      throw std::invalid_argument("--ids: '" + text.substr(i, end - i) +
                                  "' is not a token id (a non-negative integer)");
    }
    ids.push_back(id);
    i = end;
  }
  if (ids.empty()) {
    throw std::invalid_argument("--ids: no token ids given");
  }
  return ids;
}

} // namespace ws::cli
