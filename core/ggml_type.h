#pragma once
// ggml's tensor element types with their numeric ids as stored in GGUF files,
// and the block geometry of each (how many elements share one block, and the
// block's size in bytes), from ggml.h / ggml.c's type traits.
#include <cstdint>
#include <optional>
#include <string_view>

namespace ws::core {

enum class GgmlType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  // 4 and 5 were Q4_2 and Q4_3, removed from ggml.
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  // 31-33 were the Q4_0_4_4/4_8/8_8 repacked types, removed from ggml.
  TQ1_0 = 34,
  TQ2_0 = 35,
  // 36-38 were the IQ4_NL_4_4/4_8/8_8 repacked types, removed from ggml.
  MXFP4 = 39,
};

// The type for a raw id read from a file, or nullopt for an id ggml does not define.
std::optional<GgmlType> ggmlTypeFromId(uint32_t id);
// "F32", "Q4_K", ... as ggml names them.
std::string_view ggmlTypeName(GgmlType type);
// The type named by ggmlTypeName (case-insensitive), or nullopt.
std::optional<GgmlType> ggmlTypeFromName(std::string_view name);
// Elements per block (1 for plain types, 32 for Q8_0, 256 for k-quants).
uint64_t ggmlBlockSize(GgmlType type);
// Bytes per block.
uint64_t ggmlBlockBytes(GgmlType type);
// Average storage per element, e.g. 1.0625 for Q8_0 (34 bytes / 32 elements).
double ggmlBytesPerElement(GgmlType type);
// Bytes of a row of n elements. Throws std::invalid_argument when n is not a
// multiple of the block size and std::overflow_error when the size overflows.
uint64_t rowBytes(GgmlType type, uint64_t n);
// True for the types dequantizeRow decodes: F32, F16, BF16, Q8_0, Q4_0, the
// k-quants Q2_K..Q6_K, and Q4_1, Q5_0, Q5_1 (llama.cpp's Q4_K_M files use
// Q5_0 for rows too short for 256-element k-quant blocks).
bool isSupportedForCompute(GgmlType type);

} // namespace ws::core
