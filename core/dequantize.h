#pragma once
// Conversion of ggml-encoded rows to float, following ggml's published block
// layouts (ggml-common.h, ggml-quants.c), plus the scalar half/bfloat16
// conversions and the Q8_0 quantiser the GGUF converter writes with.
#include "core/ggml_type.h"

#include <cstdint>

namespace ws::core {

// IEEE 754 binary16 <-> float. floatToHalf rounds to nearest even and keeps
// infinities and NaN.
float halfToFloat(uint16_t bits);
uint16_t floatToHalf(float value);
// bfloat16 <-> float. floatToBfloat16 rounds to nearest even (as ggml does)
// and keeps NaN a NaN.
float bfloat16ToFloat(uint16_t bits);
uint16_t floatToBfloat16(float value);

// Decodes n elements of `type` from src into dst. n must be a multiple of the
// type's block size and the type one of isSupportedForCompute(); otherwise
// throws std::invalid_argument. src holds rowBytes(type, n) bytes.
void dequantizeRow(GgmlType type, const void* src, float* dst, int64_t n);

// Encodes n floats (a multiple of 32) as Q8_0 blocks into dst, which holds
// rowBytes(GgmlType::Q8_0, n) bytes: per block d = max|x| / 127 (as fp16) and
// q = round(x / d), as ggml's quantize_row_q8_0_ref.
void quantizeRowQ8_0(const float* src, void* dst, int64_t n);

// Encodes n floats (a multiple of 32) as Q5_0 or Q5_1 blocks, as ggml's
// quantize_row_q5_0_ref (d = signed max / -16, q = x / d + 16.5 truncated,
// capped at 31) and quantize_row_q5_1_ref (d = (max - min) / 31, m = min,
// q = (x - m) / d + 0.5 truncated, capped at 31).
void quantizeRowQ5_0(const float* src, void* dst, int64_t n);
void quantizeRowQ5_1(const float* src, void* dst, int64_t n);

} // namespace ws::core
