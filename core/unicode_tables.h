#pragma once
// The generated Unicode data (core/unicode_tables.cpp, written by
// tools/gen_unicode_tables.py). Use the lookups in core/unicode.h.
#include <cstdint>
#include <span>
#include <string_view>

namespace ws::core::unicode {

// Sorted (first code point << 8) | CodepointFlag bits; entry i covers code
// points up to the next entry's first one, the last runs to U+10FFFF.
extern const std::span<const uint32_t> kCodepointRanges;
// The Unicode version of the data, e.g. "14.0.0".
extern const std::string_view kUnicodeVersion;

} // namespace ws::core::unicode
