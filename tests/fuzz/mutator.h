#pragma once
// Seeded, reproducible mutations of seed files: case i of seed S is always the
// same bytes, so a failure is replayed from its numbers alone.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace ws::fuzz {

class Mutator {
public:
  explicit Mutator(uint64_t seed) : m_random(seed) {}

  // 1 to 4 byte-level edits: bit flips, random bytes, hostile 4- and 8-byte
  // integers (counts, lengths, offsets: 0, 2^31, 2^32, 2^63, 2^64 - 1, ...)
  // with a bias to the first 4 KB where headers live, truncation, and chunks
  // deleted, duplicated or spliced from `other`.
  std::string mutateBytes(const std::string& seed, const std::string& other);

  // Structural edits of a JSON document: a value replaced by a hostile number
  // or another type, a key removed or added, deep nesting, a long string;
  // then, some of the time, byte-level edits of the text.
  std::string mutateJson(const std::string& seed, const std::string& other);

  uint64_t below(uint64_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<uint64_t>(0, n - 1)(m_random);
  }

private:
  void editBytes(std::string& bytes, const std::string& other);

  std::mt19937_64 m_random;
};

} // namespace ws::fuzz
