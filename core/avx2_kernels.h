#pragma once
// What the AVX2 kernels of core/matvec.cpp and core/kquant.cpp share: the
// per-function target attribute (the library is built for any x86-64; these
// functions run only where the CPU reports AVX2, FMA and F16C), the
// horizontal sum of 8 float lanes and the split of a row's input vectors
// into the groups a multi-vector kernel takes.
#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>

#define WS_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace ws::core::avx2 {

WS_AVX2 inline float horizontalSum(__m256 v) {
  __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
  sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
  return _mm_cvtss_f32(sum);
}

// Calls kernel.template operator()<T>(first) for consecutive groups of
// T <= kMaxGroup (at most 8) vectors that cover [0, count): a kernel templated
// on T keeps T accumulators in registers and decodes each weight block once
// for all of them.
template <int kMaxGroup, class Kernel> inline void inGroups(int count, Kernel&& kernel) {
  static_assert(kMaxGroup >= 1 && kMaxGroup <= 8);
  // T for a group of `size`, or 1 where the kernel takes no groups that large
  // (never called then).
  constexpr auto fit = [](int size) { return kMaxGroup >= size ? size : 1; };
  for (int first = 0; first < count;) {
    const int group = std::min(count - first, kMaxGroup);
    switch (group) {
    case 8:
      kernel.template operator()<fit(8)>(first);
      break;
    case 7:
      kernel.template operator()<fit(7)>(first);
      break;
    case 6:
      kernel.template operator()<fit(6)>(first);
      break;
    case 5:
      kernel.template operator()<fit(5)>(first);
      break;
    case 4:
      kernel.template operator()<fit(4)>(first);
      break;
    case 3:
      kernel.template operator()<fit(3)>(first);
      break;
    case 2:
      kernel.template operator()<fit(2)>(first);
      break;
    default:
      kernel.template operator()<1>(first);
      break;
    }
    first += group;
  }
}

} // namespace ws::core::avx2
#endif
