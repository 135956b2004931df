#pragma once
// Element-wise and reduction kernels of the llama forward pass, on float
// vectors, and the choice between portable and AVX2 kernels.
#include <cstdint>
#include <span>

namespace ws::core {

// Which instruction set the hot kernels (dot products, matvec) use. The best
// one the CPU supports is chosen at start-up; tests and benchmarks may force
// the portable one to compare.
enum class KernelIsa { Portable, Avx2Fma };
bool cpuSupports(KernelIsa isa);
KernelIsa activeKernelIsa();
// Throws std::invalid_argument when the CPU lacks `isa`.
void setKernelIsa(KernelIsa isa);

// out[i] = x[i] / sqrt(mean(x^2) + eps) * weight[i]; the mean is accumulated
// in double as llama.cpp does. out may alias x.
void rmsNorm(std::span<const float> x, std::span<const float> weight, float eps,
             std::span<float> out);

// In place: x = softmax(x), max-subtracted; sums in double.
void softmaxInPlace(std::span<float> x);

// gate[i] = silu(gate[i]) * up[i]  (SwiGLU's gating, in place on gate).
void siluMulInPlace(std::span<float> gate, std::span<const float> up);

// y[i] += x[i]
void addInPlace(std::span<float> y, std::span<const float> x);

// sum x[i] * y[i] over n floats.
float dotF32(const float* x, const float* y, int64_t n);

// y[i] += a * x[i] over n floats.
void axpyF32(float a, const float* x, float* y, int64_t n);

} // namespace ws::core
