#include "tests/fuzz/mutator.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <limits>

namespace ws::fuzz {
namespace {

using nlohmann::json;

constexpr uint64_t kHostileIntegers[] = {0,
                                         1,
                                         2,
                                         255,
                                         0x7fff,
                                         0xffff,
                                         0x7fffffff,
                                         0x80000000,
                                         0xffffffff,
                                         uint64_t(1) << 32,
                                         uint64_t(1) << 40,
                                         (uint64_t(1) << 62) + 1,
                                         uint64_t(1) << 63,
                                         std::numeric_limits<uint64_t>::max() - 7,
                                         std::numeric_limits<uint64_t>::max()};

// Numbers and values that have broken readers: zero, negatives, huge, tiny,
// non-integers where counts are expected, and other JSON types.
const char* const kHostileJson[] = {"0",
                                    "-1",
                                    "-0.0",
                                    "0.5",
                                    "1e-320",
                                    "1e308",
                                    "-1e308",
                                    "2147483648",
                                    "4294967296",
                                    "9223372036854775807",
                                    "9223372036854775808",
                                    "18446744073709551615",
                                    "18446744073709551616",
                                    "1e30",
                                    "null",
                                    "true",
                                    "\"\"",
                                    "\"NaN\"",
                                    "[]",
                                    "{}",
                                    "[1, 2, 3]",
                                    "{\"value\": 1}"};

constexpr const char* kDeepMarker = "@@deep nesting@@";

// Every value in the document, by pointer.
void collect(json& value, std::vector<json*>& out) {
  out.push_back(&value);
  if (value.is_object() || value.is_array()) {
    for (auto& child : value) {
      collect(child, out);
    }
  }
}

} // namespace

void Mutator::editBytes(std::string& bytes, const std::string& other) {
  const int edits = 1 + int(below(4));
  for (int e = 0; e < edits; ++e) {
    if (bytes.empty()) {
      bytes = other.substr(0, size_t(below(64)));
      continue;
    }
    // Headers (counts, lengths, offsets) are at the front: half the edits go there.
    const size_t span = below(2) ? std::min<size_t>(bytes.size(), 4096) : bytes.size();
    const size_t at = size_t(below(span));
    switch (below(8)) {
    case 0:
      bytes[at] = char(uint8_t(bytes[at]) ^ uint8_t(1u << below(8)));
      break;
    case 1:
      bytes[at] = char(below(256));
      break;
    case 2:
    case 3: {
      const uint64_t v = kHostileIntegers[below(std::size(kHostileIntegers))];
      const size_t width = below(2) ? 8 : 4;
      const size_t pos =
          std::min(at & ~size_t(3), bytes.size() >= width ? bytes.size() - width : 0);
      std::memcpy(bytes.data() + pos, &v, std::min(width, bytes.size() - pos));
      break;
    }
    case 4:
      bytes.resize(size_t(below(bytes.size())));
      break;
    case 5: {
      const size_t n = size_t(below(std::min<size_t>(bytes.size() - at, 256) + 1));
      bytes.erase(at, n);
      break;
    }
    case 6: {
      const size_t n = size_t(below(std::min<size_t>(bytes.size() - at, 256) + 1));
      bytes.insert(at, bytes.substr(at, n));
      break;
    }
    default: {
      if (!other.empty()) {
        const size_t from = size_t(below(other.size()));
        const size_t n = size_t(below(std::min<size_t>(other.size() - from, 512) + 1));
        bytes.replace(at, std::min(n, bytes.size() - at), other.substr(from, n));
      }
      break;
    }
    }
  }
}

std::string Mutator::mutateBytes(const std::string& seed, const std::string& other) {
  std::string bytes = seed;
  editBytes(bytes, other);
  return bytes;
}

std::string Mutator::mutateJson(const std::string& seed, const std::string& other) {
  json doc = json::parse(seed, nullptr, false);
  if (doc.is_discarded()) {
    return mutateBytes(seed, other);
  }
  const int edits = 1 + int(below(3));
  for (int e = 0; e < edits; ++e) {
    std::vector<json*> values;
    collect(doc, values);
    json& target = *values[size_t(below(values.size()))];
    switch (below(7)) {
    case 0:
    case 1:
    case 2:
      target = json::parse(kHostileJson[below(std::size(kHostileJson))]);
      break;
    case 3:
      if (target.is_object() && !target.empty()) {
        auto it = target.begin();
        std::advance(it, ptrdiff_t(below(target.size())));
        target.erase(it);
      } else if (target.is_object()) {
        target["unexpected_key"] = 1;
      }
      break;
    case 4:
      // Deep nesting (recursion in readers or destructors), spliced into the
      // text below: building it as a json value would recurse here.
      target = kDeepMarker;
      break;
    case 5:
      target = std::string(size_t(below(100000)), char('a' + below(26)));
      break;
    default:
      if (target.is_number() || target.is_string()) {
        target = json::array({target, target});
      } else {
        target = json::parse(kHostileJson[below(std::size(kHostileJson))]);
      }
      break;
    }
  }
  std::string text = doc.dump(below(2) ? 2 : -1);
  const std::string marker = json(kDeepMarker).dump();
  for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker)) {
    const size_t depth = 2000 + size_t(below(20000));
    text.replace(at, marker.size(), std::string(depth, '[') + std::string(depth, ']'));
  }
  if (below(4) == 0) {
    editBytes(text, other);
  }
  return text;
}

} // namespace ws::fuzz
