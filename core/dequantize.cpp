#include "core/dequantize.h"

#include "core/kquant.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ws::core {
namespace {

// Block structs of ggml-common.h, read byte-wise so unaligned sources are fine.
constexpr int64_t kQk = 32; // elements per Q4_0 / Q8_0 block

uint16_t loadU16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

float loadHalf(const uint8_t* p) {
  return halfToFloat(loadU16(p));
}

void dequantizeF16(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    dst[i] = halfToFloat(loadU16(src + 2 * i));
  }
}

void dequantizeBF16(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    dst[i] = bfloat16ToFloat(loadU16(src + 2 * i));
  }
}

// block_q8_0 { half d; int8 qs[32]; }: x = d * q.
void dequantizeQ8_0(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < n / kQk; ++b, src += 34, dst += kQk) {
    const float d = loadHalf(src);
    for (int64_t j = 0; j < kQk; ++j) {
      dst[j] = d * static_cast<float>(static_cast<int8_t>(src[2 + j]));
    }
  }
}

// block_q4_0 { half d; uint8 qs[16]; }: element j in the low nibble of qs[j],
// element j + 16 in the high nibble; x = d * (q - 8).
void dequantizeQ4_0(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < n / kQk; ++b, src += 18, dst += kQk) {
    const float d = loadHalf(src);
    const uint8_t* qs = src + 2;
    for (int64_t j = 0; j < kQk / 2; ++j) {
      dst[j] = d * static_cast<float>((qs[j] & 0x0F) - 8);
      dst[j + kQk / 2] = d * static_cast<float>((qs[j] >> 4) - 8);
    }
  }
}

// block_q4_1 { half d; half m; uint8 qs[16]; }: nibbles as Q4_0, x = d * q + m.
void dequantizeQ4_1(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < n / kQk; ++b, src += 20, dst += kQk) {
    const float d = loadHalf(src);
    const float m = loadHalf(src + 2);
    const uint8_t* qs = src + 4;
    for (int64_t j = 0; j < kQk / 2; ++j) {
      dst[j] = d * static_cast<float>(qs[j] & 0x0F) + m;
      dst[j + kQk / 2] = d * static_cast<float>(qs[j] >> 4) + m;
    }
  }
}

// block_q5_0 { half d; uint8 qh[4]; uint8 qs[16]; } and block_q5_1 { half d;
// half m; uint8 qh[4]; uint8 qs[16]; }: nibbles as Q4_0, the fifth bit of
// element j in bit j of qh (little-endian u32). Q5_0: x = d * (q - 16);
// Q5_1: x = d * q + m.
void dequantizeQ5(const uint8_t* src, float* dst, int64_t n, bool hasMin) {
  const int64_t blockBytes = hasMin ? 24 : 22;
  for (int64_t b = 0; b < n / kQk; ++b, src += blockBytes, dst += kQk) {
    const float d = loadHalf(src);
    const float m = hasMin ? loadHalf(src + 2) : -16.0f * d;
    const uint8_t* qhBytes = src + (hasMin ? 4 : 2);
    const uint32_t qh =
        static_cast<uint32_t>(qhBytes[0]) | (static_cast<uint32_t>(qhBytes[1]) << 8) |
        (static_cast<uint32_t>(qhBytes[2]) << 16) | (static_cast<uint32_t>(qhBytes[3]) << 24);
    const uint8_t* qs = qhBytes + 4;
    for (int64_t j = 0; j < kQk / 2; ++j) {
      const uint32_t high0 = ((qh >> j) & 1) << 4;
      const uint32_t high1 = ((qh >> (j + 16)) & 1) << 4;
      dst[j] = d * static_cast<float>((qs[j] & 0x0F) | high0) + m;
      dst[j + kQk / 2] = d * static_cast<float>((qs[j] >> 4) | high1) + m;
    }
  }
}

} // namespace

float halfToFloat(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1F;
  const uint32_t mantissa = bits & 0x3FF;
  if (exponent == 0) {
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 31) {
    return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));
  }
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

uint16_t floatToHalf(float value) {
  const uint32_t x = std::bit_cast<uint32_t>(value);
  const auto sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  const uint32_t magnitude = x & 0x7FFFFFFF;
  if (magnitude > 0x7F800000) {
    return sign | 0x7E00; // NaN stays a (quiet) NaN
  }
  if (magnitude >= 0x477FF000) {
    return sign | 0x7C00; // >= 65520 rounds to infinity
  }
  if (magnitude < 0x38800000) {
    // Subnormal half: a multiple of 2^-24. Scaling by 2^24 is exact and
    // nearbyint rounds to nearest even in the default rounding mode.
    const float scaled = std::fabs(value) * 16777216.0f;
    return sign | static_cast<uint16_t>(std::nearbyint(scaled));
  }
  uint32_t h = ((((magnitude >> 23) - 127 + 15) << 10) | ((magnitude & 0x7FFFFF) >> 13));
  const uint32_t remainder = magnitude & 0x1FFF;
  if (remainder > 0x1000 || (remainder == 0x1000 && (h & 1))) {
    ++h; // a carry into the exponent is the correct rounding
  }
  return static_cast<uint16_t>(sign | h);
}

float bfloat16ToFloat(uint16_t bits) {
  return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}

uint16_t floatToBfloat16(float value) {
  const uint32_t x = std::bit_cast<uint32_t>(value);
  if ((x & 0x7FFFFFFF) > 0x7F800000) {
    return static_cast<uint16_t>((x >> 16) | 64); // quiet NaN
  }
  return static_cast<uint16_t>((x + (0x7FFF + ((x >> 16) & 1))) >> 16);
}

void dequantizeRow(GgmlType type, const void* src, float* dst, int64_t n) {
  if (n < 0 || !isSupportedForCompute(type) || n % static_cast<int64_t>(ggmlBlockSize(type)) != 0) {
    throw std::invalid_argument("cannot dequantize " + std::to_string(n) + " elements of " +
                                std::string(ggmlTypeName(type)));
  }
  const auto* bytes = static_cast<const uint8_t*>(src);
  switch (type) {
  case GgmlType::F32:
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
    return;
  case GgmlType::F16:
    dequantizeF16(bytes, dst, n);
    return;
  case GgmlType::BF16:
    dequantizeBF16(bytes, dst, n);
    return;
  case GgmlType::Q8_0:
    dequantizeQ8_0(bytes, dst, n);
    return;
  case GgmlType::Q4_0:
    dequantizeQ4_0(bytes, dst, n);
    return;
  case GgmlType::Q4_1:
    dequantizeQ4_1(bytes, dst, n);
    return;
  case GgmlType::Q5_0:
    dequantizeQ5(bytes, dst, n, false);
    return;
  case GgmlType::Q5_1:
    dequantizeQ5(bytes, dst, n, true);
    return;
  case GgmlType::Q2_K:
  case GgmlType::Q3_K:
  case GgmlType::Q4_K:
  case GgmlType::Q5_K:
  case GgmlType::Q6_K:
    dequantizeKQuantRow(type, static_cast<const std::byte*>(src), dst, n);
    return;
  default:
    break;
  }
  throw std::invalid_argument("cannot dequantize " + std::string(ggmlTypeName(type)));
}

void quantizeRowQ8_0(const float* src, void* dst, int64_t n) {
  if (n < 0 || n % kQk != 0) {
    throw std::invalid_argument("Q8_0 needs a multiple of 32 elements, got " + std::to_string(n));
  }
  auto* out = static_cast<uint8_t*>(dst);
  for (int64_t b = 0; b < n / kQk; ++b, src += kQk, out += 34) {
    float amax = 0.0f;
    for (int64_t j = 0; j < kQk; ++j) {
      amax = std::max(amax, std::fabs(src[j]));
    }
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const uint16_t dh = floatToHalf(d);
    out[0] = static_cast<uint8_t>(dh & 0xFF);
    out[1] = static_cast<uint8_t>(dh >> 8);
    for (int64_t j = 0; j < kQk; ++j) {
      out[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(std::round(src[j] * id)));
    }
  }
}

namespace {

void storeHalf(uint8_t* p, float value) {
  const uint16_t h = floatToHalf(value);
  p[0] = static_cast<uint8_t>(h & 0xFF);
  p[1] = static_cast<uint8_t>(h >> 8);
}

// Packs 32 five-bit quants as block_q5_x: fifth bits in qh, nibbles in qs
// (element j low, j + 16 high).
void packQ5(const int* q, uint8_t* qh, uint8_t* qs) {
  uint32_t high = 0;
  for (int j = 0; j < kQk / 2; ++j) {
    qs[j] = static_cast<uint8_t>((q[j] & 0x0F) | ((q[j + 16] & 0x0F) << 4));
    high |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
    high |= static_cast<uint32_t>((q[j + 16] >> 4) & 1) << (j + 16);
  }
  for (int i = 0; i < 4; ++i) {
    qh[i] = static_cast<uint8_t>(high >> (8 * i));
  }
}

void checkBlocks(const char* type, int64_t n) {
  if (n < 0 || n % kQk != 0) {
    throw std::invalid_argument(std::string(type) + " needs a multiple of 32 elements, got " +
                                std::to_string(n));
  }
}

} // namespace

void quantizeRowQ5_0(const float* src, void* dst, int64_t n) {
  checkBlocks("Q5_0", n);
  auto* out = static_cast<uint8_t*>(dst);
  int q[kQk];
  for (int64_t b = 0; b < n / kQk; ++b, src += kQk, out += 22) {
    float amax = 0.0f;
    float max = 0.0f;
    for (int64_t j = 0; j < kQk; ++j) {
      if (std::fabs(src[j]) > amax) {
        amax = std::fabs(src[j]);
        max = src[j];
      }
    }
    const float d = max / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    for (int64_t j = 0; j < kQk; ++j) {
      q[j] = std::min(31, static_cast<int>(static_cast<int8_t>(src[j] * id + 16.5f)));
    }
    storeHalf(out, d);
    packQ5(q, out + 2, out + 6);
  }
}

void quantizeRowQ5_1(const float* src, void* dst, int64_t n) {
  checkBlocks("Q5_1", n);
  auto* out = static_cast<uint8_t*>(dst);
  int q[kQk];
  for (int64_t b = 0; b < n / kQk; ++b, src += kQk, out += 24) {
    float min = src[0];
    float max = src[0];
    for (int64_t j = 1; j < kQk; ++j) {
      min = std::min(min, src[j]);
      max = std::max(max, src[j]);
    }
    const float d = (max - min) / 31.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    for (int64_t j = 0; j < kQk; ++j) {
      q[j] = std::min(31, static_cast<int>((src[j] - min) * id + 0.5f));
    }
    storeHalf(out, d);
    storeHalf(out + 2, min);
    packQ5(q, out + 4, out + 8);
  }
}

} // namespace ws::core
