#pragma once
// Element-wise and reduction kernels of the llama forward pass, on float
// vectors, and the choice between portable and AVX2 kernels.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ws::core {

// Which instruction set the hot kernels (dot products, matvec) use, in
// increasing order: a level runs the kernels of the levels below where it has
// none of its own. Avx2Fma needs AVX2, FMA and F16C; Avx512Vnni needs those
// and AVX-512 F, BW, VL and VNNI with the zmm state enabled by the OS.
enum class KernelIsa { Portable, Avx2Fma, Avx512Vnni };
inline constexpr KernelIsa kKernelIsas[] = {KernelIsa::Portable, KernelIsa::Avx2Fma,
                                            KernelIsa::Avx512Vnni};
bool cpuSupports(KernelIsa isa);
// The level in use: the best one the CPU supports, or the one the
// environment variable WS_KERNELS names (portable, avx2 or avx512), read once
// at the first call. A name the CPU lacks falls back to the best level below
// it, an unknown name to the best level; either is said on stderr.
KernelIsa activeKernelIsa();
// Tests and benchmarks compare levels in one process. Throws
// std::invalid_argument when the CPU lacks `isa`.
void setKernelIsa(KernelIsa isa);
// "portable", "avx2", "avx512": WS_KERNELS's names.
const char* kernelIsaName(KernelIsa isa);
std::optional<KernelIsa> parseKernelIsa(std::string_view name);
// The level WS_KERNELS=`requested` selects on this CPU (null or empty: the
// best one); `note` gets the line that explains a fallback, else "".
KernelIsa kernelIsaForRequest(const char* requested, std::string& note);

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
