#include "core/unicode.h"

#include "core/unicode_tables.h"

#include <algorithm>
#include <array>

namespace ws::core::unicode {
namespace {

uint8_t lookupFlags(uint32_t cp) {
  if (cp > 0x10FFFF) {
    return 0;
  }
  const auto ranges = kCodepointRanges;
  // The first entry whose start is past cp, then step back to cp's range.
  const auto it = std::upper_bound(ranges.begin(), ranges.end(), cp,
                                   [](uint32_t c, uint32_t entry) { return c < (entry >> 8); });
  return static_cast<uint8_t>(*(it - 1) & 0xFFu);
}

// Most tokenizer input is ASCII: those flags come from a flat table.
const std::array<uint8_t, 128> kAsciiFlags = [] {
  std::array<uint8_t, 128> table{};
  for (uint32_t cp = 0; cp < table.size(); ++cp) {
    table[cp] = lookupFlags(cp);
  }
  return table;
}();

} // namespace

uint8_t codepointFlags(uint32_t cp) {
  return cp < kAsciiFlags.size() ? kAsciiFlags[cp] : lookupFlags(cp);
}

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t utf8SequenceLength(uint8_t lead) {
  if (lead < 0x80) {
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    return 2;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    return 4;
  }
  return 0;
}

bool isValidUtf8(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    const Utf8Char c = decodeUtf8(text, pos);
    if (!c.valid) {
      return false;
    }
    pos += c.length;
  }
  return true;
}

} // namespace ws::core::unicode
