#pragma once
// y = W x with W used in place in the mapped model file, in its stored
// encoding. Three families of kernels:
//  - float kernels (F32, F16, BF16): x stays float;
//  - integer kernels (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0): x is first quantised to
//    8 bits per 32-element block, as llama.cpp does (Q8_0, or Q8_1 with block
//    sums for the offset types), and each weight block is dotted with the
//    matching activation block in integers, then scaled;
//  - k-quant kernels (Q2_K..Q6_K, core/kquant.h): x is quantised to Q8_K, 8
//    bits per 256-element block with 16-element sums, as llama.cpp does.
// Rows are spread over the ThreadPool; the kernels have a portable variant,
// an AVX2/FMA/F16C one and for the integer and k-quant types an AVX-512 VNNI
// one, chosen at run time (activeKernelIsa()).
#include "core/ggml_type.h"
#include "core/kquant.h"
#include "core/thread_pool.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ws::core {

// A row-major matrix view: `rows` rows of `cols` elements, each row
// rowBytes(type, cols) bytes, starting at `data`.
struct WeightMatrix {
  GgmlType type = GgmlType::F32;
  int64_t rows = 0;
  int64_t cols = 0;
  const std::byte* data = nullptr;

  uint64_t rowStride() const { return rowBytes(type, static_cast<uint64_t>(cols)); }
  const std::byte* row(int64_t index) const {
    return data + static_cast<uint64_t>(index) * rowStride();
  }
};

// True for the weight types matvec() and decodeRow() accept.
bool isMatvecSupported(GgmlType type);
// Those types by name, for messages: "F32, F16, ...".
std::string matvecTypeNames();

// Decodes one row of W into `out` (cols floats): used for embedding lookups.
void decodeRow(const WeightMatrix& w, int64_t row, std::span<float> out);

// Reusable buffers of one caller (the quantised activation vector).
struct MatvecScratch {
  std::vector<int8_t> quants;
  std::vector<float> scales;  // per 32-element block: d
  std::vector<float> offsets; // per block: d * sum(q), for the Q4_1/Q5_1 kernels
  // For the AVX-512 kernels: q + 128, d eight times per block, -8 and -16
  // times each four quants' sum.
  std::vector<uint8_t> biased;
  std::vector<float> scaleLanes;
  std::vector<int32_t> minus8Sums;
  std::vector<int32_t> minus16Sums;
  Q8KBuffer kQuants; // x as Q8_K, for the k-quant kernels
};

// y[r] = sum_c W[r][c] * x[c] for every row r. x.size() == cols, y.size() == rows.
// Throws std::invalid_argument for an unsupported type or mismatched sizes.
void matvec(const WeightMatrix& w, std::span<const float> x, std::span<float> y, ThreadPool& pool,
            MatvecScratch& scratch);

// One product of a batch: y = weights x.
struct MatvecProduct {
  const WeightMatrix& weights;
  std::span<float> y;
};

// Several products of the same x (Q, K and V; gate and up) in one pass over
// the pool: x is quantised once and the threads meet once. The matrices may
// differ in type and row count; all have x.size() columns.
void matvecBatch(std::span<const MatvecProduct> products, std::span<const float> x,
                 ThreadPool& pool, MatvecScratch& scratch);

// One product of a token batch: row t of Y (t < tokens) = weights x_t, row t
// starting at y + t * yStride.
struct MatmulProduct {
  const WeightMatrix& weights;
  float* y;
  size_t yStride;
};

// Several products of the same `tokens` input vectors (x_t at x + t * xStride,
// cols floats each): the matrix-matrix form for prompts. Each input is
// quantised once; the rows are spread over the pool in tiles that stay in the
// L1 cache, and each weight block of a tile is decoded once per group of four
// tokens (two for F16/BF16, eight for the AVX-512 kernels of the 32-element
// block types) and dotted with all of them in registers, so the
// weights stream from memory once per batch and are unpacked a quarter as
// often as token by token. `scratch` is resized to one entry per token. Each
// token gets exactly matvecBatch's arithmetic.
void matmulBatch(std::span<const MatmulProduct> products, const float* x, size_t xStride,
                 int tokens, ThreadPool& pool, std::vector<MatvecScratch>& scratch);

} // namespace ws::core
