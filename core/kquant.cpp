#include "core/kquant.h"

#include "core/avx2_kernels.h"
#include "core/avx512_kernels.h"
#include "core/dequantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ws::core {
namespace {

constexpr int kQkK = 256;

// Super-block layouts of ggml-common.h (byte offsets).
constexpr size_t kQ2KBytes = 84;  // scales[16] (low nibble scale, high nibble min), qs[64], d, dmin
constexpr size_t kQ3KBytes = 110; // hmask[32], qs[64], scales[12] (6-bit), d
constexpr size_t kQ4KBytes = 144; // d, dmin, scales[12] (6-bit scales and mins), qs[128]
constexpr size_t kQ5KBytes = 176; // d, dmin, scales[12], qh[32], qs[128]
constexpr size_t kQ6KBytes = 210; // ql[128], qh[64], scales[16] (int8), d

float loadHalf(const uint8_t* p) {
  return halfToFloat(static_cast<uint16_t>(p[0] | (p[1] << 8)));
}

// Q4_K / Q5_K: the 6-bit scale and min of sub-block j (0..7) in 12 bytes
// (ggml's get_scale_min_k4).
void scaleMinK4(int j, const uint8_t* q, int& scale, int& min) {
  if (j < 4) {
    scale = q[j] & 63;
    min = q[j + 4] & 63;
  } else {
    scale = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4);
    min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// Q3_K: the signed 6-bit scale of 16-element sub-block j (0..15): low four
// bits in bytes 0..7 (low nibbles first), high two in bytes 8..11.
int scaleQ3K(int j, const uint8_t* s) {
  const int low = j < 8 ? (s[j] & 0x0F) : (s[j - 8] >> 4);
  const int high = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
  return (low | (high << 4)) - 32;
}

// One super-block in a common form: element i is
// d * scale[i/16] * (q[i] - bias) - dmin * min[i/16], q unsigned.
struct UnpackedK {
  uint8_t q[kQkK];
  int scale[16];
  int min[16];
  int bias;
  float d;
  float dmin;
};

void unpackQ2K(const uint8_t* b, UnpackedK& u) {
  const uint8_t* qs = b + 16;
  for (int half = 0; half < 2; ++half) {
    for (int shift = 0; shift < 4; ++shift) {
      for (int l = 0; l < 32; ++l) {
        u.q[128 * half + 32 * shift + l] = (qs[32 * half + l] >> (2 * shift)) & 3;
      }
    }
  }
  for (int j = 0; j < 16; ++j) {
    u.scale[j] = b[j] & 0x0F;
    u.min[j] = b[j] >> 4;
  }
  u.bias = 0;
  u.d = loadHalf(b + 80);
  u.dmin = loadHalf(b + 82);
}

void unpackQ3K(const uint8_t* b, UnpackedK& u) {
  const uint8_t* hmask = b;
  const uint8_t* qs = b + 32;
  for (int half = 0; half < 2; ++half) {
    for (int shift = 0; shift < 4; ++shift) {
      const int bit = 4 * half + shift;
      for (int l = 0; l < 32; ++l) {
        const int low = (qs[32 * half + l] >> (2 * shift)) & 3;
        u.q[128 * half + 32 * shift + l] =
            static_cast<uint8_t>(low | (((hmask[l] >> bit) & 1) << 2));
      }
    }
  }
  for (int j = 0; j < 16; ++j) {
    u.scale[j] = scaleQ3K(j, b + 96);
    u.min[j] = 0;
  }
  u.bias = 4; // a clear hmask bit means q - 4
  u.d = loadHalf(b + 108);
  u.dmin = 0.0f;
}

void unpackQ45K(const uint8_t* b, UnpackedK& u, bool fifthBit) {
  const uint8_t* qh = b + 16;
  const uint8_t* qs = b + (fifthBit ? 48 : 16);
  for (int j = 0; j < 4; ++j) {
    for (int l = 0; l < 32; ++l) {
      int low = qs[32 * j + l] & 0x0F;
      int high = qs[32 * j + l] >> 4;
      if (fifthBit) {
        low |= ((qh[l] >> (2 * j)) & 1) << 4;
        high |= ((qh[l] >> (2 * j + 1)) & 1) << 4;
      }
      u.q[64 * j + l] = static_cast<uint8_t>(low);
      u.q[64 * j + 32 + l] = static_cast<uint8_t>(high);
    }
  }
  for (int j = 0; j < 8; ++j) {
    int scale = 0;
    int min = 0;
    scaleMinK4(j, b + 4, scale, min);
    u.scale[2 * j] = u.scale[2 * j + 1] = scale;
    u.min[2 * j] = u.min[2 * j + 1] = min;
  }
  u.bias = 0;
  u.d = loadHalf(b);
  u.dmin = loadHalf(b + 2);
}

void unpackQ6K(const uint8_t* b, UnpackedK& u) {
  for (int half = 0; half < 2; ++half) {
    const uint8_t* ql = b + 64 * half;
    const uint8_t* qh = b + 128 + 32 * half;
    uint8_t* q = u.q + 128 * half;
    for (int l = 0; l < 32; ++l) {
      q[l] = static_cast<uint8_t>((ql[l] & 0x0F) | ((qh[l] & 3) << 4));
      q[l + 32] = static_cast<uint8_t>((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4));
      q[l + 64] = static_cast<uint8_t>((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4));
      q[l + 96] = static_cast<uint8_t>((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4));
    }
  }
  for (int j = 0; j < 16; ++j) {
    u.scale[j] = static_cast<int8_t>(b[192 + j]);
    u.min[j] = 0;
  }
  u.bias = 32;
  u.d = loadHalf(b + 208);
  u.dmin = 0.0f;
}

size_t superBlockBytes(GgmlType type) {
  switch (type) {
  case GgmlType::Q2_K:
    return kQ2KBytes;
  case GgmlType::Q3_K:
    return kQ3KBytes;
  case GgmlType::Q4_K:
    return kQ4KBytes;
  case GgmlType::Q5_K:
    return kQ5KBytes;
  case GgmlType::Q6_K:
    return kQ6KBytes;
  default:
    throw std::invalid_argument(std::string(ggmlTypeName(type)) + " is not a k-quant type");
  }
}

void unpack(GgmlType type, const uint8_t* b, UnpackedK& u) {
  switch (type) {
  case GgmlType::Q2_K:
    return unpackQ2K(b, u);
  case GgmlType::Q3_K:
    return unpackQ3K(b, u);
  case GgmlType::Q4_K:
    return unpackQ45K(b, u, false);
  case GgmlType::Q5_K:
    return unpackQ45K(b, u, true);
  default:
    return unpackQ6K(b, u);
  }
}

float dotPortable(GgmlType type, const uint8_t* w, const Q8KView& x, int64_t blocks) {
  const size_t stride = superBlockBytes(type);
  UnpackedK u;
  float total = 0.0f;
  for (int64_t b = 0; b < blocks; ++b, w += stride) {
    unpack(type, w, u);
    const int8_t* q8 = x.q + b * kQkK;
    const int16_t* sums = x.sums + b * 16;
    int scaled = 0;
    int mins = 0;
    for (int j = 0; j < 16; ++j) {
      int dot = 0;
      for (int l = 0; l < 16; ++l) {
        dot += u.q[16 * j + l] * q8[16 * j + l];
      }
      scaled += u.scale[j] * (dot - u.bias * sums[j]);
      mins += u.min[j] * sums[j];
    }
    total += x.d[b] * u.d * static_cast<float>(scaled) - x.d[b] * u.dmin * static_cast<float>(mins);
  }
  return total;
}

#if defined(__x86_64__)
// ---- AVX2 kernels, after ggml's: each 32 quants of a super-block are made
// unsigned bytes, multiplied with the int8 activations by maddubs (pairs
// summed to int16), then by their sub-block scales through madd (int32). The
// integer sum of a super-block is exactly the portable kernel's. ----

using avx2::horizontalSum;

WS_AVX2 inline float halfAt(const uint8_t* p) {
  uint16_t bits;
  std::memcpy(&bits, p, sizeof bits);
  return _cvtsh_ss(bits);
}

WS_AVX2 inline __m256i load256(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

// int16 scales of the two 16-element halves of chunk c (0..3) taken from 8
// int16 values held in both 128-bit lanes: scale 2c in the low lane, 2c + 1 in
// the high one.
WS_AVX2 inline __m256i chunkScales(__m256i scales8, int c) {
  const char lo = static_cast<char>(4 * c);
  const char hi = static_cast<char>(4 * c + 2);
  const __m256i shuffle =
      _mm256_setr_epi8(lo, lo + 1, lo, lo + 1, lo, lo + 1, lo, lo + 1, lo, lo + 1, lo, lo + 1, lo,
                       lo + 1, lo, lo + 1, hi, hi + 1, hi, hi + 1, hi, hi + 1, hi, hi + 1, hi,
                       hi + 1, hi, hi + 1, hi, hi + 1, hi, hi + 1);
  return _mm256_shuffle_epi8(scales8, shuffle);
}

// acc += scales * (pairwise sums of q * y); q unsigned, y signed bytes.
WS_AVX2 inline __m256i scaledDot(__m256i acc, __m256i q, const int8_t* y, __m256i scales) {
  const __m256i products = _mm256_maddubs_epi16(q, load256(y));
  return _mm256_add_epi32(acc, _mm256_madd_epi16(products, scales));
}

// 16 int8 scales widened to int16: the first 8 in both lanes of `low`, the
// last 8 in both lanes of `high`.
struct Scales16 {
  __m256i low;
  __m256i high;
  __m256i all; // s0..s15 as int16, for the sums against the activation block sums
};

WS_AVX2 inline Scales16 widenScales(__m128i scales) {
  const __m256i all = _mm256_cvtepi8_epi16(scales);
  return {_mm256_permute2x128_si256(all, all, 0x00), _mm256_permute2x128_si256(all, all, 0x11),
          all};
}

WS_AVX2 float dotQ2KAvx2(const uint8_t* w, const Q8KView& x, int64_t blocks) {
  const __m256i mask2 = _mm256_set1_epi8(3);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < blocks; ++b, w += kQ2KBytes) {
    const int8_t* y = x.q + b * kQkK;
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w));
    const Scales16 scales = widenScales(_mm_and_si128(packed, _mm_set1_epi8(0x0F)));
    const __m256i mins =
        _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0F)));
    __m256i sum = _mm256_setzero_si256();
#pragma GCC unroll 8
    for (int half = 0; half < 2; ++half) {
      const __m256i bits = load256(w + 16 + 32 * half);
      const __m256i& s8 = half == 0 ? scales.low : scales.high;
      for (int shift = 0; shift < 4; ++shift) {
        const __m256i q = _mm256_and_si256(_mm256_srli_epi16(bits, 2 * shift), mask2);
        sum = scaledDot(sum, q, y + 128 * half + 32 * shift, chunkScales(s8, shift));
      }
    }
    const __m256i minSums = _mm256_madd_epi16(mins, load256(x.sums + b * 16));
    const float dy = x.d[b];
    acc = _mm256_fmadd_ps(_mm256_set1_ps(dy * halfAt(w + 80)), _mm256_cvtepi32_ps(sum), acc);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(-dy * halfAt(w + 82)), _mm256_cvtepi32_ps(minSums), acc);
  }
  return horizontalSum(acc);
}

WS_AVX2 float dotQ3KAvx2(const uint8_t* w, const Q8KView& x, int64_t blocks) {
  const __m256i mask2 = _mm256_set1_epi8(3);
  const __m256i one = _mm256_set1_epi8(1);
  __m256 acc = _mm256_setzero_ps();
  alignas(16) int8_t scaleBytes[16];
  for (int64_t b = 0; b < blocks; ++b, w += kQ3KBytes) {
    const int8_t* y = x.q + b * kQkK;
    for (int j = 0; j < 16; ++j) {
      scaleBytes[j] = static_cast<int8_t>(scaleQ3K(j, w + 96));
    }
    const Scales16 scales =
        widenScales(_mm_load_si128(reinterpret_cast<const __m128i*>(scaleBytes)));
    const __m256i hmask = load256(w);
    __m256i sum = _mm256_setzero_si256();
#pragma GCC unroll 8
    for (int half = 0; half < 2; ++half) {
      const __m256i bits = load256(w + 32 + 32 * half);
      const __m256i& s8 = half == 0 ? scales.low : scales.high;
      for (int shift = 0; shift < 4; ++shift) {
        const __m256i low = _mm256_and_si256(_mm256_srli_epi16(bits, 2 * shift), mask2);
        const __m256i high = _mm256_and_si256(_mm256_srli_epi16(hmask, 4 * half + shift), one);
        const __m256i q = _mm256_or_si256(low, _mm256_slli_epi16(high, 2));
        sum = scaledDot(sum, q, y + 128 * half + 32 * shift, chunkScales(s8, shift));
      }
    }
    // The unsigned quants carry +4: subtract 4 * scale * (block sum).
    const __m256i biasSums = _mm256_madd_epi16(scales.all, load256(x.sums + b * 16));
    sum = _mm256_sub_epi32(sum, _mm256_slli_epi32(biasSums, 2));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(x.d[b] * halfAt(w + 108)), _mm256_cvtepi32_ps(sum), acc);
  }
  return horizontalSum(acc);
}

// The int16 at index k of each 128-bit lane, in all eight int16 slots of it.
WS_AVX2 inline __m256i broadcastInt16(__m256i v, int k) {
  return _mm256_shuffle_epi8(v,
                             _mm256_set1_epi16(static_cast<int16_t>(((2 * k + 1) << 8) | 2 * k)));
}

// Q4_K / Q5_K against `T` activation vectors at once: each super-block's
// scales, mins and quants are unpacked once and used for every vector. The
// arithmetic of each vector is the same for every T.
template <bool kFifthBit, int T>
WS_AVX2 void dotQ45KAvx2(const uint8_t* w, const Q8KView* x, int64_t blocks, float* out) {
  const __m256i mask4 = _mm256_set1_epi8(0x0F);
  const __m256i one = _mm256_set1_epi8(1);
  constexpr size_t stride = kFifthBit ? kQ5KBytes : kQ4KBytes;
  // get_scale_min_k4 for all eight sub-blocks at once, on 32-bit words.
  constexpr uint32_t kLow6 = 0x3f3f3f3f;
  constexpr uint32_t kLow4 = 0x0f0f0f0f;
  constexpr uint32_t kLow2 = 0x03030303;
  __m256 acc[T];
  __m128 accMin[T];
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    acc[t] = _mm256_setzero_ps();
    accMin[t] = _mm_setzero_ps();
  }
  for (int64_t b = 0; b < blocks; ++b, w += stride) {
    uint32_t packed[3];
    std::memcpy(packed, w + 4, sizeof packed);
    const uint32_t scales03 = packed[0] & kLow6;
    const uint32_t scales47 = (packed[2] & kLow4) | (((packed[0] >> 6) & kLow2) << 4);
    const uint32_t mins03 = packed[1] & kLow6;
    const uint32_t mins47 = ((packed[2] >> 4) & kLow4) | (((packed[1] >> 6) & kLow2) << 4);
    // int16 scales 0..7 in the low lane, mins 0..7 in the high one.
    const __m256i scalesMins =
        _mm256_cvtepu8_epi16(_mm_set_epi32(static_cast<int>(mins47), static_cast<int>(mins03),
                                           static_cast<int>(scales47), static_cast<int>(scales03)));
    const __m128i mins = _mm256_extracti128_si256(scalesMins, 1);
    const __m256i scales = _mm256_permute2x128_si256(scalesMins, scalesMins, 0x00);
    const float d = halfAt(w);
    const float dmin = halfAt(w + 2);
    __m256i sum[T];
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      // The mins against the activations' 32-element sums.
      const __m256i sums16 = load256(x[t].sums + b * 16);
      const __m128i sums32 =
          _mm_hadd_epi16(_mm256_castsi256_si128(sums16), _mm256_extracti128_si256(sums16, 1));
      const __m128i minProducts = _mm_madd_epi16(mins, sums32);
      accMin[t] =
          _mm_fmadd_ps(_mm_set1_ps(dmin * x[t].d[b]), _mm_cvtepi32_ps(minProducts), accMin[t]);
      sum[t] = _mm256_setzero_si256();
    }
    const uint8_t* qs = w + (kFifthBit ? 48 : 16);
    const __m256i qh = kFifthBit ? load256(w + 16) : _mm256_setzero_si256();
#pragma GCC unroll 8
    for (int j = 0; j < 4; ++j) {
      const __m256i bits = load256(qs + 32 * j);
      __m256i low = _mm256_and_si256(bits, mask4);
      __m256i high = _mm256_and_si256(_mm256_srli_epi16(bits, 4), mask4);
      if (kFifthBit) {
        low = _mm256_or_si256(
            low, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * j), one), 4));
        high = _mm256_or_si256(
            high, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * j + 1), one), 4));
      }
      const __m256i scaleLow = broadcastInt16(scales, 2 * j);
      const __m256i scaleHigh = broadcastInt16(scales, 2 * j + 1);
#pragma GCC unroll 8
      for (int t = 0; t < T; ++t) {
        const int8_t* y = x[t].q + b * kQkK + 64 * j;
        sum[t] = scaledDot(sum[t], low, y, scaleLow);
        sum[t] = scaledDot(sum[t], high, y + 32, scaleHigh);
      }
    }
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * x[t].d[b]), _mm256_cvtepi32_ps(sum[t]), acc[t]);
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    const __m128 m = accMin[t];
    __m128 folded = _mm_add_ps(m, _mm_movehl_ps(m, m));
    folded = _mm_add_ss(folded, _mm_movehdup_ps(folded));
    out[t] = horizontalSum(acc[t]) - _mm_cvtss_f32(folded);
  }
}

template <int T>
WS_AVX2 void dotQ6KAvx2(const uint8_t* w, const Q8KView* x, int64_t blocks, float* out) {
  const __m256i mask4 = _mm256_set1_epi8(0x0F);
  const __m256i mask2 = _mm256_set1_epi8(0x30);
  __m256 acc[T];
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    acc[t] = _mm256_setzero_ps();
  }
  for (int64_t b = 0; b < blocks; ++b, w += kQ6KBytes) {
    const Scales16 scales = widenScales(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 192)));
    __m256i sum[T];
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      // The unsigned quants carry +32: start from -32 * scale * (block sum).
      const __m256i biasSums = _mm256_madd_epi16(scales.all, load256(x[t].sums + b * 16));
      sum[t] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(biasSums, 5));
    }
#pragma GCC unroll 8
    for (int half = 0; half < 2; ++half) {
      const __m256i ql0 = load256(w + 64 * half);
      const __m256i ql1 = load256(w + 64 * half + 32);
      const __m256i qh = load256(w + 128 + 32 * half);
      const __m256i& s8 = half == 0 ? scales.low : scales.high;
      const __m256i q[4] = {_mm256_or_si256(_mm256_and_si256(ql0, mask4),
                                            _mm256_and_si256(_mm256_slli_epi16(qh, 4), mask2)),
                            _mm256_or_si256(_mm256_and_si256(ql1, mask4),
                                            _mm256_and_si256(_mm256_slli_epi16(qh, 2), mask2)),
                            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), mask4),
                                            _mm256_and_si256(qh, mask2)),
                            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), mask4),
                                            _mm256_and_si256(_mm256_srli_epi16(qh, 2), mask2))};
#pragma GCC unroll 8
      for (int c = 0; c < 4; ++c) {
        const __m256i chunkScale = chunkScales(s8, c);
#pragma GCC unroll 8
        for (int t = 0; t < T; ++t) {
          sum[t] = scaledDot(sum[t], q[c], x[t].q + b * kQkK + 128 * half + 32 * c, chunkScale);
        }
      }
    }
    const float d = halfAt(w + 208);
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(x[t].d[b] * d), _mm256_cvtepi32_ps(sum[t]), acc[t]);
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    out[t] = horizontalSum(acc[t]);
  }
}

#endif

} // namespace

bool isKQuant(GgmlType type) {
  switch (type) {
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

namespace {

// ggml's quantize_row_q8_K_ref for one super-block; returns d.
float quantizeQ8KBlockPortable(const float* xb, int8_t* qb) {
  float max = 0.0f;
  float amax = 0.0f;
  for (int i = 0; i < kQkK; ++i) {
    const float ax = std::fabs(xb[i]);
    if (ax > amax) {
      amax = ax;
      max = xb[i];
    }
  }
  if (amax == 0.0f) {
    std::memset(qb, 0, kQkK);
    return 0.0f;
  }
  const float iscale = -127.0f / max;
  for (int i = 0; i < kQkK; ++i) {
    const int v = static_cast<int>(std::nearbyint(iscale * xb[i]));
    qb[i] = static_cast<int8_t>(std::min(127, v));
  }
  return 1.0f / iscale;
}

#if defined(__x86_64__)
// The same on 8 lanes: the first element of largest magnitude gives the
// scale, values rounded to nearest even (nearbyint's default mode).
WS_AVX2 float quantizeQ8KBlockAvx2(const float* xb, int8_t* qb) {
  const __m256 signBit = _mm256_set1_ps(-0.0f);
  __m256 maxAbs = _mm256_setzero_ps();
  for (int i = 0; i < kQkK; i += 8) {
    maxAbs = _mm256_max_ps(maxAbs, _mm256_andnot_ps(signBit, _mm256_loadu_ps(xb + i)));
  }
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(maxAbs), _mm256_extractf128_ps(maxAbs, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  const float amax = _mm_cvtss_f32(m);
  if (amax == 0.0f) {
    std::memset(qb, 0, kQkK);
    return 0.0f;
  }
  const __m256 target = _mm256_set1_ps(amax);
  float max = 0.0f;
  for (int i = 0; i < kQkK; i += 8) {
    const __m256 absolute = _mm256_andnot_ps(signBit, _mm256_loadu_ps(xb + i));
    const int hits = _mm256_movemask_ps(_mm256_cmp_ps(absolute, target, _CMP_EQ_OQ));
    if (hits != 0) {
      max = xb[i + __builtin_ctz(static_cast<unsigned>(hits))];
      break;
    }
  }
  const float iscale = -127.0f / max;
  const __m256 scale = _mm256_set1_ps(iscale);
  const __m256 limit = _mm256_set1_ps(127.0f);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (int i = 0; i < kQkK; i += 32) {
    __m256i q[4];
    for (int k = 0; k < 4; ++k) {
      const __m256 rounded = _mm256_round_ps(_mm256_mul_ps(scale, _mm256_loadu_ps(xb + i + 8 * k)),
                                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      q[k] = _mm256_cvtps_epi32(_mm256_min_ps(rounded, limit));
    }
    const __m256i packed =
        _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(qb + i),
                        _mm256_permutevar8x32_epi32(packed, order));
  }
  return 1.0f / iscale;
}
#endif

} // namespace

void quantizeRowQ8_K(std::span<const float> x, Q8KBuffer& out) {
  if (x.size() % kQkK != 0) {
    throw std::invalid_argument("Q8_K needs a multiple of 256 elements, got " +
                                std::to_string(x.size()));
  }
  const size_t blocks = x.size() / kQkK;
  out.q.resize(x.size());
  out.d.resize(blocks);
  out.sums.resize(blocks * 16);
#if defined(__x86_64__)
  const bool avx2 = activeKernelIsa() >= KernelIsa::Avx2Fma;
#endif
  for (size_t b = 0; b < blocks; ++b) {
    const float* xb = x.data() + b * kQkK;
    int8_t* qb = out.q.data() + b * kQkK;
#if defined(__x86_64__)
    out.d[b] = avx2 ? quantizeQ8KBlockAvx2(xb, qb) : quantizeQ8KBlockPortable(xb, qb);
#else
    out.d[b] = quantizeQ8KBlockPortable(xb, qb);
#endif
    for (int j = 0; j < 16; ++j) {
      int sum = 0;
      for (int i = 0; i < 16; ++i) {
        sum += qb[16 * j + i];
      }
      out.sums[b * 16 + static_cast<size_t>(j)] = static_cast<int16_t>(sum);
    }
  }
}

void dotKQuantRows(GgmlType type, const std::byte* row, const Q8KView* x, int count, int64_t blocks,
                   KernelIsa isa, float* out) {
  const auto* w = reinterpret_cast<const uint8_t*>(row);
  if (isa == KernelIsa::Avx512Vnni && avx512::dotKQuantRows(type, w, x, count, blocks, out)) {
    return;
  }
#if defined(__x86_64__)
  if (isa >= KernelIsa::Avx2Fma) {
    switch (type) {
    case GgmlType::Q4_K:
      return avx2::inGroups<4>(count, [&]<int T>(int first) {
        dotQ45KAvx2<false, T>(w, x + first, blocks, out + first);
      });
    case GgmlType::Q5_K:
      return avx2::inGroups<4>(count, [&]<int T>(int first) {
        dotQ45KAvx2<true, T>(w, x + first, blocks, out + first);
      });
    case GgmlType::Q6_K:
      return avx2::inGroups<4>(
          count, [&]<int T>(int first) { dotQ6KAvx2<T>(w, x + first, blocks, out + first); });
    case GgmlType::Q2_K:
      for (int t = 0; t < count; ++t) {
        out[t] = dotQ2KAvx2(w, x[t], blocks);
      }
      return;
    case GgmlType::Q3_K:
      for (int t = 0; t < count; ++t) {
        out[t] = dotQ3KAvx2(w, x[t], blocks);
      }
      return;
    default:
      break;
    }
  }
#endif
  (void)isa;
  for (int t = 0; t < count; ++t) {
    out[t] = dotPortable(type, w, x[t], blocks);
  }
}

float dotKQuantRow(GgmlType type, const std::byte* row, const Q8KView& x, int64_t blocks,
                   KernelIsa isa) {
  float out = 0.0f;
  dotKQuantRows(type, row, &x, 1, blocks, isa, &out);
  return out;
}

namespace {

void storeHalf(uint8_t* p, float value) {
  const uint16_t h = floatToHalf(value);
  p[0] = static_cast<uint8_t>(h & 0xFF);
  p[1] = static_cast<uint8_t>(h >> 8);
}

int roundToInt(float v) {
  return static_cast<int>(std::nearbyint(v));
}

// Per sub-block of `size` elements: scale and (non-negative) min so that
// x ~ scale * q - min with q in 0..nmax.
void rangeOf(const float* x, int size, int nmax, float& scale, float& min) {
  float lo = 0.0f;
  float hi = 0.0f;
  for (int i = 0; i < size; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  scale = (hi - lo) / static_cast<float>(nmax);
  min = -lo;
}

// Codes for non-negative values against a super-scale of max / codeMax;
// returns the fp16-rounded super-scale.
float codeValues(const float* values, int count, int codeMax, int* codes) {
  float max = 0.0f;
  for (int i = 0; i < count; ++i) {
    max = std::max(max, values[i]);
  }
  const float super = halfToFloat(floatToHalf(max / static_cast<float>(codeMax)));
  for (int i = 0; i < count; ++i) {
    codes[i] = super > 0.0f ? std::clamp(roundToInt(values[i] / super), 0, codeMax) : 0;
  }
  return super;
}

// Unsigned quants of an asymmetric sub-block given its coded scale and min.
void quantsOf(const float* x, int size, float scale, float min, int nmax, uint8_t* q) {
  for (int i = 0; i < size; ++i) {
    q[i] = static_cast<uint8_t>(scale > 0.0f ? std::clamp(roundToInt((x[i] + min) / scale), 0, nmax)
                                             : 0);
  }
}

void quantizeQ2K(const float* x, uint8_t* b) {
  float scales[16];
  float mins[16];
  for (int j = 0; j < 16; ++j) {
    rangeOf(x + 16 * j, 16, 3, scales[j], mins[j]);
  }
  int sc[16];
  int mn[16];
  const float d = codeValues(scales, 16, 15, sc);
  const float dmin = codeValues(mins, 16, 15, mn);
  uint8_t q[kQkK];
  for (int j = 0; j < 16; ++j) {
    b[j] = static_cast<uint8_t>(sc[j] | (mn[j] << 4));
    quantsOf(x + 16 * j, 16, d * static_cast<float>(sc[j]), dmin * static_cast<float>(mn[j]), 3,
             q + 16 * j);
  }
  uint8_t* qs = b + 16;
  std::memset(qs, 0, 64);
  for (int i = 0; i < kQkK; ++i) {
    const int half = i / 128;
    const int shift = (i % 128) / 32;
    qs[32 * half + i % 32] |= static_cast<uint8_t>(q[i] << (2 * shift));
  }
  storeHalf(b + 80, d);
  storeHalf(b + 82, dmin);
}

// Symmetric sub-blocks of 16 with signed scale codes in [-codeLimit,
// codeLimit] and quants in [-qNeg, qPos]; returns the fp16 super-scale.
float symmetricCodes(const float* x, int codeLimit, int qPos, int qNeg, int* sc, int* q) {
  float scales[16];
  float maxScale = 0.0f;
  for (int j = 0; j < 16; ++j) {
    float amax = 0.0f;
    for (int i = 0; i < 16; ++i) {
      amax = std::max(amax, std::fabs(x[16 * j + i]));
    }
    scales[j] = amax / static_cast<float>(qPos);
    maxScale = std::max(maxScale, scales[j]);
  }
  const float d = halfToFloat(floatToHalf(maxScale / static_cast<float>(codeLimit)));
  for (int j = 0; j < 16; ++j) {
    sc[j] = d > 0.0f ? std::clamp(roundToInt(scales[j] / d), 0, codeLimit) : 0;
    const float step = d * static_cast<float>(sc[j]);
    for (int i = 0; i < 16; ++i) {
      q[16 * j + i] = step > 0.0f ? std::clamp(roundToInt(x[16 * j + i] / step), -qNeg, qPos) : 0;
    }
  }
  return d;
}

void quantizeQ3K(const float* x, uint8_t* b) {
  int sc[16];
  int q[kQkK];
  const float d = symmetricCodes(x, 31, 3, 4, sc, q);
  std::memset(b, 0, 108);
  uint8_t* hmask = b;
  uint8_t* qs = b + 32;
  uint8_t* scales = b + 96;
  for (int i = 0; i < kQkK; ++i) {
    const int half = i / 128;
    const int shift = (i % 128) / 32;
    const int l = i % 32;
    const int u = q[i] + 4; // 0..7: low two bits in qs, the third in hmask
    qs[32 * half + l] |= static_cast<uint8_t>((u & 3) << (2 * shift));
    hmask[l] |= static_cast<uint8_t>((u >> 2) << (4 * half + shift));
  }
  for (int j = 0; j < 16; ++j) {
    const int code = sc[j] + 32;
    scales[j % 8] |= static_cast<uint8_t>((code & 0x0F) << (j < 8 ? 0 : 4));
    scales[8 + j % 4] |= static_cast<uint8_t>((code >> 4) << (2 * (j / 4)));
  }
  storeHalf(b + 108, d);
}

void quantizeQ45K(const float* x, uint8_t* b, bool fifthBit) {
  const int nmax = fifthBit ? 31 : 15;
  float scales[8];
  float mins[8];
  for (int j = 0; j < 8; ++j) {
    rangeOf(x + 32 * j, 32, nmax, scales[j], mins[j]);
  }
  int sc[8];
  int mn[8];
  const float d = codeValues(scales, 8, 63, sc);
  const float dmin = codeValues(mins, 8, 63, mn);
  uint8_t q[kQkK];
  for (int j = 0; j < 8; ++j) {
    quantsOf(x + 32 * j, 32, d * static_cast<float>(sc[j]), dmin * static_cast<float>(mn[j]), nmax,
             q + 32 * j);
  }
  storeHalf(b, d);
  storeHalf(b + 2, dmin);
  uint8_t* packed = b + 4; // inverse of scaleMinK4
  for (int j = 0; j < 4; ++j) {
    packed[j] = static_cast<uint8_t>(sc[j] | ((sc[j + 4] >> 4) << 6));
    packed[j + 4] = static_cast<uint8_t>(mn[j] | ((mn[j + 4] >> 4) << 6));
    packed[j + 8] = static_cast<uint8_t>((sc[j + 4] & 0x0F) | ((mn[j + 4] & 0x0F) << 4));
  }
  uint8_t* qh = b + 16;
  uint8_t* qs = b + (fifthBit ? 48 : 16);
  if (fifthBit) {
    std::memset(qh, 0, 32);
  }
  for (int j = 0; j < 4; ++j) {
    for (int l = 0; l < 32; ++l) {
      const uint8_t low = q[64 * j + l];
      const uint8_t high = q[64 * j + 32 + l];
      qs[32 * j + l] = static_cast<uint8_t>((low & 0x0F) | ((high & 0x0F) << 4));
      if (fifthBit) {
        qh[l] |= static_cast<uint8_t>(((low >> 4) << (2 * j)) | ((high >> 4) << (2 * j + 1)));
      }
    }
  }
}

void quantizeQ6K(const float* x, uint8_t* b) {
  int sc[16];
  int q[kQkK];
  const float d = symmetricCodes(x, 127, 31, 32, sc, q);
  std::memset(b, 0, 192);
  for (int i = 0; i < kQkK; ++i) {
    const int u = q[i] + 32;
    const int half = i / 128;
    const int quarter = (i % 128) / 32;
    const int l = i % 32;
    b[64 * half + l + (quarter & 1) * 32] |=
        static_cast<uint8_t>((u & 0x0F) << (4 * (quarter >> 1)));
    b[128 + 32 * half + l] |= static_cast<uint8_t>((u >> 4) << (2 * quarter));
  }
  for (int j = 0; j < 16; ++j) {
    b[192 + j] = static_cast<uint8_t>(static_cast<int8_t>(sc[j]));
  }
  storeHalf(b + 208, d);
}

} // namespace

void quantizeKQuantRow(GgmlType type, const float* src, std::byte* dst, int64_t n) {
  const size_t stride = superBlockBytes(type);
  if (n < 0 || n % kQkK != 0) {
    throw std::invalid_argument(std::string(ggmlTypeName(type)) +
                                " needs a multiple of 256 elements, got " + std::to_string(n));
  }
  auto* out = reinterpret_cast<uint8_t*>(dst);
  for (int64_t b = 0; b < n / kQkK; ++b, src += kQkK, out += stride) {
    switch (type) {
    case GgmlType::Q2_K:
      quantizeQ2K(src, out);
      break;
    case GgmlType::Q3_K:
      quantizeQ3K(src, out);
      break;
    case GgmlType::Q4_K:
      quantizeQ45K(src, out, false);
      break;
    case GgmlType::Q5_K:
      quantizeQ45K(src, out, true);
      break;
    default:
      quantizeQ6K(src, out);
      break;
    }
  }
}

void dequantizeKQuantRow(GgmlType type, const std::byte* row, float* out, int64_t n) {
  const size_t stride = superBlockBytes(type);
  const auto* w = reinterpret_cast<const uint8_t*>(row);
  UnpackedK u;
  for (int64_t b = 0; b < n / kQkK; ++b, w += stride, out += kQkK) {
    unpack(type, w, u);
    for (int j = 0; j < 16; ++j) {
      const float scale = u.d * static_cast<float>(u.scale[j]);
      const float min = u.dmin * static_cast<float>(u.min[j]);
      for (int l = 0; l < 16; ++l) {
        out[16 * j + l] = scale * static_cast<float>(u.q[16 * j + l] - u.bias) - min;
      }
    }
  }
}

} // namespace ws::core
