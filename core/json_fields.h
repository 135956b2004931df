#pragma once
// Checked reads of JSON data files (model cards, chip specs, GPU baselines,
// ...). Every problem is one FormatError naming the file, the field and, for
// numbers, the allowed range:
//   "card.json: field 'hidden_size' must be 1 .. 1048576, got 9223372036854775808"
// Ranges are physical bounds (no zero, negative or NaN sizes, clocks or rates)
// chosen so that products of the fields stay exact in 64 bits.
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace ws::core {

// Data files are a few KB; anything larger is not one.
inline constexpr uint64_t kMaxJsonFileBytes = uint64_t(1) << 20;

// Arrays and objects nested deeper than this are refused: no data file needs
// it, and writing such a value back out recurses once per level (a sweep file
// nested 100,000 deep overflowed the stack; found by Fuzz.Sweeps under ASan).
inline constexpr int kMaxJsonDepth = 64;

// True when `text` opens more than `maxDepth` arrays or objects inside each
// other (brackets inside strings do not count).
bool jsonNestsDeeperThan(std::string_view text, int maxDepth = kMaxJsonDepth);

// Parses a whole JSON file. Throws FormatError when the path is not a regular
// file, cannot be read, is larger than maxBytes, nests deeper than
// kMaxJsonDepth or is not valid JSON.
nlohmann::json readJsonFile(const std::filesystem::path& path,
                            uint64_t maxBytes = kMaxJsonFileBytes);

// `value` when it is finite and in [min, max]; FormatError otherwise.
double checkNumberInRange(double value, std::string_view field, double min, double max,
                          const std::filesystem::path& file);
uint64_t checkCountInRange(uint64_t value, std::string_view field, uint64_t min, uint64_t max,
                           const std::filesystem::path& file);

// object[field] as a finite number in [min, max]. A missing (or null) field is
// an error unless a fallback is given; any other type is an error.
double requireNumberInRange(const nlohmann::json& object, std::string_view field, double min,
                            double max, const std::filesystem::path& file,
                            std::optional<double> fallback = std::nullopt);
// object[field] as a whole number in [min, max] (4096.0 and -1 are errors).
uint64_t requireCountInRange(const nlohmann::json& object, std::string_view field, uint64_t min,
                             uint64_t max, const std::filesystem::path& file,
                             std::optional<uint64_t> fallback = std::nullopt);

} // namespace ws::core
