#pragma once
// UTF-8 decoding and Unicode character classes for the tokenizers. The class
// data is generated (core/unicode_tables.cpp by tools/gen_unicode_tables.py).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ws::core::unicode {

// The major general category of a code point (one bit each; unassigned code
// points have none) plus the White_Space property.
enum CodepointFlag : uint8_t {
  kLetter = 1,      // \p{L}
  kNumber = 2,      // \p{N}
  kPunctuation = 4, // \p{P}
  kSymbol = 8,      // \p{S}
  kMark = 16,       // \p{M}
  kSeparator = 32,  // \p{Z}
  kOther = 64,      // \p{C} except unassigned
  kWhitespace = 128 // White_Space, what regex \s matches
};

// Flags of a code point; 0 for unassigned ones and for values past U+10FFFF.
uint8_t codepointFlags(uint32_t cp);

// What decodeUtf8 reads at one position.
struct Utf8Char {
  uint32_t cp = 0;     // the code point, or the byte itself when !valid
  uint32_t length = 1; // bytes consumed (1 for an invalid byte)
  bool valid = true;
};

// Decodes the character at text[pos] (pos < text.size()). Overlong forms,
// surrogates, values past U+10FFFF, stray continuation bytes and truncated
// sequences are invalid: they consume one byte.
inline Utf8Char decodeUtf8(std::string_view text, size_t pos) {
  const auto b0 = static_cast<uint8_t>(text[pos]);
  if (b0 < 0x80) {
    return {b0, 1, true};
  }
  const size_t left = text.size() - pos;
  auto cont = [&](size_t i) { return static_cast<uint8_t>(text[pos + i]) ^ 0x80u; };
  const Utf8Char invalid{b0, 1, false};
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (left < 2 || cont(1) > 0x3F) {
      return invalid;
    }
    return {((b0 & 0x1Fu) << 6) | cont(1), 2, true};
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (left < 3 || cont(1) > 0x3F || cont(2) > 0x3F) {
      return invalid;
    }
    const uint32_t cp = ((b0 & 0x0Fu) << 12) | (cont(1) << 6) | cont(2);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return invalid;
    }
    return {cp, 3, true};
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (left < 4 || cont(1) > 0x3F || cont(2) > 0x3F || cont(3) > 0x3F) {
      return invalid;
    }
    const uint32_t cp = ((b0 & 0x07u) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3);
    if (cp < 0x10000 || cp > 0x10FFFF) {
      return invalid;
    }
    return {cp, 4, true};
  }
  return invalid;
}

// Appends the UTF-8 form of cp (cp <= U+10FFFF).
void appendUtf8(std::string& out, uint32_t cp);

// The number of bytes a UTF-8 sequence starting with `lead` has (1 to 4), or
// 0 when `lead` cannot start one (a continuation byte, 0xC0, 0xC1, 0xF5..0xFF).
size_t utf8SequenceLength(uint8_t lead);

// True when text is entirely valid UTF-8.
bool isValidUtf8(std::string_view text);

} // namespace ws::core::unicode
