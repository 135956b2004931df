#pragma once
// Dot products of k-quant weight rows (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K: 256
// elements per super-block) with activations quantised to ggml's Q8_K, as
// llama.cpp's ggml_vec_dot_qN_K_q8_K computes them: per super-block an exact
// integer sum of scale * quant * activation over its 16- or 32-element
// sub-blocks, scaled once by the two float scales. A portable kernel and an
// AVX2 one (chosen at run time) give the same integer sums.
#include "core/ggml_type.h"
#include "core/tensor_ops.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ws::core {

// True for Q2_K .. Q6_K.
bool isKQuant(GgmlType type);

// Activations as ggml's block_q8_K: per 256 elements a float scale d, 256
// int8 quants and the sums of each 16 quants.
struct Q8KView {
  const int8_t* q = nullptr;
  const float* d = nullptr;
  const int16_t* sums = nullptr;
};

struct Q8KBuffer {
  std::vector<int8_t> q;
  std::vector<float> d;
  std::vector<int16_t> sums;
  Q8KView view() const { return {q.data(), d.data(), sums.data()}; }
};

// ggml's quantize_row_q8_K_ref: d = -max / 127 for the element of largest
// magnitude, q = round-to-nearest-even(x / d) capped at 127. x.size() must be
// a multiple of 256.
void quantizeRowQ8_K(std::span<const float> x, Q8KBuffer& out);

// The dot products of one row of `blocks` super-blocks of `type` with
// `count` activation vectors: out[t] = row . x[t]. Q4_K, Q5_K and Q6_K unpack
// each super-block once for up to four vectors (the prompt's matrix-matrix
// products); every vector gets the same arithmetic whatever `count` is.
void dotKQuantRows(GgmlType type, const std::byte* row, const Q8KView* x, int count, int64_t blocks,
                   KernelIsa isa, float* out);
// dotKQuantRows for one vector.
float dotKQuantRow(GgmlType type, const std::byte* row, const Q8KView& x, int64_t blocks,
                   KernelIsa isa);

// Encodes n floats (a multiple of 256) as `type` into dst (rowBytes(type, n)
// bytes). Sub-block scales (and mins for Q2_K, Q4_K, Q5_K) from each
// sub-block's range, quantised to the type's 4-, 6- or 8-bit scale codes
// against the super-block's fp16 scale; quants rounded to nearest. A plain
// range quantiser, not llama.cpp's error-minimising search: for test and
// benchmark files, whose decoded values are what the engine must reproduce.
void quantizeKQuantRow(GgmlType type, const float* src, std::byte* dst, int64_t n);

// Decodes n elements (a multiple of 256) of a k-quant row to float, as
// ggml's dequantize_row_qN_K: d * scale * q - dmin * min.
void dequantizeKQuantRow(GgmlType type, const std::byte* row, float* out, int64_t n);

} // namespace ws::core
