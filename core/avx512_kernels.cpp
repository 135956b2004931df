// GCC 12's avx512fintrin.h makes its _mm512_undefined_* values by
// initialising a variable from itself (GCC bug 105593, fixed in 13), which
// -Wuninitialized reports wherever _mm512_cvtepi32_ps and friends inline.
// Set before any include so that it covers the intrinsics' header.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "core/avx512_kernels.h"

#if defined(__x86_64__)
#include "core/avx2_kernels.h"

#include <immintrin.h>

#include <cstring>

// Every function here carries the AVX-512 target (and the AVX2 one it
// extends); nothing else in the library is built for it.
#define WS_AVX512                                                                                  \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c"), always_inline))
#define WS_AVX512_ENTRY                                                                            \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")))

namespace ws::core::avx512 {
namespace {

constexpr int64_t kBlock = 32;
constexpr int kQkK = 256;
constexpr size_t kQ2KBytes = 84;
constexpr size_t kQ3KBytes = 110;
constexpr size_t kQ4KBytes = 144;
constexpr size_t kQ5KBytes = 176;
constexpr size_t kQ6KBytes = 210;

inline uint16_t loadU16(const void* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline uint64_t loadU64(const void* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

WS_AVX512 inline float halfAt(const void* p) {
  return _cvtsh_ss(loadU16(p));
}

WS_AVX512 inline __m256i load256(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

// ---- 32-element blocks (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1), after ggml-common.h:
// an fp16 scale d, for the _1 types an fp16 minimum m, for Q5 four bytes of
// fifth bits, then the quants. Two blocks per 512-bit register, their
// products summed by vpdpbusd (unsigned x signed bytes) four to an int32
// lane: for Q8_0 the signed weights against the activations made unsigned
// (q + 128), each lane starting from -128 times the sum of its four weights;
// for the nibble types the unsigned quants against the signed activations,
// each lane starting from the bias (8 or 16 for the _0 types) times minus
// the sum of its four activations. ----

template <GgmlType kType> struct BlockFormat {
  static constexpr bool kFifthBit = kType == GgmlType::Q5_0 || kType == GgmlType::Q5_1;
  static constexpr bool kOffset = kType == GgmlType::Q4_1 || kType == GgmlType::Q5_1;
  static constexpr size_t kQhAt = kOffset ? 4 : 2;
  static constexpr size_t kQsAt = kType == GgmlType::Q8_0 ? 2 : kQhAt + (kFifthBit ? 4 : 0);
  static constexpr size_t kBytes = kType == GgmlType::Q8_0 ? 34 : kQsAt + 16;
};

// The quants of block w (low 256 bits) and, unless kSingle, of the next
// block (high 256 bits; zero when kSingle), in the activations' element
// order: Q8_0's signed ones; for the nibble types the unsigned ones, low
// nibbles (elements 0..15) then high ones (16..31), the fifth bit added.
// Each block's first eight bytes (d, for the _1 types m, for Q5 the fifth
// bits, then quants) in one load: `head` is block w's, `nextHead` the next
// block's (zero when kSingle).
template <GgmlType kType, bool kSingle>
WS_AVX512 inline __m512i weightQuants(const std::byte* w, uint64_t head, uint64_t nextHead) {
  using F = BlockFormat<kType>;
  if constexpr (kType == GgmlType::Q8_0) {
    const __m256i first = load256(w + 2);
    if constexpr (kSingle) {
      return _mm512_zextsi256_si512(first);
    } else {
      return _mm512_inserti64x4(_mm512_castsi256_si512(first), load256(w + F::kBytes + 2), 1);
    }
  } else {
    // [p0, p0, p1, p1] in 128-bit lanes, the odd lanes shifted to their high
    // nibbles.
    const __m512i first =
        _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + F::kQsAt)));
    const __m512i lanes =
        kSingle ? first
                : _mm512_mask_blend_epi64(
                      0xF0, first,
                      _mm512_broadcast_i32x4(_mm_loadu_si128(
                          reinterpret_cast<const __m128i*>(w + F::kBytes + F::kQsAt))));
    __m512i q = _mm512_and_si512(_mm512_mask_srli_epi16(lanes, 0xFF00FF00u, lanes, 4),
                                 _mm512_set1_epi8(0x0F));
    if constexpr (F::kFifthBit) {
      // Byte k's fifth bit is bit k of the block's qh.
      constexpr int kQhBit = 8 * F::kQhAt;
      const uint64_t fifth =
          ((head >> kQhBit) & 0xFFFFFFFFu) | (((nextHead >> kQhBit) & 0xFFFFFFFFu) << 32);
      q = _mm512_mask_add_epi8(q, _cvtu64_mask64(fifth), q, _mm512_set1_epi8(16));
    }
    if constexpr (kSingle) {
      q = _mm512_maskz_mov_epi8(0x00000000FFFFFFFFull, q);
    }
    return q;
  }
}

// The two blocks' fp16 scales d as floats, each in eight lanes; for the _1
// types also their minimums m in the two low lanes of `mins`.
template <GgmlType kType, bool kSingle>
WS_AVX512 inline __m512 weightScales(uint64_t head, uint64_t nextHead, __m128& mins) {
  // fp16 words: d0, m0, d1, m1 for the _1 types, d0, d1 for the others.
  __m128i halves;
  if constexpr (BlockFormat<kType>::kOffset) {
    halves = _mm_cvtsi64_si128(static_cast<int64_t>((head & 0xFFFFFFFFu) | (nextHead << 32)));
  } else {
    halves = _mm_cvtsi32_si128(static_cast<int>((head & 0xFFFFu) | ((nextHead & 0xFFFFu) << 16)));
  }
  const __m128 values = _mm_cvtph_ps(halves);
  constexpr int kSecond = BlockFormat<kType>::kOffset ? 2 : 1;
  if constexpr (BlockFormat<kType>::kOffset) {
    mins = _mm_shuffle_ps(values, values, _MM_SHUFFLE(3, 3, 3, 1));
  }
  return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, kSecond, kSecond, kSecond,
                                                 kSecond, kSecond, kSecond, kSecond, kSecond),
                               _mm512_castps128_ps512(values));
}

// 16 values (two blocks) of a per-lane input table, or 8 and zeros.
template <bool kSingle> WS_AVX512 inline __m512i loadLanes(const int32_t* p) {
  return kSingle ? _mm512_zextsi256_si512(load256(p)) : _mm512_loadu_si512(p);
}

template <GgmlType kType, int T, bool kSingle>
WS_AVX512 inline void blockPairStep(const std::byte* w, const QuantizedInput* in, int64_t b,
                                    __m512* acc, __m128* offsets) {
  const uint64_t head = loadU64(w);
  const uint64_t nextHead = kSingle ? 0 : loadU64(w + BlockFormat<kType>::kBytes);
  const __m512i q = weightQuants<kType, kSingle>(w, head, nextHead);
  __m128 mins = _mm_setzero_ps();
  const __m512 dw = weightScales<kType, kSingle>(head, nextHead, mins);
  __m512i start = _mm512_setzero_si512();
  if constexpr (kType == GgmlType::Q8_0) {
    start = _mm512_sub_epi32(
        start, _mm512_dpbusd_epi32(start, _mm512_set1_epi8(static_cast<char>(0x80)), q));
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    __m512i dots;
    if constexpr (kType == GgmlType::Q8_0) {
      const uint8_t* xq = in[t].biased + b * kBlock;
      const __m512i x = kSingle ? _mm512_zextsi256_si512(load256(xq))
                                : _mm512_loadu_si512(reinterpret_cast<const void*>(xq));
      dots = _mm512_dpbusd_epi32(start, x, q);
    } else {
      const int8_t* xq = in[t].q + b * kBlock;
      const __m512i x = kSingle ? _mm512_zextsi256_si512(load256(xq))
                                : _mm512_loadu_si512(reinterpret_cast<const void*>(xq));
      if constexpr (kType == GgmlType::Q4_0) {
        dots = _mm512_dpbusd_epi32(loadLanes<kSingle>(in[t].minus8Sums + b * 8), q, x);
      } else if constexpr (kType == GgmlType::Q5_0) {
        dots = _mm512_dpbusd_epi32(loadLanes<kSingle>(in[t].minus16Sums + b * 8), q, x);
      } else {
        dots = _mm512_dpbusd_epi32(start, q, x);
      }
    }
    const float* xd = in[t].dLanes + b * 8;
    const __m512 dx = kSingle ? _mm512_zextps256_ps512(_mm256_loadu_ps(xd)) : _mm512_loadu_ps(xd);
    acc[t] = _mm512_fmadd_ps(_mm512_mul_ps(dw, dx), _mm512_cvtepi32_ps(dots), acc[t]);
  }
  if constexpr (BlockFormat<kType>::kOffset) {
    // m * d * sum(q) of the input, for both blocks.
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      const __m128 sums =
          kSingle ? _mm_load_ss(in[t].s + b)
                  : _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(in[t].s + b)));
      offsets[t] = _mm_fmadd_ps(mins, sums, offsets[t]);
    }
  }
}

// A row of 32-element blocks against T quantised inputs: each pair of
// blocks is unpacked once for all of them.
template <GgmlType kType, int T>
WS_AVX512_ENTRY void dotBlocks(const std::byte* w, const QuantizedInput* in, int64_t blocks,
                               float* out) {
  constexpr size_t kBytes = BlockFormat<kType>::kBytes;
  __m512 acc[T];
  __m128 offsets[T];
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    acc[t] = _mm512_setzero_ps();
    offsets[t] = _mm_setzero_ps();
  }
  int64_t b = 0;
  for (; b + 2 <= blocks; b += 2, w += 2 * kBytes) {
    blockPairStep<kType, T, false>(w, in, b, acc, offsets);
  }
  if (b < blocks) {
    blockPairStep<kType, T, true>(w, in, b, acc, offsets);
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    const __m128 pair = _mm_add_ss(offsets[t], _mm_movehdup_ps(offsets[t]));
    out[t] = _mm512_reduce_add_ps(acc[t]) + _mm_cvtss_f32(pair);
  }
}

// ---- K-quants against Q8_K activations: each 64 quants of a super-block as
// unsigned bytes, multiplied with the int8 activations by vpmaddubsw (pairs
// summed to int16, as the AVX2 kernels do) and scaled by their sub-block
// scales through vpdpwssd (int16 pairs into int32). ----

// vpermw indices that spread int16 scales over the 32 words of a register:
// run[k][i] = first + i / width, where `first` moves by 32 / width per k.
template <int kWidth> struct ScaleSpread {
  alignas(64) int16_t index[4][32];
  constexpr ScaleSpread() : index{} {
    for (int k = 0; k < 4; ++k) {
      for (int i = 0; i < 32; ++i) {
        index[k][i] = static_cast<int16_t>(k * (32 / kWidth) + i / kWidth);
      }
    }
  }
};
// Q4_K / Q5_K: per 64-quant chunk j, sub-block scale 2j for its first 16
// words, 2j + 1 for the last 16. Q6_K: per 64 quants k, four 16-element
// sub-blocks' scales, 4k .. 4k + 3, eight words each.
constexpr ScaleSpread<16> kQ45KScaleIndex;
constexpr ScaleSpread<8> kQ6KScaleIndex;

// Q4_K / Q5_K against T activation vectors: each super-block's scales, mins
// and quants are unpacked once and used for every vector.
template <bool kFifthBit, int T>
WS_AVX512_ENTRY void dotQ45K(const uint8_t* w, const Q8KView* x, int64_t blocks, float* out) {
  constexpr size_t stride = kFifthBit ? kQ5KBytes : kQ4KBytes;
  // get_scale_min_k4 for all eight sub-blocks at once, on 32-bit words.
  constexpr uint32_t kLow6 = 0x3f3f3f3f;
  constexpr uint32_t kLow4 = 0x0f0f0f0f;
  constexpr uint32_t kLow2 = 0x03030303;
  const __m512i mask4 = _mm512_set1_epi8(0x0F);
  // The fifth bits of chunk j's low nibbles are qh bits 2j, of its high
  // ones bits 2j + 1.
  __m512i fifthBit[4];
  for (int j = 0; j < 4; ++j) {
    fifthBit[j] = _mm512_inserti64x4(_mm512_set1_epi8(static_cast<char>(1 << (2 * j))),
                                     _mm256_set1_epi8(static_cast<char>(1 << (2 * j + 1))), 1);
  }
  __m512 acc[T];
  __m128 accMin[T];
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    acc[t] = _mm512_setzero_ps();
    accMin[t] = _mm_setzero_ps();
  }
  for (int64_t b = 0; b < blocks; ++b, w += stride) {
    uint32_t packed[3];
    std::memcpy(packed, w + 4, sizeof packed);
    const uint32_t scales03 = packed[0] & kLow6;
    const uint32_t scales47 = (packed[2] & kLow4) | (((packed[0] >> 6) & kLow2) << 4);
    const uint32_t mins03 = packed[1] & kLow6;
    const uint32_t mins47 = ((packed[2] >> 4) & kLow4) | (((packed[1] >> 6) & kLow2) << 4);
    const __m512i scales = _mm512_castsi128_si512(_mm_cvtepu8_epi16(
        _mm_set_epi32(0, 0, static_cast<int>(scales47), static_cast<int>(scales03))));
    const __m128i mins =
        _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, static_cast<int>(mins47), static_cast<int>(mins03)));
    const float d = halfAt(w);
    const float dmin = halfAt(w + 2);
    __m512i sum[T];
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      // The mins against the activations' 32-element sums.
      const __m256i sums16 = load256(x[t].sums + b * 16);
      const __m128i sums32 =
          _mm_hadd_epi16(_mm256_castsi256_si128(sums16), _mm256_extracti128_si256(sums16, 1));
      accMin[t] = _mm_fmadd_ps(_mm_set1_ps(dmin * x[t].d[b]),
                               _mm_cvtepi32_ps(_mm_madd_epi16(mins, sums32)), accMin[t]);
      sum[t] = _mm512_setzero_si512();
    }
    const uint8_t* qs = w + (kFifthBit ? 48 : 16);
    const __m512i qh = kFifthBit ? _mm512_broadcast_i64x4(load256(w + 16)) : _mm512_setzero_si512();
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      // Elements 64j..64j+63: the low nibbles of chunk j, then its high ones.
      const __m512i bits = _mm512_broadcast_i64x4(load256(qs + 32 * j));
      __m512i q = _mm512_and_si512(_mm512_mask_srli_epi16(bits, 0xFFFF0000u, bits, 4), mask4);
      if constexpr (kFifthBit) {
        q = _mm512_mask_add_epi8(q, _mm512_test_epi8_mask(qh, fifthBit[j]), q,
                                 _mm512_set1_epi8(16));
      }
      const __m512i scale =
          _mm512_permutexvar_epi16(_mm512_load_si512(kQ45KScaleIndex.index[j]), scales);
#pragma GCC unroll 8
      for (int t = 0; t < T; ++t) {
        const __m512i y = _mm512_loadu_si512(x[t].q + b * kQkK + 64 * j);
        sum[t] = _mm512_dpwssd_epi32(sum[t], _mm512_maddubs_epi16(q, y), scale);
      }
    }
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(d * x[t].d[b]), _mm512_cvtepi32_ps(sum[t]), acc[t]);
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    const __m128 m = accMin[t];
    __m128 folded = _mm_add_ps(m, _mm_movehl_ps(m, m));
    folded = _mm_add_ss(folded, _mm_movehdup_ps(folded));
    out[t] = _mm512_reduce_add_ps(acc[t]) - _mm_cvtss_f32(folded);
  }
}

// Q6_K against T activation vectors.
template <int T>
WS_AVX512_ENTRY void dotQ6K(const uint8_t* w, const Q8KView* x, int64_t blocks, float* out) {
  const __m512i mask4 = _mm512_set1_epi8(0x0F);
  const __m512i mask2 = _mm512_set1_epi8(0x30);
  // Fifth and sixth bits of elements 0..31 and 32..63 of a half: qh << 4 and
  // qh << 2; of 64..95 and 96..127: qh and qh >> 2 (each masked to 0x30).
  const __m512i shiftLow = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(2), 1);
  const __m512i shiftHigh = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1);
  __m512 acc[T];
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    acc[t] = _mm512_setzero_ps();
  }
  for (int64_t b = 0; b < blocks; ++b, w += kQ6KBytes) {
    const __m256i scales16 =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 192)));
    const __m512i scales = _mm512_castsi256_si512(scales16);
    __m512i sum[T];
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      // The unsigned quants carry +32: start from -32 * scale * (block sum).
      const __m256i biasSums = _mm256_madd_epi16(scales16, load256(x[t].sums + b * 16));
      sum[t] = _mm512_zextsi256_si512(
          _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(biasSums, 5)));
    }
#pragma GCC unroll 2
    for (int half = 0; half < 2; ++half) {
      const __m512i ql = _mm512_loadu_si512(w + 64 * half);
      const __m512i qh = _mm512_broadcast_i64x4(load256(w + 128 + 32 * half));
      const __m512i q[2] = {
          _mm512_or_si512(_mm512_and_si512(ql, mask4),
                          _mm512_and_si512(_mm512_sllv_epi16(qh, shiftLow), mask2)),
          _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), mask4),
                          _mm512_and_si512(_mm512_srlv_epi16(qh, shiftHigh), mask2))};
#pragma GCC unroll 2
      for (int c = 0; c < 2; ++c) {
        const __m512i scale =
            _mm512_permutexvar_epi16(_mm512_load_si512(kQ6KScaleIndex.index[2 * half + c]), scales);
#pragma GCC unroll 8
        for (int t = 0; t < T; ++t) {
          const __m512i y = _mm512_loadu_si512(x[t].q + b * kQkK + 128 * half + 64 * c);
          sum[t] = _mm512_dpwssd_epi32(sum[t], _mm512_maddubs_epi16(q[c], y), scale);
        }
      }
    }
    const float d = halfAt(w + 208);
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(x[t].d[b] * d), _mm512_cvtepi32_ps(sum[t]), acc[t]);
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    out[t] = _mm512_reduce_add_ps(acc[t]);
  }
}

// Q2_K and Q3_K (16-element sub-blocks of 2-bit quants, Q3_K's third bit in
// hmask) against T activation vectors: each super-block is unpacked once.
// Element 128h + 32s + l is bits 2s of qs[32h + l] (and for Q3_K bit 4h + s
// of hmask[l]); a register holds two shifts s, s + 1: 64 elements, four
// sub-blocks.
template <GgmlType kType, int T>
WS_AVX512_ENTRY void dotQ23K(const uint8_t* w, const Q8KView* x, int64_t blocks, float* out) {
  constexpr bool kQ3 = kType == GgmlType::Q3_K;
  constexpr size_t stride = kQ3 ? kQ3KBytes : kQ2KBytes;
  const __m512i mask2 = _mm512_set1_epi8(3);
  // Word shifts of the low and high 256 bits: shifts 0 and 2 bits, 4 and 6.
  const __m512i shifts[2] = {_mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1),
                             _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(6), 1)};
  __m512 acc[T];
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    acc[t] = _mm512_setzero_ps();
  }
  alignas(16) int8_t scaleBytes[16];
  for (int64_t b = 0; b < blocks; ++b, w += stride) {
    __m256i scales16;
    __m256i mins16 = _mm256_setzero_si256();
    if constexpr (kQ3) {
      for (int j = 0; j < 16; ++j) {
        const int low = j < 8 ? (w[96 + j] & 0x0F) : (w[96 + j - 8] >> 4);
        const int high = (w[104 + j % 4] >> (2 * (j / 4))) & 3;
        scaleBytes[j] = static_cast<int8_t>((low | (high << 4)) - 32);
      }
      scales16 = _mm256_cvtepi8_epi16(_mm_load_si128(reinterpret_cast<const __m128i*>(scaleBytes)));
    } else {
      const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w));
      scales16 = _mm256_cvtepu8_epi16(_mm_and_si128(packed, _mm_set1_epi8(0x0F)));
      mins16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0F)));
    }
    const __m512i scales = _mm512_castsi256_si512(scales16);
    const uint8_t* qs = w + (kQ3 ? 32 : 16);
    const float d = halfAt(w + (kQ3 ? 108 : 80));
    __m512i sum[T];
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      if constexpr (kQ3) {
        // The unsigned quants carry +4: start from -4 * scale * (block sum).
        const __m256i biasSums = _mm256_madd_epi16(scales16, load256(x[t].sums + b * 16));
        sum[t] = _mm512_zextsi256_si512(
            _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(biasSums, 2)));
      } else {
        sum[t] = _mm512_setzero_si512();
      }
    }
    const __m512i hmask = kQ3 ? _mm512_broadcast_i64x4(load256(w)) : _mm512_setzero_si512();
#pragma GCC unroll 2
    for (int half = 0; half < 2; ++half) {
      const __m512i bits = _mm512_broadcast_i64x4(load256(qs + 32 * half));
#pragma GCC unroll 2
      for (int c = 0; c < 2; ++c) {
        __m512i q = _mm512_and_si512(_mm512_srlv_epi16(bits, shifts[c]), mask2);
        if constexpr (kQ3) {
          // hmask bits 4h + 2c (low 256 bits) and 4h + 2c + 1 (high ones).
          const int bit = 4 * half + 2 * c;
          const __m512i select =
              _mm512_inserti64x4(_mm512_set1_epi8(static_cast<char>(1 << bit)),
                                 _mm256_set1_epi8(static_cast<char>(1 << (bit + 1))), 1);
          q = _mm512_mask_add_epi8(q, _mm512_test_epi8_mask(hmask, select), q, _mm512_set1_epi8(4));
        }
        const __m512i scale =
            _mm512_permutexvar_epi16(_mm512_load_si512(kQ6KScaleIndex.index[2 * half + c]), scales);
#pragma GCC unroll 8
        for (int t = 0; t < T; ++t) {
          const __m512i y = _mm512_loadu_si512(x[t].q + b * kQkK + 128 * half + 64 * c);
          sum[t] = _mm512_dpwssd_epi32(sum[t], _mm512_maddubs_epi16(q, y), scale);
        }
      }
    }
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      const float dy = x[t].d[b];
      acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(dy * d), _mm512_cvtepi32_ps(sum[t]), acc[t]);
      if constexpr (!kQ3) {
        const __m256i minSums = _mm256_madd_epi16(mins16, load256(x[t].sums + b * 16));
        acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(-dy * halfAt(w + 82)),
                                 _mm512_cvtepi32_ps(_mm512_zextsi256_si512(minSums)), acc[t]);
      }
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    out[t] = _mm512_reduce_add_ps(acc[t]);
  }
}

} // namespace

bool dotBlockRows(GgmlType type, const std::byte* row, const QuantizedInput* in, int count,
                  int64_t blocks, float* out) {
  const auto run = [&]<GgmlType kType>() {
    avx2::inGroups<kMaxTokens>(count, [&]<int T>(int first) {
      dotBlocks<kType, T>(row, in + first, blocks, out + first);
    });
    return true;
  };
  switch (type) {
  case GgmlType::Q8_0:
    return run.template operator()<GgmlType::Q8_0>();
  case GgmlType::Q4_0:
    return run.template operator()<GgmlType::Q4_0>();
  case GgmlType::Q4_1:
    return run.template operator()<GgmlType::Q4_1>();
  case GgmlType::Q5_0:
    return run.template operator()<GgmlType::Q5_0>();
  case GgmlType::Q5_1:
    return run.template operator()<GgmlType::Q5_1>();
  default:
    return false;
  }
}

bool dotRowRange(GgmlType type, const std::byte* first, uint64_t stride, int64_t rows,
                 const QuantizedInput& in, const Q8KView& k, int64_t cols, float* out) {
  const auto each = [&](auto kernel, int64_t blocks) {
    const std::byte* row = first;
    for (int64_t r = 0; r < rows; ++r, row += stride) {
      kernel(row, blocks, out + r);
    }
    return true;
  };
  const auto blockRows = [&]<GgmlType kType>() {
    return each([&](const std::byte* row, int64_t blocks,
                    float* y) { dotBlocks<kType, 1>(row, &in, blocks, y); },
                cols / kBlock);
  };
  const auto kQuantRows = [&](auto kernel) {
    return each([&](const std::byte* row, int64_t blocks,
                    float* y) { kernel(reinterpret_cast<const uint8_t*>(row), &k, blocks, y); },
                cols / kQkK);
  };
  switch (type) {
  case GgmlType::Q8_0:
    return blockRows.template operator()<GgmlType::Q8_0>();
  case GgmlType::Q4_0:
    return blockRows.template operator()<GgmlType::Q4_0>();
  case GgmlType::Q4_1:
    return blockRows.template operator()<GgmlType::Q4_1>();
  case GgmlType::Q5_0:
    return blockRows.template operator()<GgmlType::Q5_0>();
  case GgmlType::Q5_1:
    return blockRows.template operator()<GgmlType::Q5_1>();
  case GgmlType::Q4_K:
    return kQuantRows(dotQ45K<false, 1>);
  case GgmlType::Q5_K:
    return kQuantRows(dotQ45K<true, 1>);
  case GgmlType::Q6_K:
    return kQuantRows(dotQ6K<1>);
  case GgmlType::Q2_K:
    return kQuantRows(dotQ23K<GgmlType::Q2_K, 1>);
  case GgmlType::Q3_K:
    return kQuantRows(dotQ23K<GgmlType::Q3_K, 1>);
  default:
    return false;
  }
}

bool dotKQuantRows(GgmlType type, const uint8_t* row, const Q8KView* x, int count, int64_t blocks,
                   float* out) {
  switch (type) {
  case GgmlType::Q4_K:
    avx2::inGroups<4>(
        count, [&]<int T>(int first) { dotQ45K<false, T>(row, x + first, blocks, out + first); });
    return true;
  case GgmlType::Q5_K:
    avx2::inGroups<4>(
        count, [&]<int T>(int first) { dotQ45K<true, T>(row, x + first, blocks, out + first); });
    return true;
  case GgmlType::Q6_K:
    avx2::inGroups<4>(count,
                      [&]<int T>(int first) { dotQ6K<T>(row, x + first, blocks, out + first); });
    return true;
  case GgmlType::Q2_K:
    avx2::inGroups<4>(count, [&]<int T>(int first) {
      dotQ23K<GgmlType::Q2_K, T>(row, x + first, blocks, out + first);
    });
    return true;
  case GgmlType::Q3_K:
    avx2::inGroups<4>(count, [&]<int T>(int first) {
      dotQ23K<GgmlType::Q3_K, T>(row, x + first, blocks, out + first);
    });
    return true;
  default:
    return false;
  }
}

} // namespace ws::core::avx512

#else

namespace ws::core::avx512 {

bool dotBlockRows(GgmlType, const std::byte*, const QuantizedInput*, int, int64_t, float*) {
  return false;
}

bool dotRowRange(GgmlType, const std::byte*, uint64_t, int64_t, const QuantizedInput&,
                 const Q8KView&, int64_t, float*) {
  return false;
}

bool dotKQuantRows(GgmlType, const uint8_t*, const Q8KView*, int, int64_t, float*) {
  return false;
}

} // namespace ws::core::avx512

#endif
