#include "core/tensor_ops.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cmath>
#include <stdexcept>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace ws::core {
namespace {

KernelIsa bestKernelIsa() {
  return cpuSupports(KernelIsa::Avx2Fma) ? KernelIsa::Avx2Fma : KernelIsa::Portable;
}

std::atomic<KernelIsa>& kernelIsaSetting() {
  static std::atomic<KernelIsa> isa{bestKernelIsa()};
  return isa;
}

float dotF32Portable(const float* x, const float* y, int64_t n) {
  // Eight independent partial sums let the compiler keep a vector register of
  // accumulators without reassociating.
  float partial[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int lane = 0; lane < 8; ++lane) {
      partial[lane] += x[i + lane] * y[i + lane];
    }
  }
  for (; i < n; ++i) {
    partial[0] += x[i] * y[i];
  }
  return ((partial[0] + partial[1]) + (partial[2] + partial[3])) +
         ((partial[4] + partial[5]) + (partial[6] + partial[7]));
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) float dotF32Avx2(const float* x, const float* y, int64_t n) {
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), acc1);
  }
  for (; i + 8 <= n; i += 8) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), acc0);
  }
  acc0 = _mm256_add_ps(acc0, acc1);
  __m128 sum = _mm_add_ps(_mm256_castps256_ps128(acc0), _mm256_extractf128_ps(acc0, 1));
  sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
  sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
  float total = _mm_cvtss_f32(sum);
  for (; i < n; ++i) {
    total += x[i] * y[i];
  }
  return total;
}
#endif

} // namespace

bool cpuSupports(KernelIsa isa) {
  switch (isa) {
  case KernelIsa::Portable:
    return true;
  case KernelIsa::Avx2Fma:
#if defined(__x86_64__)
  {
    // F16C through CPUID: clang 14's __builtin_cpu_supports does not know it.
    unsigned a = 0, b = 0, c = 0, d = 0;
    const bool f16c = __get_cpuid(1, &a, &b, &c, &d) != 0 && (c & bit_F16C) != 0;
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c;
  }
#else
    return false;
#endif
  }
  return false;
}

KernelIsa activeKernelIsa() {
  return kernelIsaSetting().load(std::memory_order_relaxed);
}

void setKernelIsa(KernelIsa isa) {
  if (!cpuSupports(isa)) {
    throw std::invalid_argument("this CPU does not support the requested kernel instruction set");
  }
  kernelIsaSetting().store(isa, std::memory_order_relaxed);
}

void rmsNorm(std::span<const float> x, std::span<const float> weight, float eps,
             std::span<float> out) {
  assert(weight.size() == x.size() && out.size() == x.size());
  double sumSquares = 0.0;
  for (float v : x) {
    sumSquares += static_cast<double>(v * v);
  }
  const float scale =
      1.0f / std::sqrt(static_cast<float>(sumSquares / static_cast<double>(x.size())) + eps);
  for (size_t i = 0; i < x.size(); ++i) {
    out[i] = x[i] * scale * weight[i];
  }
}

void softmaxInPlace(std::span<float> x) {
  if (x.empty()) {
    return;
  }
  const float maxValue = *std::max_element(x.begin(), x.end());
  double sum = 0.0;
  for (float& v : x) {
    v = std::exp(v - maxValue);
    sum += v;
  }
  const float inverse = static_cast<float>(1.0 / sum);
  for (float& v : x) {
    v *= inverse;
  }
}

void siluMulInPlace(std::span<float> gate, std::span<const float> up) {
  assert(gate.size() == up.size());
  for (size_t i = 0; i < gate.size(); ++i) {
    const float g = gate[i];
    gate[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void addInPlace(std::span<float> y, std::span<const float> x) {
  assert(y.size() == x.size());
  for (size_t i = 0; i < y.size(); ++i) {
    y[i] += x[i];
  }
}

float dotF32(const float* x, const float* y, int64_t n) {
#if defined(__x86_64__)
  if (activeKernelIsa() == KernelIsa::Avx2Fma) {
    return dotF32Avx2(x, y, n);
  }
#endif
  return dotF32Portable(x, y, n);
}

void axpyF32(float a, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    y[i] += a * x[i];
  }
}

} // namespace ws::core
