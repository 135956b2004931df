#include "core/dequantize.h"
#include "core/gguf.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace ws::core {
namespace {

void putU16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v & 0xFF);
  b[at + 1] = static_cast<uint8_t>(v >> 8);
}

std::vector<float> decode(GgmlType type, const std::vector<uint8_t>& bytes, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n), std::nanf(""));
  dequantizeRow(type, bytes.data(), out.data(), n);
  return out;
}

TEST(HalfFloat, KnownBitPatterns) {
  EXPECT_EQ(halfToFloat(0x3C00), 1.0f);
  EXPECT_EQ(halfToFloat(0xC000), -2.0f);
  EXPECT_EQ(halfToFloat(0x7BFF), 65504.0f);
  EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24)); // smallest subnormal
  EXPECT_EQ(halfToFloat(0x0400), std::ldexp(1.0f, -14)); // smallest normal
  EXPECT_EQ(halfToFloat(0x3555), 0.333251953125f);
  EXPECT_TRUE(std::isinf(halfToFloat(0x7C00)));
  EXPECT_TRUE(std::isnan(halfToFloat(0x7E00)));
  EXPECT_TRUE(std::signbit(halfToFloat(0x8000)));
}

TEST(HalfFloat, FloatToHalfRoundsToNearestEven) {
  EXPECT_EQ(floatToHalf(1.0f), 0x3C00);
  EXPECT_EQ(floatToHalf(-2.0f), 0xC000);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7BFF);
  EXPECT_EQ(floatToHalf(65519.0f), 0x7BFF);
  EXPECT_EQ(floatToHalf(65520.0f), 0x7C00); // halfway to the next power: to infinity
  EXPECT_EQ(floatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3C00);     // tie -> even
  EXPECT_EQ(floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02); // tie -> even (up)
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -25)), 0x0000);            // tie -> even (zero)
  EXPECT_EQ(floatToHalf(3 * std::ldexp(1.0f, -25)), 0x0002);
  EXPECT_EQ(floatToHalf(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_EQ(floatToHalf(-0.0f), 0x8000);
  EXPECT_EQ(floatToHalf(std::nanf("")) & 0x7C00, 0x7C00);
  EXPECT_NE(floatToHalf(std::nanf("")) & 0x03FF, 0);
}

TEST(HalfFloat, EveryFiniteHalfRoundTrips) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    const auto h = static_cast<uint16_t>(bits);
    if ((h & 0x7C00) == 0x7C00) {
      continue; // infinities and NaNs are checked above
    }
    ASSERT_EQ(floatToHalf(halfToFloat(h)), h) << std::hex << bits;
  }
}

TEST(BFloat16, ConversionAndRounding) {
  EXPECT_EQ(bfloat16ToFloat(0x3F80), 1.0f);
  EXPECT_EQ(bfloat16ToFloat(0xC040), -3.0f);
  EXPECT_EQ(floatToBfloat16(1.0f), 0x3F80);
  EXPECT_EQ(floatToBfloat16(std::bit_cast<float>(0x3F808000u)), 0x3F80); // tie -> even
  EXPECT_EQ(floatToBfloat16(std::bit_cast<float>(0x3F818000u)), 0x3F82); // tie -> even
  EXPECT_EQ(floatToBfloat16(std::bit_cast<float>(0x3F808001u)), 0x3F81);
  EXPECT_TRUE(std::isnan(bfloat16ToFloat(floatToBfloat16(std::nanf("")))));
}

TEST(Dequantize, F32F16BF16) {
  const std::array<float, 3> f32{1.5f, -2.25f, 0.0f};
  std::vector<uint8_t> raw(12);
  std::memcpy(raw.data(), f32.data(), 12);
  EXPECT_EQ(decode(GgmlType::F32, raw, 3), (std::vector<float>{1.5f, -2.25f, 0.0f}));

  std::vector<uint8_t> f16(6);
  putU16(f16, 0, 0x3C00);
  putU16(f16, 2, 0xC000);
  putU16(f16, 4, 0x3555);
  EXPECT_EQ(decode(GgmlType::F16, f16, 3), (std::vector<float>{1.0f, -2.0f, 0.333251953125f}));

  std::vector<uint8_t> bf16(4);
  putU16(bf16, 0, 0x3F80);
  putU16(bf16, 2, 0xC040);
  EXPECT_EQ(decode(GgmlType::BF16, bf16, 2), (std::vector<float>{1.0f, -3.0f}));
}

TEST(Dequantize, Q8_0Block) {
  // d = 0.5, q = j - 16: x = 0.5 * (j - 16).
  std::vector<uint8_t> block(34);
  putU16(block, 0, 0x3800);
  for (int j = 0; j < 32; ++j) {
    block[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(j - 16));
  }
  const auto x = decode(GgmlType::Q8_0, block, 32);
  for (int j = 0; j < 32; ++j) {
    EXPECT_EQ(x[j], 0.5f * static_cast<float>(j - 16)) << j;
  }
}

TEST(Dequantize, Q4_0Block) {
  // d = 2; qs[j] = j (low nibble, element j) | (15 - j) << 4 (element j + 16).
  std::vector<uint8_t> block(18);
  putU16(block, 0, 0x4000);
  for (int j = 0; j < 16; ++j) {
    block[2 + j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  }
  const auto x = decode(GgmlType::Q4_0, block, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(x[j], 2.0f * static_cast<float>(j - 8)) << j;
    EXPECT_EQ(x[j + 16], 2.0f * static_cast<float>(7 - j)) << j;
  }
}

TEST(Dequantize, Q5_0AndQ4_1Blocks) {
  // Q5_0: d = 1, low nibbles 0..15 / 15..0, fifth bit set for even elements.
  std::vector<uint8_t> q5(22);
  putU16(q5, 0, 0x3C00);
  const uint32_t qh = 0x55555555u; // bit k set for even k
  for (int k = 0; k < 4; ++k) {
    q5[2 + k] = static_cast<uint8_t>(qh >> (8 * k));
  }
  for (int j = 0; j < 16; ++j) {
    q5[6 + j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  }
  const auto x = decode(GgmlType::Q5_0, q5, 32);
  for (int j = 0; j < 16; ++j) {
    const int high = (j % 2 == 0) ? 16 : 0;
    EXPECT_EQ(x[j], static_cast<float>((j + high) - 16)) << j;
    EXPECT_EQ(x[j + 16], static_cast<float>((15 - j + high) - 16)) << j;
  }
  // Q4_1: d = 0.5, m = -1.
  std::vector<uint8_t> q41(20);
  putU16(q41, 0, 0x3800);
  putU16(q41, 2, 0xBC00);
  for (int j = 0; j < 16; ++j) {
    q41[4 + j] = static_cast<uint8_t>(j | (3 << 4));
  }
  const auto y = decode(GgmlType::Q4_1, q41, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.5f * static_cast<float>(j) - 1.0f);
    EXPECT_EQ(y[j + 16], 0.5f);
  }
}

// Builds a Q4_K block from per-sub-block 6-bit scales/mins and 4-bit values,
// packing them as ggml-common.h describes block_q4_K.
std::vector<uint8_t> packQ4K(uint16_t d, uint16_t dmin, const std::array<int, 8>& sc,
                             const std::array<int, 8>& mn, const std::array<int, 256>& q) {
  std::vector<uint8_t> b(144, 0);
  putU16(b, 0, d);
  putU16(b, 2, dmin);
  uint8_t* s = b.data() + 4;
  for (int j = 0; j < 4; ++j) {
    s[j] = static_cast<uint8_t>((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
    s[j + 4] = static_cast<uint8_t>((mn[j] & 63) | ((mn[j + 4] >> 4) << 6));
    s[j + 8] = static_cast<uint8_t>((sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4));
  }
  uint8_t* qs = b.data() + 16;
  for (int i = 0; i < 256; ++i) {
    const int chunk = i / 64;
    const int r = i % 64;
    if (r < 32) {
      qs[chunk * 32 + r] |= static_cast<uint8_t>(q[i]);
    } else {
      qs[chunk * 32 + r - 32] |= static_cast<uint8_t>(q[i] << 4);
    }
  }
  return b;
}

TEST(Dequantize, Q4_KBlock) {
  const std::array<int, 8> sc{1, 2, 3, 4, 17, 33, 50, 63}; // upper four need the high bits
  const std::array<int, 8> mn{0, 5, 10, 63, 16, 31, 47, 62};
  std::array<int, 256> q{};
  for (int i = 0; i < 256; ++i) {
    q[i] = (i * 7 + 3) % 16;
  }
  const auto block = packQ4K(0x3800 /* 0.5 */, 0x3400 /* 0.25 */, sc, mn, q);
  const auto x = decode(GgmlType::Q4_K, block, 256);
  for (int i = 0; i < 256; ++i) {
    const int s = i / 32;
    EXPECT_FLOAT_EQ(x[i],
                    0.5f * static_cast<float>(sc[s] * q[i]) - 0.25f * static_cast<float>(mn[s]))
        << i;
  }
  // Hand-checked corners: element 0: 0.5*1*3 - 0 = 1.5; element 255: sub-block
  // 7, q = (255*7+3)%16 = 12: 0.5*63*12 - 0.25*62 = 362.5.
  EXPECT_EQ(x[0], 1.5f);
  EXPECT_EQ(x[255], 362.5f);
}

// Builds a Q6_K block from 16 int8 scales and 6-bit values (ql: low nibbles,
// qh: high 2 bits), as ggml-common.h describes block_q6_K.
std::vector<uint8_t> packQ6K(uint16_t d, const std::array<int, 16>& sc,
                             const std::array<int, 256>& q) {
  std::vector<uint8_t> b(210, 0);
  for (int i = 0; i < 256; ++i) {
    const int half = i / 128;
    const int r = i % 128;
    const int quarter = r / 32;
    const int l = r % 32;
    b[half * 64 + l + (quarter & 1) * 32] |=
        static_cast<uint8_t>((q[i] & 15) << ((quarter >> 1) * 4));
    b[128 + half * 32 + l] |= static_cast<uint8_t>((q[i] >> 4) << (2 * quarter));
  }
  for (int s = 0; s < 16; ++s) {
    b[192 + s] = static_cast<uint8_t>(static_cast<int8_t>(sc[s]));
  }
  putU16(b, 208, d);
  return b;
}

TEST(Dequantize, Q6_KBlock) {
  std::array<int, 16> sc{};
  for (int s = 0; s < 16; ++s) {
    sc[s] = s * 9 - 70; // negative and positive scales
  }
  std::array<int, 256> q{};
  for (int i = 0; i < 256; ++i) {
    q[i] = (i * 37 + 11) % 64;
  }
  const auto block = packQ6K(0x3400 /* 0.25 */, sc, q);
  const auto x = decode(GgmlType::Q6_K, block, 256);
  for (int i = 0; i < 256; ++i) {
    EXPECT_FLOAT_EQ(x[i], 0.25f * static_cast<float>(sc[i / 16] * (q[i] - 32))) << i;
  }
  // Hand-checked: element 0: q = 11, scale -70: 0.25 * -70 * -21 = 367.5.
  EXPECT_EQ(x[0], 367.5f);
}

TEST(Dequantize, RejectsPartialBlocksAndUnsupportedTypes) {
  std::vector<uint8_t> block(144);
  float out[256];
  EXPECT_THROW(dequantizeRow(GgmlType::Q8_0, block.data(), out, 31), std::invalid_argument);
  EXPECT_THROW(dequantizeRow(GgmlType::IQ2_XXS, block.data(), out, 256), std::invalid_argument);
  EXPECT_THROW(dequantizeRow(GgmlType::F32, block.data(), out, -1), std::invalid_argument);
}

TEST(QuantizeQ8_0, MatchesGgmlReferenceAndRoundTrips) {
  std::vector<float> x(64);
  for (int i = 0; i < 64; ++i) {
    x[i] = std::sin(0.37f * static_cast<float>(i)) * (i < 32 ? 1.0f : 100.0f);
  }
  std::vector<uint8_t> q(rowBytes(GgmlType::Q8_0, 64));
  quantizeRowQ8_0(x.data(), q.data(), 64);
  // The largest magnitude maps to +-127.
  float amax = 0;
  int argmax = 0;
  for (int i = 0; i < 32; ++i) {
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      argmax = i;
    }
  }
  EXPECT_EQ(std::abs(static_cast<int8_t>(q[2 + argmax])), 127);
  EXPECT_EQ(q[0] | (q[1] << 8), floatToHalf(amax / 127.0f));
  const auto y = decode(GgmlType::Q8_0, q, 64);
  for (int i = 0; i < 64; ++i) {
    const float block = i < 32 ? 1.0f : 100.0f;
    EXPECT_NEAR(y[i], x[i], block / 127.0f * 0.51f) << i;
  }
  std::vector<float> zeros(32, 0.0f);
  quantizeRowQ8_0(zeros.data(), q.data(), 32);
  EXPECT_EQ(decode(GgmlType::Q8_0, q, 32), zeros);
  EXPECT_THROW(quantizeRowQ8_0(x.data(), q.data(), 40), std::invalid_argument);
}

// The shared reference files hold one model at several precisions, quantised
// by llama.cpp: every tensor must decode close to the F32 original.
TEST(Dequantize, LlamaCppQuantisedFilesMatchTheirF32Original) {
  const auto dir = test::testdataDir() / "models";
  const GgufFile reference = GgufFile::open(dir / "tiny-random-llama-f32.gguf");
  struct Case {
    const char* file;
    double maxRelativeRms;
  };
  for (const Case& c :
       {Case{"tiny-random-llama-f16.gguf", 1e-3}, Case{"tiny-random-llama-q8_0.gguf", 0.01},
        Case{"tiny-random-llama-q6_k.gguf", 0.01}, Case{"tiny-random-llama-q4_0.gguf", 0.15},
        Case{"tiny-random-llama-q4_k_m.gguf", 0.08}}) {
    const GgufFile file = GgufFile::open(dir / c.file);
    ASSERT_EQ(file.tensors().size(), reference.tensors().size()) << c.file;
    for (const auto& t : file.tensors()) {
      const GgufTensorInfo* ref = reference.findTensor(t.name);
      ASSERT_NE(ref, nullptr) << t.name;
      ASSERT_EQ(ref->dims, t.dims);
      const auto n = static_cast<int64_t>(t.elementCount());
      std::vector<float> got(static_cast<size_t>(n));
      std::vector<float> want(static_cast<size_t>(n));
      dequantizeRow(t.type, t.data, got.data(), n);
      dequantizeRow(ref->type, ref->data, want.data(), n);
      double err = 0;
      double norm = 0;
      for (int64_t i = 0; i < n; ++i) {
        err += (got[i] - want[i]) * (got[i] - want[i]);
        norm += want[i] * want[i];
      }
      EXPECT_LE(std::sqrt(err / norm), c.maxRelativeRms)
          << c.file << " " << t.name << " " << ggmlTypeName(t.type);
    }
  }
}

} // namespace
} // namespace ws::core
