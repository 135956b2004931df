#pragma once
// Internal to core/: the AVX-512 VNNI kernels of matvec.cpp and kquant.cpp
// (KernelIsa::Avx512Vnni) and the quantised activations they share with the
// portable and AVX2 kernels. The kernels live in avx512_kernels.cpp, the
// only code built for AVX-512 (per-function target attributes, so the rest
// of the library stays baseline x86-64); they run only where cpuSupports()
// found AVX-512 F, BW, VL and VNNI and the OS saving the zmm state.
//
// Each returns false, doing nothing, for a type it has no kernel for; the
// caller then runs the AVX2 one. Their integer sums are exactly the AVX2
// kernels' (the same products, summed without saturation); only the order in
// which the scaled block sums are added in float differs.
#include "core/ggml_type.h"
#include "core/kquant.h"

#include <cstddef>
#include <cstdint>

namespace ws::core {

// An activation vector quantised to 8 bits per 32-element block, as ggml's
// quantize_row_q8_0 / q8_1 do, and the forms the AVX-512 kernels read.
struct QuantizedInput {
  const int8_t* q = nullptr; // 32 quants per block
  const float* d = nullptr;  // per block: the scale (fp16-rounded)
  const float* s = nullptr;  // per block: d * sum(q), fp16-rounded (Q4_1 / Q5_1)
  // The AVX-512 forms: q + 128 as unsigned bytes; per block d eight times;
  // per four quants (an int32 lane of vpdpbusd) -8 and -16 times their sum,
  // the bias terms of Q4_0 and Q5_0.
  const uint8_t* biased = nullptr;
  const float* dLanes = nullptr;
  const int32_t* minus8Sums = nullptr;
  const int32_t* minus16Sums = nullptr;
};

namespace avx512 {

// The most inputs dotBlockRows takes in one pass over a row (32 registers
// hold eight accumulators and the shared unpacked weights); more are split.
inline constexpr int kMaxTokens = 8;

// out[t] = row . in[t] for t < count, `blocks` 32-element blocks of Q8_0,
// Q4_0, Q4_1, Q5_0 or Q5_1; the inputs need their AVX-512 forms.
bool dotBlockRows(GgmlType type, const std::byte* row, const QuantizedInput* in, int count,
                  int64_t blocks, float* out);

// out[r] = row r . in for r < rows, row r at first + r * stride, `cols`
// columns of a 32-element block type (against `in`) or a k-quant (against
// `k`): matvec's rows, the type looked up once for all of them.
bool dotRowRange(GgmlType type, const std::byte* first, uint64_t stride, int64_t rows,
                 const QuantizedInput& in, const Q8KView& k, int64_t cols, float* out);

// out[t] = row . x[t] for t < count, `blocks` super-blocks of Q2_K, Q3_K,
// Q4_K, Q5_K or Q6_K against Q8_K activations.
bool dotKQuantRows(GgmlType type, const uint8_t* row, const Q8KView* x, int count, int64_t blocks,
                   float* out);

} // namespace avx512
} // namespace ws::core
