#include "core/dequantize.h"
#include "core/matvec.h"
#include "core/sampler.h"
#include "core/tensor_ops.h"
#include "tests/core/kernel_levels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace ws::core {

// Names the type in test listings (ctest shows GetParam()); outside the
// anonymous namespace so that argument-dependent lookup finds it.
void PrintTo(GgmlType type, std::ostream* os) {
  *os << ggmlTypeName(type);
}

namespace {

constexpr int64_t kCols = 512;
constexpr int64_t kRows = 37;

void putHalf(std::byte* p, float value) {
  const uint16_t h = floatToHalf(value);
  std::memcpy(p, &h, 2);
}

float getHalf(const std::byte* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return halfToFloat(h);
}

// A matrix of the given type: exact encodings of random floats for the plain
// types and Q8_0, random quant bytes with fixed sensible scales for the others.
std::vector<std::byte> makeMatrix(GgmlType type, Xoshiro256& rng) {
  const uint64_t stride = rowBytes(type, kCols);
  std::vector<std::byte> bytes(stride * kRows);
  for (std::byte& b : bytes) {
    b = static_cast<std::byte>(rng.next() & 0xFF);
  }
  std::vector<float> row(kCols);
  for (int64_t r = 0; r < kRows; ++r) {
    std::byte* dst = bytes.data() + r * stride;
    for (float& v : row) {
      v = static_cast<float>(rng.uniform() * 2.0 - 1.0);
    }
    switch (type) {
    case GgmlType::F32:
      std::memcpy(dst, row.data(), stride);
      break;
    case GgmlType::F16:
      for (int64_t c = 0; c < kCols; ++c) {
        putHalf(dst + 2 * c, row[static_cast<size_t>(c)]);
      }
      break;
    case GgmlType::BF16:
      for (int64_t c = 0; c < kCols; ++c) {
        const uint16_t h = floatToBfloat16(row[static_cast<size_t>(c)]);
        std::memcpy(dst + 2 * c, &h, 2);
      }
      break;
    case GgmlType::Q8_0:
      quantizeRowQ8_0(row.data(), dst, kCols);
      break;
    case GgmlType::Q4_0:
    case GgmlType::Q5_0:
    case GgmlType::Q4_1:
    case GgmlType::Q5_1: {
      const uint64_t blockBytes = rowBytes(type, 32);
      const bool offset = type == GgmlType::Q4_1 || type == GgmlType::Q5_1;
      for (int64_t b = 0; b < kCols / 32; ++b) {
        putHalf(dst + b * blockBytes, 0.02f + 0.001f * static_cast<float>(b));
        if (offset) {
          putHalf(dst + b * blockBytes + 2, -0.15f);
        }
      }
      break;
    }
    case GgmlType::Q2_K:
      for (int64_t b = 0; b < kCols / 256; ++b) {
        putHalf(dst + b * 84 + 80, 0.02f);
        putHalf(dst + b * 84 + 82, 0.01f);
      }
      break;
    case GgmlType::Q3_K:
      for (int64_t b = 0; b < kCols / 256; ++b) {
        putHalf(dst + b * 110 + 108, 0.004f);
      }
      break;
    case GgmlType::Q4_K:
      for (int64_t b = 0; b < kCols / 256; ++b) {
        putHalf(dst + b * 144, 0.004f);
        putHalf(dst + b * 144 + 2, 0.002f);
      }
      break;
    case GgmlType::Q5_K:
      for (int64_t b = 0; b < kCols / 256; ++b) {
        putHalf(dst + b * 176, 0.002f);
        putHalf(dst + b * 176 + 2, 0.002f);
      }
      break;
    case GgmlType::Q6_K:
      for (int64_t b = 0; b < kCols / 256; ++b) {
        putHalf(dst + b * 210 + 208, 0.001f);
      }
      break;
    default:
      ADD_FAILURE() << "no encoder for " << ggmlTypeName(type);
    }
  }
  return bytes;
}

// ggml's dequantize_row_q4_1 / q5_0 / q5_1, written out independently of the
// engine's unpacking.
void referenceDecode(GgmlType type, const std::byte* src, float* dst) {
  if (isSupportedForCompute(type)) {
    dequantizeRow(type, src, dst, kCols);
    return;
  }
  const uint64_t blockBytes = rowBytes(type, 32);
  for (int64_t b = 0; b < kCols / 32; ++b) {
    const std::byte* block = src + b * blockBytes;
    const float d = getHalf(block);
    if (type == GgmlType::Q4_1) {
      const float m = getHalf(block + 2);
      const auto* qs = reinterpret_cast<const uint8_t*>(block + 4);
      for (int j = 0; j < 16; ++j) {
        dst[b * 32 + j] = static_cast<float>(qs[j] & 0x0F) * d + m;
        dst[b * 32 + j + 16] = static_cast<float>(qs[j] >> 4) * d + m;
      }
      continue;
    }
    const bool hasMin = type == GgmlType::Q5_1;
    const float m = hasMin ? getHalf(block + 2) : 0.0f;
    uint32_t qh;
    std::memcpy(&qh, block + (hasMin ? 4 : 2), 4);
    const auto* qs = reinterpret_cast<const uint8_t*>(block + (hasMin ? 8 : 6));
    for (int j = 0; j < 16; ++j) {
      const uint8_t xh0 = static_cast<uint8_t>(((qh >> j) << 4) & 0x10);
      const uint8_t xh1 = static_cast<uint8_t>((qh >> (j + 12)) & 0x10);
      const int x0 = (qs[j] & 0x0F) | xh0;
      const int x1 = (qs[j] >> 4) | xh1;
      dst[b * 32 + j] = hasMin ? static_cast<float>(x0) * d + m : static_cast<float>(x0 - 16) * d;
      dst[b * 32 + j + 16] =
          hasMin ? static_cast<float>(x1) * d + m : static_cast<float>(x1 - 16) * d;
    }
  }
}

bool quantisesInput(GgmlType type) {
  return type == GgmlType::Q8_0 || type == GgmlType::Q4_0 || type == GgmlType::Q4_1 ||
         type == GgmlType::Q5_0 || type == GgmlType::Q5_1;
}

bool isKQuantType(GgmlType type) {
  return type == GgmlType::Q2_K || type == GgmlType::Q3_K || type == GgmlType::Q4_K ||
         type == GgmlType::Q5_K || type == GgmlType::Q6_K;
}

// x as the k-quant kernels see it (ggml's Q8_K): 8 bits per 256-block, the
// scale -max/127 of the largest-magnitude element, kept in float.
std::vector<float> roundTripQ8K(const std::vector<float>& x) {
  std::vector<float> out(x.size());
  for (size_t b = 0; b < x.size() / 256; ++b) {
    float max = 0.0f;
    for (size_t i = 0; i < 256; ++i) {
      if (std::fabs(x[b * 256 + i]) > std::fabs(max)) {
        max = x[b * 256 + i];
      }
    }
    const float iscale = -127.0f / max;
    for (size_t i = 0; i < 256; ++i) {
      const float q = std::min(127.0f, std::nearbyint(iscale * x[b * 256 + i]));
      out[b * 256 + i] = q * (1.0f / iscale);
    }
  }
  return out;
}

// x as the engine's integer kernels see it: 8 bits per 32-block, scale in fp16.
std::vector<float> roundTripQ8(const std::vector<float>& x) {
  std::vector<float> out(x.size());
  for (size_t b = 0; b < x.size() / 32; ++b) {
    float amax = 0.0f;
    for (size_t i = 0; i < 32; ++i) {
      amax = std::max(amax, std::fabs(x[b * 32 + i]));
    }
    const float d = amax / 127.0f;
    const float dRounded = halfToFloat(floatToHalf(d));
    for (size_t i = 0; i < 32; ++i) {
      out[b * 32 + i] = d == 0.0f ? 0.0f : std::round(x[b * 32 + i] / d) * dRounded;
    }
  }
  return out;
}

class MatvecTypeTest : public ::testing::TestWithParam<GgmlType> {};

TEST_P(MatvecTypeTest, MatchesDequantizeAndNaiveDot) {
  const GgmlType type = GetParam();
  Xoshiro256 rng(static_cast<uint64_t>(type) + 1);
  const std::vector<std::byte> bytes = makeMatrix(type, rng);
  const WeightMatrix w{type, kRows, kCols, bytes.data()};
  std::vector<float> x(kCols);
  for (float& v : x) {
    v = static_cast<float>(rng.uniform() * 4.0 - 2.0);
  }
  const std::vector<float> xSeen =
      quantisesInput(type) ? roundTripQ8(x) : (isKQuantType(type) ? roundTripQ8K(x) : x);

  std::vector<float> decoded(kCols);
  std::vector<double> expected(kRows), exact(kRows), magnitude(kRows);
  for (int64_t r = 0; r < kRows; ++r) {
    referenceDecode(type, w.row(r), decoded.data());
    std::vector<float> engineRow(kCols);
    decodeRow(w, r, engineRow);
    ASSERT_EQ(engineRow, decoded) << "decodeRow, row " << r;
    for (int64_t c = 0; c < kCols; ++c) {
      const size_t i = static_cast<size_t>(c);
      expected[static_cast<size_t>(r)] += static_cast<double>(decoded[i]) * xSeen[i];
      exact[static_cast<size_t>(r)] += static_cast<double>(decoded[i]) * x[i];
      magnitude[static_cast<size_t>(r)] += std::fabs(static_cast<double>(decoded[i]) * x[i]);
    }
  }

  test::forEachKernelLevel(std::string(ggmlTypeName(type)), [&](KernelIsa isa) {
    for (int threads : {1, 3}) {
      ThreadPool pool(threads);
      MatvecScratch scratch;
      std::vector<float> y(kRows);
      matvec(w, x, y, pool, scratch);
      for (int64_t r = 0; r < kRows; ++r) {
        const size_t i = static_cast<size_t>(r);
        // The only differences left are float rounding (and, for the _1
        // types, the fp16 block sum of the activations).
        const bool blockSums = type == GgmlType::Q4_1 || type == GgmlType::Q5_1;
        EXPECT_NEAR(y[i], expected[i], (blockSums ? 1e-3 : 2e-4) * magnitude[i])
            << ggmlTypeName(type) << " isa " << static_cast<int>(isa) << " row " << r;
        // And the 8-bit activations stay close to the float product.
        EXPECT_NEAR(y[i], exact[i], 2e-2 * magnitude[i]) << ggmlTypeName(type) << " row " << r;
      }
    }
  });
}

INSTANTIATE_TEST_SUITE_P(AllTypes, MatvecTypeTest,
                         ::testing::Values(GgmlType::F32, GgmlType::F16, GgmlType::BF16,
                                           GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q4_1,
                                           GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q2_K,
                                           GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K,
                                           GgmlType::Q6_K),
                         [](const auto& info) { return std::string(ggmlTypeName(info.param)); });

TEST(MatvecTest, BatchEqualsSeparateProducts) {
  Xoshiro256 rng(11);
  const auto q8 = makeMatrix(GgmlType::Q8_0, rng);
  const auto q51 = makeMatrix(GgmlType::Q5_1, rng);
  const auto f16 = makeMatrix(GgmlType::F16, rng);
  const WeightMatrix a{GgmlType::Q8_0, kRows, kCols, q8.data()};
  const WeightMatrix b{GgmlType::Q5_1, 5, kCols, q51.data()};
  const WeightMatrix c{GgmlType::F16, kRows, kCols, f16.data()};
  std::vector<float> x(kCols);
  for (float& v : x) {
    v = static_cast<float>(rng.uniform() - 0.5);
  }
  ThreadPool pool(2);
  MatvecScratch scratch;
  std::vector<float> ya(kRows), yb(5), yc(kRows);
  const MatvecProduct batch[] = {{a, ya}, {b, yb}, {c, yc}};
  matvecBatch(batch, x, pool, scratch);
  for (const auto& [w, y] : {std::pair{a, ya}, std::pair{b, yb}, std::pair{c, yc}}) {
    std::vector<float> alone(y.size());
    matvec(w, x, alone, pool, scratch);
    EXPECT_EQ(alone, y) << ggmlTypeName(w.type);
  }
}

// The multi-token kernels (groups of up to four tokens per decoded weight
// block) give each token exactly the single-token kernel's result: 7 tokens
// make a group of four and one of three (two and one for the float types).
TEST(MatvecTest, MatmulBatchEqualsMatvecPerToken) {
  Xoshiro256 rng(13);
  const GgmlType types[] = {GgmlType::Q8_0, GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K,
                            GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::F16,  GgmlType::BF16,
                            GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q4_1, GgmlType::Q5_1,
                            GgmlType::F32};
  std::vector<std::vector<std::byte>> storage;
  std::vector<WeightMatrix> matrices;
  for (GgmlType type : types) {
    storage.push_back(makeMatrix(type, rng));
    matrices.push_back({type, kRows, kCols, storage.back().data()});
  }
  constexpr int kTokens = 7;
  std::vector<float> x(kTokens * kCols);
  for (float& v : x) {
    v = static_cast<float>(rng.uniform() - 0.5);
  }
  // Row t of each output lies kRows + 3 floats after row t - 1 (a stride
  // wider than the row).
  constexpr size_t kStride = kRows + 3;
  std::vector<std::vector<float>> outputs(matrices.size(), std::vector<float>(kTokens * kStride));
  std::vector<MatmulProduct> products;
  for (size_t m = 0; m < matrices.size(); ++m) {
    products.push_back({matrices[m], outputs[m].data(), kStride});
  }
  test::forEachKernelLevel("matmulBatch", [&](KernelIsa isa) {
    ThreadPool pool(2);
    std::vector<MatvecScratch> scratch;
    matmulBatch(products, x.data(), kCols, kTokens, pool, scratch);
    MatvecScratch one;
    for (int t = 0; t < kTokens; ++t) {
      const std::span<const float> xt(x.data() + t * kCols, kCols);
      for (size_t m = 0; m < matrices.size(); ++m) {
        std::vector<float> alone(kRows);
        matvec(matrices[m], xt, alone, pool, one);
        for (int64_t r = 0; r < kRows; ++r) {
          EXPECT_EQ(outputs[m][static_cast<size_t>(t) * kStride + static_cast<size_t>(r)],
                    alone[static_cast<size_t>(r)])
              << ggmlTypeName(matrices[m].type) << " isa " << static_cast<int>(isa) << " token "
              << t << " row " << r;
        }
      }
    }
  });
}

// Random quants with power-of-two block scales (and minimums), against
// inputs of small multiples of 2^-6 with a +-127 * 2^-6 in every 32 elements:
// the activation scales are exactly 2^-6 too, every product and partial sum
// is exact in float, so every kernel level must give the same bits. This
// pins the integer sums of the SIMD kernels to the portable ones, whatever
// order their floats are added in.
std::vector<std::byte> makePowerOfTwoMatrix(GgmlType type, int64_t cols, Xoshiro256& rng) {
  const uint64_t stride = rowBytes(type, static_cast<uint64_t>(cols));
  std::vector<std::byte> bytes(stride * kRows);
  for (std::byte& b : bytes) {
    b = static_cast<std::byte>(rng.next() & 0xFF);
  }
  const uint64_t blockElements = isKQuantType(type) ? 256 : 32;
  const uint64_t blockBytes = rowBytes(type, blockElements);
  // Byte offsets of the fp16 scale and, where there is one, minimum.
  size_t dAt = 0;
  int minAt = -1;
  switch (type) {
  case GgmlType::Q4_1:
  case GgmlType::Q5_1:
  case GgmlType::Q4_K:
  case GgmlType::Q5_K:
    minAt = 2;
    break;
  case GgmlType::Q2_K:
    dAt = 80;
    minAt = 82;
    break;
  case GgmlType::Q3_K:
    dAt = 108;
    break;
  case GgmlType::Q6_K:
    dAt = 208;
    break;
  default:
    break;
  }
  for (uint64_t at = 0; at < bytes.size(); at += blockBytes) {
    putHalf(bytes.data() + at + dAt, 1.0f / 1024.0f);
    if (minAt >= 0) {
      putHalf(bytes.data() + at + static_cast<size_t>(minAt), 1.0f / 512.0f);
    }
  }
  return bytes;
}

std::vector<float> powerOfTwoInput(Xoshiro256& rng, size_t n) {
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) {
    const int k = static_cast<int>(rng.next() % 15) - 7;
    x[i] = static_cast<float>(i % 32 == 5 ? -127 : k) / 64.0f;
  }
  return x;
}

class MatvecExactTest : public ::testing::TestWithParam<GgmlType> {};

TEST_P(MatvecExactTest, EveryKernelLevelGivesTheSameBits) {
  const GgmlType type = GetParam();
  Xoshiro256 rng(static_cast<uint64_t>(type) + 101);
  // An odd number of 32-element blocks: the AVX-512 kernels take them two at
  // a time and the last one alone.
  const int64_t cols = isKQuantType(type) ? 512 : 544;
  const std::vector<std::byte> bytes = makePowerOfTwoMatrix(type, cols, rng);
  const WeightMatrix w{type, kRows, cols, bytes.data()};
  constexpr int kTokens = 6;
  const std::vector<float> x = powerOfTwoInput(rng, static_cast<size_t>(kTokens * cols));
  std::vector<float> first;      // matvec of token 0 at the first level
  std::vector<float> firstBatch; // matmulBatch of all tokens at the first level
  test::forEachKernelLevel(std::string(ggmlTypeName(type)) + " exact sums", [&](KernelIsa isa) {
    ThreadPool pool(2);
    MatvecScratch scratch;
    std::vector<float> y(kRows);
    matvec(w, std::span<const float>(x.data(), static_cast<size_t>(cols)), y, pool, scratch);
    std::vector<float> batch(kTokens * kRows);
    std::vector<MatvecScratch> batchScratch;
    const MatmulProduct product[] = {{w, batch.data(), kRows}};
    matmulBatch(product, x.data(), static_cast<size_t>(cols), kTokens, pool, batchScratch);
    if (first.empty()) {
      first = y;
      firstBatch = batch;
      return;
    }
    EXPECT_EQ(y, first) << ggmlTypeName(type) << " " << kernelIsaName(isa);
    EXPECT_EQ(batch, firstBatch) << ggmlTypeName(type) << " " << kernelIsaName(isa);
  });
  // The test means something only if the products are not all zero.
  float largest = 0.0f;
  for (float v : first) {
    largest = std::max(largest, std::fabs(v));
  }
  EXPECT_GT(largest, 0.0f);
}

INSTANTIATE_TEST_SUITE_P(IntegerTypes, MatvecExactTest,
                         ::testing::Values(GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q4_1,
                                           GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q2_K,
                                           GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K,
                                           GgmlType::Q6_K),
                         [](const auto& info) { return std::string(ggmlTypeName(info.param)); });

TEST(MatvecTest, RejectsUnsupportedTypesAndWrongSizes) {
  std::vector<std::byte> bytes(rowBytes(GgmlType::IQ2_XXS, 256) * 2);
  ThreadPool pool(1);
  MatvecScratch scratch;
  std::vector<float> x(256), y(2);
  EXPECT_FALSE(isMatvecSupported(GgmlType::IQ2_XXS));
  EXPECT_THROW(matvec({GgmlType::IQ2_XXS, 2, 256, bytes.data()}, x, y, pool, scratch),
               std::invalid_argument);
  std::vector<float> f32(2 * 256);
  const WeightMatrix w{GgmlType::F32, 2, 256, reinterpret_cast<const std::byte*>(f32.data())};
  std::vector<float> shortX(255);
  EXPECT_THROW(matvec(w, shortX, y, pool, scratch), std::invalid_argument);
  std::vector<float> row(256);
  EXPECT_THROW(decodeRow(w, 2, row), std::out_of_range);
}

} // namespace
} // namespace ws::core
