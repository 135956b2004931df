#pragma once
// Strict UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF), shared by the file readers that must reject invalid text.
#include <cstddef>
#include <optional>
#include <string_view>

namespace ws::core {

// The byte index of the first invalid sequence, or nullopt when valid.
std::optional<size_t> findInvalidUtf8(std::string_view text);

} // namespace ws::core
