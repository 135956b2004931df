#include "core/tensor_ops.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace ws::core {
namespace {

// The best level the CPU supports at or below `ceiling`.
KernelIsa bestKernelIsa(KernelIsa ceiling = KernelIsa::Avx512Vnni) {
  KernelIsa best = KernelIsa::Portable;
  for (KernelIsa isa : kKernelIsas) {
    if (isa <= ceiling && cpuSupports(isa)) {
      best = isa;
    }
  }
  return best;
}

KernelIsa initialKernelIsa() {
  std::string note;
  const KernelIsa isa = kernelIsaForRequest(std::getenv("WS_KERNELS"), note);
  if (!note.empty()) {
    std::fprintf(stderr, "waferscope: %s\n", note.c_str());
  }
  return isa;
}

std::atomic<KernelIsa>& kernelIsaSetting() {
  static std::atomic<KernelIsa> isa{initialKernelIsa()};
  return isa;
}

#if defined(__x86_64__)
// AVX-512 F, BW, VL and VNNI from CPUID leaf 7, and the OS saving the opmask
// and zmm registers (XCR0 bits 5-7) besides the xmm and ymm ones (bits 1-2):
// without that state the instructions fault even where the CPU has them.
bool hasAvx512Vnni() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d) == 0 || (c & bit_OSXSAVE) == 0) {
    return false;
  }
  uint32_t xcr0Low = 0, xcr0High = 0;
  __asm__("xgetbv" : "=a"(xcr0Low), "=d"(xcr0High) : "c"(0));
  constexpr uint32_t kZmmState = (1u << 1) | (1u << 2) | (1u << 5) | (1u << 6) | (1u << 7);
  if ((xcr0Low & kZmmState) != kZmmState) {
    return false;
  }
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) == 0) {
    return false;
  }
  constexpr unsigned kAvx512Fbwvl = (1u << 16) | (1u << 30) | (1u << 31);
  constexpr unsigned kAvx512Vnni = 1u << 11;
  return (b & kAvx512Fbwvl) == kAvx512Fbwvl && (c & kAvx512Vnni) != 0;
}
#endif

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

// y += a * x eight lanes at a time, multiplied then added (no FMA) so that
// every element is rounded as the portable loop rounds it.
__attribute__((target("avx2"))) void axpyF32Avx2(float a, const float* x, float* y, int64_t n) {
  const __m256 scale = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(
        y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), _mm256_mul_ps(scale, _mm256_loadu_ps(x + i))));
  }
  for (; i < n; ++i) {
    y[i] += a * x[i];
  }
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
  case KernelIsa::Avx512Vnni:
#if defined(__x86_64__)
    return cpuSupports(KernelIsa::Avx2Fma) && hasAvx512Vnni();
#else
    return false;
#endif
  }
  return false;
}

const char* kernelIsaName(KernelIsa isa) {
  switch (isa) {
  case KernelIsa::Portable:
    return "portable";
  case KernelIsa::Avx2Fma:
    return "avx2";
  case KernelIsa::Avx512Vnni:
    return "avx512";
  }
  return "?";
}

KernelIsa kernelIsaForRequest(const char* requested, std::string& note) {
  note.clear();
  if (requested == nullptr || *requested == '\0') {
    return bestKernelIsa();
  }
  const std::optional<KernelIsa> named = parseKernelIsa(requested);
  if (!named) {
    const KernelIsa best = bestKernelIsa();
    note = std::string("WS_KERNELS=") + requested + " is not portable, avx2 or avx512; using " +
           kernelIsaName(best) + " kernels";
    return best;
  }
  const KernelIsa chosen = bestKernelIsa(*named);
  if (chosen != *named) {
    note = std::string("WS_KERNELS=") + requested + ": this CPU lacks it; using " +
           kernelIsaName(chosen) + " kernels";
  }
  return chosen;
}

std::optional<KernelIsa> parseKernelIsa(std::string_view name) {
  for (KernelIsa isa : kKernelIsas) {
    if (name == kernelIsaName(isa)) {
      return isa;
    }
  }
  return std::nullopt;
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
  if (activeKernelIsa() >= KernelIsa::Avx2Fma) {
    return dotF32Avx2(x, y, n);
  }
#endif
  return dotF32Portable(x, y, n);
}

void axpyF32(float a, const float* x, float* y, int64_t n) {
#if defined(__x86_64__)
  if (activeKernelIsa() >= KernelIsa::Avx2Fma) {
    axpyF32Avx2(a, x, y, n);
    return;
  }
#endif
  for (int64_t i = 0; i < n; ++i) {
    y[i] += a * x[i];
  }
}

} // namespace ws::core
