#include "core/ggml_type.h"

#include <array>
#include <limits>
#include <stdexcept>
#include <string>

namespace ws::core {
namespace {

struct TypeTraits {
  GgmlType type;
  std::string_view name;
  uint64_t blockSize;
  uint64_t blockBytes;
};

// Block geometry from ggml-common.h's block_* structs (QK_K = 256).
constexpr std::array kTraits = {
    TypeTraits{GgmlType::F32, "F32", 1, 4},
    TypeTraits{GgmlType::F16, "F16", 1, 2},
    TypeTraits{GgmlType::Q4_0, "Q4_0", 32, 2 + 16},
    TypeTraits{GgmlType::Q4_1, "Q4_1", 32, 2 + 2 + 16},
    TypeTraits{GgmlType::Q5_0, "Q5_0", 32, 2 + 4 + 16},
    TypeTraits{GgmlType::Q5_1, "Q5_1", 32, 2 + 2 + 4 + 16},
    TypeTraits{GgmlType::Q8_0, "Q8_0", 32, 2 + 32},
    TypeTraits{GgmlType::Q8_1, "Q8_1", 32, 2 + 2 + 32},
    TypeTraits{GgmlType::Q2_K, "Q2_K", 256, 16 + 64 + 2 + 2},
    TypeTraits{GgmlType::Q3_K, "Q3_K", 256, 32 + 64 + 12 + 2},
    TypeTraits{GgmlType::Q4_K, "Q4_K", 256, 2 + 2 + 12 + 128},
    TypeTraits{GgmlType::Q5_K, "Q5_K", 256, 2 + 2 + 12 + 32 + 128},
    TypeTraits{GgmlType::Q6_K, "Q6_K", 256, 128 + 64 + 16 + 2},
    TypeTraits{GgmlType::Q8_K, "Q8_K", 256, 4 + 256 + 32},
    TypeTraits{GgmlType::IQ2_XXS, "IQ2_XXS", 256, 2 + 64},
    TypeTraits{GgmlType::IQ2_XS, "IQ2_XS", 256, 2 + 64 + 8},
    TypeTraits{GgmlType::IQ3_XXS, "IQ3_XXS", 256, 2 + 96},
    TypeTraits{GgmlType::IQ1_S, "IQ1_S", 256, 2 + 32 + 16},
    TypeTraits{GgmlType::IQ4_NL, "IQ4_NL", 32, 2 + 16},
    TypeTraits{GgmlType::IQ3_S, "IQ3_S", 256, 2 + 64 + 8 + 32 + 4},
    TypeTraits{GgmlType::IQ2_S, "IQ2_S", 256, 2 + 64 + 8 + 8},
    TypeTraits{GgmlType::IQ4_XS, "IQ4_XS", 256, 2 + 2 + 4 + 128},
    TypeTraits{GgmlType::I8, "I8", 1, 1},
    TypeTraits{GgmlType::I16, "I16", 1, 2},
    TypeTraits{GgmlType::I32, "I32", 1, 4},
    TypeTraits{GgmlType::I64, "I64", 1, 8},
    TypeTraits{GgmlType::F64, "F64", 1, 8},
    TypeTraits{GgmlType::IQ1_M, "IQ1_M", 256, 32 + 16 + 8},
    TypeTraits{GgmlType::BF16, "BF16", 1, 2},
    TypeTraits{GgmlType::TQ1_0, "TQ1_0", 256, 48 + 4 + 2},
    TypeTraits{GgmlType::TQ2_0, "TQ2_0", 256, 64 + 2},
    TypeTraits{GgmlType::MXFP4, "MXFP4", 32, 1 + 16},
};

const TypeTraits& traits(GgmlType type) {
  for (const auto& t : kTraits) {
    if (t.type == type) {
      return t;
    }
  }
  throw std::invalid_argument("unknown ggml type id " +
                              std::to_string(static_cast<uint32_t>(type)));
}

} // namespace

std::optional<GgmlType> ggmlTypeFromId(uint32_t id) {
  for (const auto& t : kTraits) {
    if (static_cast<uint32_t>(t.type) == id) {
      return t.type;
    }
  }
  return std::nullopt;
}

std::string_view ggmlTypeName(GgmlType type) {
  return traits(type).name;
}

std::optional<GgmlType> ggmlTypeFromName(std::string_view name) {
  for (const auto& t : kTraits) {
    if (t.name.size() != name.size()) {
      continue;
    }
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i) {
      const char a = name[i] >= 'a' && name[i] <= 'z' ? static_cast<char>(name[i] - 32) : name[i];
      same = a == t.name[i];
    }
    if (same) {
      return t.type;
    }
  }
  return std::nullopt;
}

uint64_t ggmlBlockSize(GgmlType type) {
  return traits(type).blockSize;
}

uint64_t ggmlBlockBytes(GgmlType type) {
  return traits(type).blockBytes;
}

double ggmlBytesPerElement(GgmlType type) {
  const auto& t = traits(type);
  return static_cast<double>(t.blockBytes) / static_cast<double>(t.blockSize);
}

uint64_t rowBytes(GgmlType type, uint64_t n) {
  const auto& t = traits(type);
  if (n % t.blockSize != 0) {
    throw std::invalid_argument(std::to_string(n) + " elements of " + std::string(t.name) +
                                " is not a multiple of its block size " +
                                std::to_string(t.blockSize));
  }
  const uint64_t blocks = n / t.blockSize;
  if (blocks > std::numeric_limits<uint64_t>::max() / t.blockBytes) {
    throw std::overflow_error("row of " + std::to_string(n) + " " + std::string(t.name) +
                              " elements overflows 64 bits");
  }
  return blocks * t.blockBytes;
}

bool isSupportedForCompute(GgmlType type) {
  switch (type) {
  case GgmlType::F32:
  case GgmlType::F16:
  case GgmlType::BF16:
  case GgmlType::Q8_0:
  case GgmlType::Q4_0:
  case GgmlType::Q4_1:
  case GgmlType::Q5_0:
  case GgmlType::Q5_1:
  case GgmlType::Q2_K:
  case GgmlType::Q3_K:
  case GgmlType::Q4_K:
  case GgmlType::Q5_K:
  case GgmlType::Q6_K:
    return true;
  default:
    return false;
  }
}

} // namespace ws::core
