#include "core/matvec.h"

#include "core/avx2_kernels.h"
#include "core/avx512_kernels.h"
#include "core/dequantize.h"
#include "core/tensor_ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>

namespace ws::core {
namespace {

// Block layouts from ggml-common.h: an fp16 scale d (and for the _1 types an
// fp16 minimum m), for Q5 four bytes of fifth bits, then packed quants.
constexpr int64_t kBlock = 32;
constexpr size_t kQ4_0Bytes = 18; // d, qs[16]
constexpr size_t kQ4_1Bytes = 20; // d, m, qs[16]
constexpr size_t kQ5_0Bytes = 22; // d, qh[4], qs[16]
constexpr size_t kQ5_1Bytes = 24; // d, m, qh[4], qs[16]
constexpr size_t kQ8_0Bytes = 34; // d, qs[32]

uint16_t loadU16(const std::byte* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

uint32_t loadU32(const std::byte* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

const uint8_t* bytesAt(const std::byte* p) {
  return reinterpret_cast<const uint8_t*>(p);
}
const int8_t* signedBytesAt(const std::byte* p) {
  return reinterpret_cast<const int8_t*>(p);
}

bool usesQuantizedInput(GgmlType type) {
  switch (type) {
  case GgmlType::Q4_0:
  case GgmlType::Q4_1:
  case GgmlType::Q5_0:
  case GgmlType::Q5_1:
  case GgmlType::Q8_0:
    return true;
  default:
    return false;
  }
}

// The prompt's products: tokens per multi-token kernel call (eight where the
// AVX-512 kernels keep that many accumulators in their 32 registers), and the
// weight bytes of a tile of rows that meets every group in turn.
constexpr int kMaxTokenGroup = avx512::kMaxTokens;
int tokenGroup(KernelIsa isa) {
  return isa == KernelIsa::Avx512Vnni ? kMaxTokenGroup : 4;
}
constexpr uint64_t kTileBytes = 12 << 10;

bool usesBlockSums(GgmlType type) {
  return type == GgmlType::Q4_1 || type == GgmlType::Q5_1;
}

// One block by the rule above; q gets the rounded values, returns sum(q).
int quantizeBlockPortable(const float* xb, int8_t* qb, float& d) {
  float amax = 0.0f;
  for (int64_t i = 0; i < kBlock; ++i) {
    amax = std::max(amax, std::fabs(xb[i]));
  }
  d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  int sum = 0;
  for (int64_t i = 0; i < kBlock; ++i) {
    qb[i] = static_cast<int8_t>(std::lround(xb[i] * id));
    sum += qb[i];
  }
  return sum;
}

#if defined(__x86_64__)
// quantizeBlockPortable on 8 lanes, with the same values: lround's
// round-half-away-from-zero is the truncation plus one step away from zero
// where the dropped fraction is at least one half (exact in float here).
WS_AVX2 int quantizeBlockAvx2(const float* xb, int8_t* qb, float& d) {
  const __m256 signBit = _mm256_set1_ps(-0.0f);
  __m256 v[4];
  __m256 maxAbs = _mm256_setzero_ps();
  for (int k = 0; k < 4; ++k) {
    v[k] = _mm256_loadu_ps(xb + 8 * k);
    maxAbs = _mm256_max_ps(maxAbs, _mm256_andnot_ps(signBit, v[k]));
  }
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(maxAbs), _mm256_extractf128_ps(maxAbs, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  d = _mm_cvtss_f32(m) / 127.0f;
  const __m256 id = _mm256_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
  const __m256 half = _mm256_set1_ps(0.5f);
  const __m256 oneF = _mm256_set1_ps(1.0f);
  __m256i q[4];
  __m256i sums = _mm256_setzero_si256();
  for (int k = 0; k < 4; ++k) {
    const __m256 scaled = _mm256_mul_ps(v[k], id);
    const __m256 truncated = _mm256_round_ps(scaled, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 dropped = _mm256_andnot_ps(signBit, _mm256_sub_ps(scaled, truncated));
    const __m256 away = _mm256_and_ps(_mm256_cmp_ps(dropped, half, _CMP_GE_OQ),
                                      _mm256_or_ps(_mm256_and_ps(scaled, signBit), oneF));
    q[k] = _mm256_cvttps_epi32(_mm256_add_ps(truncated, away));
    sums = _mm256_add_epi32(sums, q[k]);
  }
  // int32 -> int8 with the lanes put back in order (packs works per 128 bits).
  const __m256i packed =
      _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
  const __m256i ordered =
      _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(qb), ordered);
  __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1));
  s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4E));
  s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xB1));
  return _mm_cvtsi128_si32(s4);
}
#endif

// The activation vector quantised to 8 bits per 32-element block, as
// ggml's quantize_row_q8_0 / q8_1: d = max|x| / 127 rounded to fp16,
// q = round(x / d); for the _1 types also d * sum(q); for the AVX-512
// kernels also the forms QuantizedInput lists (q + 128, d per lane, the _0
// types' bias terms).
QuantizedInput quantizeInput(std::span<const float> x, bool withSums, KernelIsa isa,
                             MatvecScratch& scratch) {
  const int64_t blocks = static_cast<int64_t>(x.size()) / kBlock;
  scratch.quants.resize(x.size());
  scratch.scales.resize(static_cast<size_t>(blocks));
  scratch.offsets.resize(withSums ? static_cast<size_t>(blocks) : 0);
#if defined(__x86_64__)
  const bool avx2 = isa >= KernelIsa::Avx2Fma;
#endif
  for (int64_t b = 0; b < blocks; ++b) {
    const float* xb = x.data() + b * kBlock;
    int8_t* qb = scratch.quants.data() + b * kBlock;
    float d = 0.0f;
#if defined(__x86_64__)
    const int sum = avx2 ? quantizeBlockAvx2(xb, qb, d) : quantizeBlockPortable(xb, qb, d);
#else
    const int sum = quantizeBlockPortable(xb, qb, d);
#endif
    scratch.scales[static_cast<size_t>(b)] = halfToFloat(floatToHalf(d));
    if (withSums) {
      scratch.offsets[static_cast<size_t>(b)] =
          halfToFloat(floatToHalf(d * static_cast<float>(sum)));
    }
  }
  QuantizedInput in{scratch.quants.data(), scratch.scales.data(), scratch.offsets.data()};
  if (isa == KernelIsa::Avx512Vnni) {
    const size_t lanes = x.size() / 4;
    scratch.biased.resize(x.size());
    scratch.scaleLanes.resize(lanes);
    scratch.minus8Sums.resize(lanes);
    scratch.minus16Sums.resize(lanes);
    for (size_t i = 0; i < x.size(); ++i) {
      scratch.biased[i] = static_cast<uint8_t>(scratch.quants[i] + 128);
    }
    for (size_t lane = 0; lane < lanes; ++lane) {
      const int8_t* q = scratch.quants.data() + 4 * lane;
      const int32_t sum = q[0] + q[1] + q[2] + q[3];
      scratch.minus8Sums[lane] = -8 * sum;
      scratch.minus16Sums[lane] = -16 * sum;
      scratch.scaleLanes[lane] = scratch.scales[lane / 8];
    }
    in.biased = scratch.biased.data();
    in.dLanes = scratch.scaleLanes.data();
    in.minus8Sums = scratch.minus8Sums.data();
    in.minus16Sums = scratch.minus16Sums.data();
  }
  return in;
}

// ---- Portable kernels: plain loops over one block at a time. ----

float dotQ8_0Portable(const std::byte* w, const QuantizedInput& in, int64_t blocks) {
  float total = 0.0f;
  for (int64_t b = 0; b < blocks; ++b, w += kQ8_0Bytes) {
    const int8_t* qw = signedBytesAt(w + 2);
    const int8_t* qx = in.q + b * kBlock;
    int sum = 0;
    for (int i = 0; i < kBlock; ++i) {
      sum += qw[i] * qx[i];
    }
    total += static_cast<float>(sum) * (halfToFloat(loadU16(w)) * in.d[b]);
  }
  return total;
}

// Q4 and Q5 share the nibble layout: byte j holds element j (low nibble) and
// element j + 16 (high nibble); Q5's qh bit j is element j's fifth bit. The
// _0 types are symmetric (a bias of 8 or 16 is subtracted), the _1 types add
// a per-block minimum m instead.
struct NibbleFormat {
  bool fifthBit;
  bool offset;
  size_t blockBytes;
  size_t qhAt; // byte offset of qh in the block
  size_t qsAt; // byte offset of the packed nibbles
  int bias;
};

NibbleFormat nibbleFormat(GgmlType type) {
  switch (type) {
  case GgmlType::Q4_0:
    return {false, false, kQ4_0Bytes, 0, 2, 8};
  case GgmlType::Q4_1:
    return {false, true, kQ4_1Bytes, 0, 4, 0};
  case GgmlType::Q5_0:
    return {true, false, kQ5_0Bytes, 2, 6, 16};
  default: // Q5_1
    return {true, true, kQ5_1Bytes, 4, 8, 0};
  }
}

// One block's 32 quants with the bias subtracted.
void unpackNibbleBlock(const std::byte* block, const NibbleFormat& f, int q[kBlock]) {
  const uint8_t* qs = bytesAt(block + f.qsAt);
  const uint32_t qh = f.fifthBit ? loadU32(block + f.qhAt) : 0;
  for (int j = 0; j < 16; ++j) {
    q[j] = (qs[j] & 0x0F) + static_cast<int>(((qh >> j) & 1u) << 4) - f.bias;
    q[j + 16] = (qs[j] >> 4) + static_cast<int>(((qh >> (j + 16)) & 1u) << 4) - f.bias;
  }
}

float dotNibblesPortable(const std::byte* w, const QuantizedInput& in, int64_t blocks,
                         const NibbleFormat& f) {
  float total = 0.0f;
  int q[kBlock];
  for (int64_t b = 0; b < blocks; ++b, w += f.blockBytes) {
    unpackNibbleBlock(w, f, q);
    const int8_t* qx = in.q + b * kBlock;
    int sum = 0;
    for (int i = 0; i < kBlock; ++i) {
      sum += q[i] * qx[i];
    }
    total += static_cast<float>(sum) * (halfToFloat(loadU16(w)) * in.d[b]);
    if (f.offset) {
      total += halfToFloat(loadU16(w + 2)) * in.s[b];
    }
  }
  return total;
}

#if defined(__x86_64__)
// ---- AVX2 kernels, after ggml's: 32 quants per 256-bit register, int8
// products summed by maddubs/madd, one FMA per block into 8 float lanes. ----

using avx2::horizontalSum;

WS_AVX2 inline float halfToFloatF16c(const std::byte* p) {
  return _cvtsh_ss(loadU16(p));
}

// Signed x signed int8 products of 32 pairs, as 8 int32 lanes.
WS_AVX2 inline __m256i dotSignedBytes(__m256i a, __m256i b) {
  const __m256i absA = _mm256_sign_epi8(a, a);
  const __m256i signedB = _mm256_sign_epi8(b, a);
  return _mm256_madd_epi16(_mm256_maddubs_epi16(absA, signedB), _mm256_set1_epi16(1));
}

// Unsigned x signed int8 products of 32 pairs, as 8 int32 lanes.
WS_AVX2 inline __m256i dotUnsignedSignedBytes(__m256i u, __m256i s) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

// 16 bytes of nibbles -> 32 bytes 0..15: low nibbles first, then high ones.
WS_AVX2 inline __m256i nibblesToBytes(const std::byte* p) {
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m256i both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
  return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

// 32 bits -> 32 bytes, 0xFF where the bit is set.
WS_AVX2 inline __m256i bitsToBytes(uint32_t bits) {
  const __m256i shuffle = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202,
                                            0x0101010101010101, 0x0000000000000000);
  __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)), shuffle);
  bytes = _mm256_or_si256(bytes, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
  return _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1));
}

// Q8_0 against T quantised inputs: each block's weights are loaded once.
template <int T>
WS_AVX2 void dotQ8_0Avx2(const std::byte* w, const QuantizedInput* in, int64_t blocks, float* out) {
  __m256 acc[T];
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    acc[t] = _mm256_setzero_ps();
  }
  for (int64_t b = 0; b < blocks; ++b, w += kQ8_0Bytes) {
    const __m256i qw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 2));
    const float dw = halfToFloatF16c(w);
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in[t].q + b * kBlock));
      const __m256 scale = _mm256_set1_ps(dw * in[t].d[b]);
      acc[t] = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(dotSignedBytes(qw, qx)), acc[t]);
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    out[t] = horizontalSum(acc[t]);
  }
}

// Q4_0, Q5_0, Q4_1 and Q5_1 against T quantised inputs: each block's quants
// are unpacked once. The _0 types as signed bytes (the bias subtracted), the
// _1 types as unsigned ones plus the block minimum times the input's sum.
template <GgmlType kType, int T>
WS_AVX2 void dotNibblesAvx2(const std::byte* w, const QuantizedInput* in, int64_t blocks,
                            float* out) {
  constexpr bool kFifthBit = kType == GgmlType::Q5_0 || kType == GgmlType::Q5_1;
  constexpr bool kOffset = kType == GgmlType::Q4_1 || kType == GgmlType::Q5_1;
  constexpr size_t kQhAt = kOffset ? 4 : 2;
  constexpr size_t kQsAt = kQhAt + (kFifthBit ? 4 : 0);
  constexpr size_t kBlockBytes = kQsAt + 16;
  __m256 acc[T];
  float offsets[T];
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    acc[t] = _mm256_setzero_ps();
    offsets[t] = 0.0f;
  }
  for (int64_t b = 0; b < blocks; ++b, w += kBlockBytes) {
    __m256i qw = nibblesToBytes(w + kQsAt);
    if (kType == GgmlType::Q4_0) {
      qw = _mm256_sub_epi8(qw, _mm256_set1_epi8(8));
    } else if (kType == GgmlType::Q5_0) {
      // (nibble | fifth << 4) - 16 == nibble - 16 (i.e. nibble | 0xF0) where
      // the fifth bit is clear, and the nibble itself where it is set.
      qw = _mm256_or_si256(qw, _mm256_andnot_si256(bitsToBytes(loadU32(w + kQhAt)),
                                                   _mm256_set1_epi8(static_cast<char>(0xF0))));
    } else if (kType == GgmlType::Q5_1) {
      qw = _mm256_or_si256(
          qw, _mm256_and_si256(bitsToBytes(loadU32(w + kQhAt)), _mm256_set1_epi8(0x10)));
    }
    const float dw = halfToFloatF16c(w);
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in[t].q + b * kBlock));
      const __m256i products = kOffset ? dotUnsignedSignedBytes(qw, qx) : dotSignedBytes(qw, qx);
      acc[t] =
          _mm256_fmadd_ps(_mm256_set1_ps(dw * in[t].d[b]), _mm256_cvtepi32_ps(products), acc[t]);
    }
    if (kOffset) {
      const float m = halfToFloatF16c(w + 2);
#pragma GCC unroll 8
      for (int t = 0; t < T; ++t) {
        offsets[t] += m * in[t].s[b];
      }
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    out[t] = horizontalSum(acc[t]) + offsets[t];
  }
}

// 16-bit floats widened to float, 8 per step.
WS_AVX2 inline __m256 loadF16(const std::byte* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
WS_AVX2 inline __m256 loadBF16(const std::byte* p) {
  const __m128i halves = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(halves), 16));
}

// A 16-bit float row against T float inputs: four accumulator chains per
// input (the FMA latency hides behind them), each weight converted once.
template <int T, bool kBrain>
WS_AVX2 void dotHalfAvx2(const std::byte* w, const float* const* x, int64_t n, float* out) {
  __m256 acc[T][4];
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    for (__m256& a : acc[t]) {
      a = _mm256_setzero_ps();
    }
  }
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
#pragma GCC unroll 8
    for (int k = 0; k < 4; ++k) {
      const __m256 wk = kBrain ? loadBF16(w + 2 * (i + 8 * k)) : loadF16(w + 2 * (i + 8 * k));
#pragma GCC unroll 8
      for (int t = 0; t < T; ++t) {
        acc[t][k] = _mm256_fmadd_ps(wk, _mm256_loadu_ps(x[t] + i + 8 * k), acc[t][k]);
      }
    }
  }
  for (; i + 8 <= n; i += 8) {
    const __m256 wk = kBrain ? loadBF16(w + 2 * i) : loadF16(w + 2 * i);
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      acc[t][0] = _mm256_fmadd_ps(wk, _mm256_loadu_ps(x[t] + i), acc[t][0]);
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    float total = horizontalSum(
        _mm256_add_ps(_mm256_add_ps(acc[t][0], acc[t][1]), _mm256_add_ps(acc[t][2], acc[t][3])));
    for (int64_t j = i; j < n; ++j) {
      const uint16_t bits = loadU16(w + 2 * j);
      total += (kBrain ? bfloat16ToFloat(bits) : _cvtsh_ss(bits)) * x[t][j];
    }
    out[t] = total;
  }
}

#endif

// The portable dot product of one weight row with one input.
float rowDotPortable(const WeightMatrix& w, const std::byte* row, const float* x,
                     const QuantizedInput& in, std::vector<float>& buffer) {
  const int64_t n = w.cols;
  const int64_t blocks = n / kBlock;
  switch (w.type) {
  case GgmlType::F32:
    return dotF32(reinterpret_cast<const float*>(row), x, n);
  case GgmlType::Q8_0:
    return dotQ8_0Portable(row, in, blocks);
  case GgmlType::Q4_0:
  case GgmlType::Q4_1:
  case GgmlType::Q5_0:
  case GgmlType::Q5_1:
    return dotNibblesPortable(row, in, blocks, nibbleFormat(w.type));
  default:
    buffer.resize(static_cast<size_t>(n));
    dequantizeRow(w.type, row, buffer.data(), n);
    return dotF32(buffer.data(), x, n);
  }
}

// The inputs of one product, prepared once for every kernel: as floats, as
// Q8_0 / Q8_1 blocks and as Q8_K; one entry per input vector.
struct PreparedInputs {
  const float* const* x;
  const QuantizedInput* q;
  const Q8KView* k;
};

// out[t] = the weight row . input t for t < count. Kernels with a
// multi-input form decode each weight block once for a group of inputs; the
// others run once per input. Every input gets the same arithmetic whatever
// `count` is. `buffer` is a per-thread float row for the decode-then-dot
// types.
void rowDots(const WeightMatrix& w, const std::byte* row, const PreparedInputs& in, int count,
             KernelIsa isa, std::vector<float>& buffer, float* out) {
  const int64_t n = w.cols;
  const int64_t blocks = n / kBlock;
  if (isKQuant(w.type)) {
    dotKQuantRows(w.type, row, in.k, count, n / 256, isa, out);
    return;
  }
  if (isa == KernelIsa::Avx512Vnni && avx512::dotBlockRows(w.type, row, in.q, count, blocks, out)) {
    return;
  }
#if defined(__x86_64__)
  if (isa >= KernelIsa::Avx2Fma) {
    switch (w.type) {
    case GgmlType::Q8_0:
      return avx2::inGroups<4>(
          count, [&]<int T>(int first) { dotQ8_0Avx2<T>(row, in.q + first, blocks, out + first); });
    case GgmlType::Q4_0:
      return avx2::inGroups<4>(count, [&]<int T>(int first) {
        dotNibblesAvx2<GgmlType::Q4_0, T>(row, in.q + first, blocks, out + first);
      });
    case GgmlType::Q5_0:
      return avx2::inGroups<4>(count, [&]<int T>(int first) {
        dotNibblesAvx2<GgmlType::Q5_0, T>(row, in.q + first, blocks, out + first);
      });
    case GgmlType::Q4_1:
      return avx2::inGroups<4>(count, [&]<int T>(int first) {
        dotNibblesAvx2<GgmlType::Q4_1, T>(row, in.q + first, blocks, out + first);
      });
    case GgmlType::Q5_1:
      return avx2::inGroups<4>(count, [&]<int T>(int first) {
        dotNibblesAvx2<GgmlType::Q5_1, T>(row, in.q + first, blocks, out + first);
      });
    case GgmlType::F16:
      return avx2::inGroups<2>(count, [&]<int T>(int first) {
        dotHalfAvx2<T, false>(row, in.x + first, n, out + first);
      });
    case GgmlType::BF16:
      return avx2::inGroups<2>(count, [&]<int T>(int first) {
        dotHalfAvx2<T, true>(row, in.x + first, n, out + first);
      });
    default:
      break;
    }
  }
#endif
  for (int t = 0; t < count; ++t) {
    out[t] = rowDotPortable(w, row, in.x[t], in.q[t], buffer);
  }
}

void checkShapes(const WeightMatrix& w, size_t xSize, size_t ySize) {
  if (!isMatvecSupported(w.type)) {
    throw std::invalid_argument("matvec: weight type " + std::string(ggmlTypeName(w.type)) +
                                " is not supported");
  }
  if (static_cast<int64_t>(xSize) != w.cols || static_cast<int64_t>(ySize) != w.rows) {
    throw std::invalid_argument("matvec: a " + std::to_string(w.rows) + "x" +
                                std::to_string(w.cols) + " matrix cannot map " +
                                std::to_string(xSize) + " inputs to " + std::to_string(ySize) +
                                " outputs");
  }
}

} // namespace

bool isMatvecSupported(GgmlType type) {
  switch (type) {
  case GgmlType::F32:
  case GgmlType::F16:
  case GgmlType::BF16:
  case GgmlType::Q4_0:
  case GgmlType::Q4_1:
  case GgmlType::Q5_0:
  case GgmlType::Q5_1:
  case GgmlType::Q8_0:
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

std::string matvecTypeNames() {
  std::string names;
  for (uint32_t id = 0; id < 64; ++id) {
    const auto type = ggmlTypeFromId(id);
    if (type && isMatvecSupported(*type)) {
      names += (names.empty() ? "" : ", ") + std::string(ggmlTypeName(*type));
    }
  }
  return names;
}

void decodeRow(const WeightMatrix& w, int64_t row, std::span<float> out) {
  checkShapes(w, out.size(), static_cast<size_t>(w.rows));
  if (row < 0 || row >= w.rows) {
    throw std::out_of_range("decodeRow: row " + std::to_string(row) + " outside 0.." +
                            std::to_string(w.rows - 1));
  }
  const std::byte* src = w.row(row);
  if (!usesQuantizedInput(w.type) || isSupportedForCompute(w.type)) {
    dequantizeRow(w.type, src, out.data(), w.cols);
    return;
  }
  // The offset and fifth-bit types, which dequantizeRow does not cover.
  const NibbleFormat f = nibbleFormat(w.type);
  int q[kBlock];
  for (int64_t b = 0; b < w.cols / kBlock; ++b, src += f.blockBytes) {
    unpackNibbleBlock(src, f, q);
    const float d = halfToFloat(loadU16(src));
    const float m = f.offset ? halfToFloat(loadU16(src + 2)) : 0.0f;
    for (int i = 0; i < kBlock; ++i) {
      out[static_cast<size_t>(b * kBlock + i)] = static_cast<float>(q[i]) * d + m;
    }
  }
}

void matvec(const WeightMatrix& w, std::span<const float> x, std::span<float> y, ThreadPool& pool,
            MatvecScratch& scratch) {
  const MatvecProduct product{w, y};
  matvecBatch({&product, 1}, x, pool, scratch);
}

void matvecBatch(std::span<const MatvecProduct> products, std::span<const float> x,
                 ThreadPool& pool, MatvecScratch& scratch) {
  bool quantized = false;
  bool sums = false;
  bool kQuantized = false;
  int64_t totalRows = 0;
  for (const MatvecProduct& p : products) {
    checkShapes(p.weights, x.size(), p.y.size());
    quantized = quantized || usesQuantizedInput(p.weights.type);
    kQuantized = kQuantized || isKQuant(p.weights.type);
    sums = sums || usesBlockSums(p.weights.type);
    totalRows += p.weights.rows;
  }
  const KernelIsa isa = activeKernelIsa();
  // One quantisation of x serves every integer kernel of the batch.
  const QuantizedInput in = quantized ? quantizeInput(x, sums, isa, scratch) : QuantizedInput{};
  if (kQuantized) {
    quantizeRowQ8_K(x, scratch.kQuants);
  }
  const Q8KView kIn = kQuantized ? scratch.kQuants.view() : Q8KView{};
  // Chunks of at least ~16K weights: smaller products run on the calling
  // thread, where handing them to the pool would cost more than it saves.
  const int64_t cols = static_cast<int64_t>(x.size());
  const int64_t grain = std::max<int64_t>(16, (int64_t{1} << 14) / std::max<int64_t>(1, cols));
  // The products' rows are numbered one after another; a chunk may span two.
  const float* xData = x.data();
  const PreparedInputs prepared{&xData, &in, &kIn};
  const auto body = [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> buffer;
    int64_t first = 0;
    for (const MatvecProduct& p : products) {
      const WeightMatrix& w = p.weights;
      const int64_t from = std::max(begin, first) - first;
      const int64_t to = std::min(end, first + w.rows) - first;
      const uint64_t stride = w.rowStride();
      const std::byte* row = w.data + static_cast<uint64_t>(std::max<int64_t>(from, 0)) * stride;
      first += w.rows;
      if (from < to && isa == KernelIsa::Avx512Vnni &&
          avx512::dotRowRange(w.type, row, stride, to - from, in, kIn, w.cols,
                              &p.y[static_cast<size_t>(from)])) {
        continue;
      }
      for (int64_t r = from; r < to; ++r, row += stride) {
        rowDots(w, row, prepared, 1, isa, buffer, &p.y[static_cast<size_t>(r)]);
      }
    }
  };
  // By reference: a std::function holding a reference_wrapper does not
  // allocate, so a decode step's products allocate nothing.
  pool.parallelFor(totalRows, grain, std::cref(body));
}

void matmulBatch(std::span<const MatmulProduct> products, const float* x, size_t xStride,
                 int tokens, ThreadPool& pool, std::vector<MatvecScratch>& scratch) {
  if (tokens <= 0 || products.empty()) {
    return;
  }
  const int64_t cols = products[0].weights.cols;
  bool quantized = false;
  bool sums = false;
  bool kQuantized = false;
  int64_t totalRows = 0;
  for (const MatmulProduct& p : products) {
    checkShapes(p.weights, static_cast<size_t>(cols), static_cast<size_t>(p.weights.rows));
    quantized = quantized || usesQuantizedInput(p.weights.type);
    sums = sums || usesBlockSums(p.weights.type);
    kQuantized = kQuantized || isKQuant(p.weights.type);
    totalRows += p.weights.rows;
  }
  const KernelIsa isa = activeKernelIsa();
  const int groupSize = tokenGroup(isa);
  scratch.resize(static_cast<size_t>(tokens));
  std::vector<QuantizedInput> in(static_cast<size_t>(tokens));
  std::vector<Q8KView> kIn(static_cast<size_t>(tokens));
  std::vector<const float*> xs(static_cast<size_t>(tokens));
  // Quantising the inputs is cheap next to the products; the tokens' inputs
  // are independent, so the pool shares them too.
  pool.parallelFor(tokens, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const size_t i = static_cast<size_t>(t);
      xs[i] = x + i * xStride;
      const std::span<const float> xt(xs[i], static_cast<size_t>(cols));
      if (quantized) {
        in[i] = quantizeInput(xt, sums, isa, scratch[i]);
      }
      if (kQuantized) {
        quantizeRowQ8_K(xt, scratch[i].kQuants);
        kIn[i] = scratch[i].kQuants.view();
      }
    }
  });
  const PreparedInputs prepared{xs.data(), in.data(), kIn.data()};
  const int64_t grain = std::max<int64_t>(4, (int64_t{1} << 12) / std::max<int64_t>(1, cols));
  pool.parallelFor(totalRows, grain, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> buffer;
    int64_t first = 0;
    for (const MatmulProduct& p : products) {
      const WeightMatrix& w = p.weights;
      const int64_t from = std::max(begin, first) - first;
      const int64_t to = std::min(end, first + w.rows) - first;
      first += w.rows;
      const uint64_t stride = w.rowStride();
      // A tile of rows small enough to stay in the L1 cache next to a group
      // of tokens' inputs: the tile is read from memory once, and each
      // group's inputs are read once per tile rather than once per row.
      const int64_t tileRows = std::max<int64_t>(1, static_cast<int64_t>(kTileBytes / stride));
      for (int64_t tile = from; tile < to; tile += tileRows) {
        const int64_t tileEnd = std::min(to, tile + tileRows);
        for (int group = 0; group < tokens; group += groupSize) {
          const int count = std::min(groupSize, tokens - group);
          const PreparedInputs groupInputs{prepared.x + group, prepared.q + group,
                                           prepared.k + group};
          const std::byte* row = w.row(tile);
          for (int64_t r = tile; r < tileEnd; ++r, row += stride) {
            float dots[kMaxTokenGroup];
            rowDots(w, row, groupInputs, count, isa, buffer, dots);
            for (int t = 0; t < count; ++t) {
              p.y[static_cast<size_t>(group + t) * p.yStride + static_cast<size_t>(r)] = dots[t];
            }
          }
        }
      }
    }
  });
}

} // namespace ws::core
