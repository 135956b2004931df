#pragma once
// What the AVX2 kernels of core/matvec.cpp and core/kquant.cpp share: the
// per-function target attribute (the library is built for any x86-64; these
// functions run only where the CPU reports AVX2, FMA and F16C) and the
// horizontal sum of 8 float lanes.
#if defined(__x86_64__)
#include <immintrin.h>

#define WS_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace ws::core::avx2 {

WS_AVX2 inline float horizontalSum(__m256 v) {
  __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
  sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
  return _mm_cvtss_f32(sum);
}

} // namespace ws::core::avx2
#endif
