// K-quant blocks: decoding against blocks packed here from ggml-common.h's
// layouts, the Q8_K activation quantiser against ggml's rule, and the
// quantiser's round trip.
#include "core/dequantize.h"
#include "core/kquant.h"
#include "core/sampler.h"
#include "core/tensor_ops.h"
#include "tests/core/kernel_levels.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <vector>

namespace ws::core {
namespace {

void putHalf(std::vector<uint8_t>& b, size_t at, float value) {
  const uint16_t h = floatToHalf(value);
  b[at] = static_cast<uint8_t>(h & 0xFF);
  b[at + 1] = static_cast<uint8_t>(h >> 8);
}

std::vector<float> decode(GgmlType type, const std::vector<uint8_t>& bytes) {
  std::vector<float> out(256, std::nanf(""));
  dequantizeRow(type, bytes.data(), out.data(), 256);
  return out;
}

// block_q2_K: scales[16] (scale | min << 4), qs[64] (element 128h + 32s + l
// in bits 2s of qs[32h + l]), d, dmin.
TEST(KQuant, DecodesQ2_KBlock) {
  std::vector<uint8_t> b(84, 0);
  std::array<int, 256> q{};
  for (int i = 0; i < 256; ++i) {
    q[i] = (i * 5 + 1) % 4;
    b[16 + 32 * (i / 128) + i % 32] |= static_cast<uint8_t>(q[i] << (2 * ((i % 128) / 32)));
  }
  for (int j = 0; j < 16; ++j) {
    b[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  }
  putHalf(b, 80, 0.5f);
  putHalf(b, 82, 0.25f);
  const auto x = decode(GgmlType::Q2_K, b);
  for (int i = 0; i < 256; ++i) {
    const int j = i / 16;
    EXPECT_FLOAT_EQ(x[i], 0.5f * static_cast<float>(j * q[i]) - 0.25f * static_cast<float>(15 - j))
        << i;
  }
}

// block_q3_K: hmask[32] (bit 4h + s of hmask[l] set: q >= 0), qs[64] (low two
// bits of q + 4 as Q2_K), scales[12] (6-bit codes - 32: low nibbles in bytes
// 0..7, high two bits in bytes 8..11), d.
TEST(KQuant, DecodesQ3_KBlock) {
  std::vector<uint8_t> b(110, 0);
  std::array<int, 256> q{};
  for (int i = 0; i < 256; ++i) {
    q[i] = (i * 3 + 2) % 8 - 4;
    const int u = q[i] + 4;
    const int half = i / 128;
    const int shift = (i % 128) / 32;
    b[32 + 32 * half + i % 32] |= static_cast<uint8_t>((u & 3) << (2 * shift));
    b[i % 32] |= static_cast<uint8_t>((u >> 2) << (4 * half + shift));
  }
  std::array<int, 16> scale{};
  for (int j = 0; j < 16; ++j) {
    scale[j] = 4 * j - 31; // -31..29
    const int code = scale[j] + 32;
    b[96 + j % 8] |= static_cast<uint8_t>((code & 15) << (j < 8 ? 0 : 4));
    b[96 + 8 + j % 4] |= static_cast<uint8_t>((code >> 4) << (2 * (j / 4)));
  }
  putHalf(b, 108, 0.5f);
  const auto x = decode(GgmlType::Q3_K, b);
  for (int i = 0; i < 256; ++i) {
    EXPECT_FLOAT_EQ(x[i], 0.5f * static_cast<float>(scale[i / 16] * q[i])) << i;
  }
}

// block_q5_K: d, dmin, scales[12] (as Q4_K), qh[32] (bit 2c or 2c + 1 of
// qh[l]: fifth bit of element 64c + l or 64c + 32 + l), qs[128] (nibbles as
// Q4_K).
TEST(KQuant, DecodesQ5_KBlock) {
  std::vector<uint8_t> b(176, 0);
  putHalf(b, 0, 0.5f);
  putHalf(b, 2, 0.25f);
  const std::array<int, 8> sc{1, 2, 3, 4, 17, 33, 50, 63};
  const std::array<int, 8> mn{0, 5, 10, 63, 16, 31, 47, 62};
  for (int j = 0; j < 4; ++j) {
    b[4 + j] = static_cast<uint8_t>((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
    b[8 + j] = static_cast<uint8_t>((mn[j] & 63) | ((mn[j + 4] >> 4) << 6));
    b[12 + j] = static_cast<uint8_t>((sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4));
  }
  std::array<int, 256> q{};
  for (int i = 0; i < 256; ++i) {
    q[i] = (i * 11 + 7) % 32;
    const int chunk = i / 64;
    const bool upper = i % 64 >= 32;
    const int l = i % 32;
    b[48 + 32 * chunk + l] |= static_cast<uint8_t>((q[i] & 15) << (upper ? 4 : 0));
    b[16 + l] |= static_cast<uint8_t>((q[i] >> 4) << (2 * chunk + (upper ? 1 : 0)));
  }
  const auto x = decode(GgmlType::Q5_K, b);
  for (int i = 0; i < 256; ++i) {
    const int s = i / 32;
    EXPECT_FLOAT_EQ(x[i], 0.5f * static_cast<float>(sc[s]) * static_cast<float>(q[i]) -
                              0.25f * static_cast<float>(mn[s]))
        << i;
  }
}

TEST(KQuant, Q8_KFollowsGgmlRule) {
  std::vector<float> x(512);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = std::sin(0.3f * static_cast<float>(i)) * (i < 256 ? 1.0f : 50.0f);
  }
  x[100] = -2.0f; // the largest magnitude of the first block is negative
  std::fill(x.begin() + 256, x.end(), 0.0f);
  x[300] = 3.0f;
  Q8KBuffer q8;
  quantizeRowQ8_K(x, q8);
  ASSERT_EQ(q8.d.size(), 2u);
  EXPECT_FLOAT_EQ(q8.d[0], 2.0f / 127.0f); // d = 1 / (-127 / max), max = -2
  EXPECT_EQ(q8.q[100], -127);
  EXPECT_FLOAT_EQ(q8.d[1], -3.0f / 127.0f);
  EXPECT_EQ(q8.q[300], -127);
  for (int j = 0; j < 16; ++j) {
    int sum = 0;
    for (int i = 0; i < 16; ++i) {
      sum += q8.q[static_cast<size_t>(16 * j + i)];
    }
    EXPECT_EQ(q8.sums[static_cast<size_t>(j)], sum);
  }
  for (size_t i = 0; i < 256; ++i) {
    EXPECT_NEAR(static_cast<float>(q8.q[i]) * q8.d[0], x[i], 0.5f * q8.d[0] + 1e-6f) << i;
  }
}

// The AVX2 quantiser gives the portable one's bytes: the same first element
// of largest magnitude (here a tie of +5 and -5, the first one negative), the
// same round-half-to-even on exact halves, zero blocks left zero.
TEST(KQuant, Q8_KIsTheSameOnEveryIsa) {
  Xoshiro256 rng(5);
  std::vector<float> x(1024);
  for (float& v : x) {
    v = static_cast<float>(rng.uniform() * 8.0 - 4.0);
  }
  x[10] = -5.0f;
  x[200] = 5.0f;
  // Block 1: values whose scaled form is exactly k + 0.5 (max 127).
  for (size_t i = 256; i < 512; ++i) {
    x[i] = static_cast<float>(static_cast<int>(i % 64) - 32) + 0.5f;
  }
  x[300] = 127.0f;
  std::fill(x.begin() + 512, x.begin() + 768, 0.0f);
  Q8KBuffer portable;
  test::forEachKernelLevel("quantizeRowQ8_K", [&](KernelIsa isa) {
    if (isa == KernelIsa::Portable) {
      quantizeRowQ8_K(x, portable);
      return;
    }
    Q8KBuffer simd;
    quantizeRowQ8_K(x, simd);
    EXPECT_EQ(simd.q, portable.q);
    EXPECT_EQ(simd.d, portable.d);
    EXPECT_EQ(simd.sums, portable.sums);
  });
  EXPECT_FLOAT_EQ(portable.d[0], 5.0f / 127.0f);
}

class KQuantRoundTrip : public ::testing::TestWithParam<GgmlType> {};

TEST_P(KQuantRoundTrip, DecodedValuesStayWithinTheirStep) {
  const GgmlType type = GetParam();
  Xoshiro256 rng(7);
  std::vector<float> x(1024);
  for (float& v : x) {
    v = static_cast<float>(rng.uniform() * 2.0 - 1.0);
  }
  std::vector<std::byte> bytes(rowBytes(type, x.size()));
  quantizeKQuantRow(type, x.data(), bytes.data(), static_cast<int64_t>(x.size()));
  std::vector<float> back(x.size());
  dequantizeRow(type, bytes.data(), back.data(), static_cast<int64_t>(x.size()));
  // Steps over a range of about 2: half a step of rounding plus the coded
  // scale's error.
  const double levels = type == GgmlType::Q2_K   ? 3
                        : type == GgmlType::Q3_K ? 6 // symmetric: -3..3 used
                        : type == GgmlType::Q4_K ? 15
                        : type == GgmlType::Q5_K ? 31
                                                 : 63;
  double worst = 0.0;
  double meanSquare = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double error = std::fabs(back[i] - x[i]);
    worst = std::max(worst, error);
    meanSquare += error * error;
  }
  EXPECT_LT(worst, 2.0 / levels) << ggmlTypeName(type);
  EXPECT_LT(std::sqrt(meanSquare / static_cast<double>(x.size())), 0.6 / levels)
      << ggmlTypeName(type);
}

INSTANTIATE_TEST_SUITE_P(AllKQuants, KQuantRoundTrip,
                         ::testing::Values(GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K,
                                           GgmlType::Q5_K, GgmlType::Q6_K),
                         [](const auto& info) { return std::string(ggmlTypeName(info.param)); });

TEST(KQuant, RejectsPartialSuperBlocks) {
  std::vector<float> x(255);
  Q8KBuffer q8;
  EXPECT_THROW(quantizeRowQ8_K(x, q8), std::invalid_argument);
  std::vector<std::byte> bytes(256);
  EXPECT_THROW(quantizeKQuantRow(GgmlType::Q4_K, x.data(), bytes.data(), 255),
               std::invalid_argument);
}

} // namespace
} // namespace ws::core
