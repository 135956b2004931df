#include "core/tensor_ops.h"
#include "tests/core/kernel_levels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace ws::core {
namespace {

TEST(RmsNormTest, MatchesTheFormula) {
  const std::vector<float> x = {1.0f, -2.0f, 3.0f, 0.5f};
  const std::vector<float> w = {1.0f, 0.5f, 2.0f, -1.0f};
  const float eps = 1e-5f;
  std::vector<float> out(4);
  rmsNorm(x, w, eps, out);
  const double meanSquare = (1.0 + 4.0 + 9.0 + 0.25) / 4.0;
  const double scale = 1.0 / std::sqrt(meanSquare + eps);
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(out[i], x[i] * scale * w[i], 1e-6) << i;
  }
}

TEST(RmsNormTest, EpsilonKeepsZeroInputFinite) {
  const std::vector<float> x(8, 0.0f);
  const std::vector<float> w(8, 1.0f);
  std::vector<float> out(8, 1.0f);
  rmsNorm(x, w, 1e-6f, out);
  for (float v : out) {
    EXPECT_EQ(v, 0.0f);
  }
}

TEST(RmsNormTest, WorksInPlaceAndIsScaleInvariant) {
  std::vector<float> x = {0.1f, 0.2f, -0.3f, 0.4f, 0.5f};
  std::vector<float> scaled = x;
  for (float& v : scaled) {
    v *= 1000.0f;
  }
  const std::vector<float> w(5, 1.0f);
  rmsNorm(x, w, 0.0f, x);
  rmsNorm(scaled, w, 0.0f, scaled);
  double sumSquares = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(x[i], scaled[i], 1e-5);
    sumSquares += x[i] * x[i];
  }
  EXPECT_NEAR(sumSquares / 5.0, 1.0, 1e-5);
}

TEST(TensorOpsTest, SoftmaxSumsToOneAndHandlesLargeLogits) {
  std::vector<float> x = {1000.0f, 1001.0f, 999.0f};
  softmaxInPlace(x);
  const double e1 = std::exp(-1.0), e2 = std::exp(-2.0);
  const double sum = 1.0 + e1 + e2;
  EXPECT_NEAR(x[1], 1.0 / sum, 1e-6);
  EXPECT_NEAR(x[0], e1 / sum, 1e-6);
  EXPECT_NEAR(x[2], e2 / sum, 1e-6);
}

TEST(TensorOpsTest, SiluMulGates) {
  std::vector<float> gate = {0.0f, 1.0f, -2.0f};
  const std::vector<float> up = {3.0f, 2.0f, 0.5f};
  siluMulInPlace(gate, up);
  EXPECT_NEAR(gate[0], 0.0, 1e-7);
  EXPECT_NEAR(gate[1], 1.0 / (1.0 + std::exp(-1.0)) * 2.0, 1e-6);
  EXPECT_NEAR(gate[2], -2.0 / (1.0 + std::exp(2.0)) * 0.5, 1e-6);
}

TEST(TensorOpsTest, DotMatchesDoubleSumOnEveryIsa) {
  std::vector<float> x(37), y(37);
  double expected = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = 0.1f * static_cast<float>(i) - 1.5f;
    y[i] = 0.05f * static_cast<float>(i % 7) + 0.25f;
    expected += static_cast<double>(x[i]) * y[i];
  }
  test::forEachKernelLevel("dotF32", [&](KernelIsa) {
    EXPECT_NEAR(dotF32(x.data(), y.data(), 37), expected, 1e-4);
    EXPECT_NEAR(dotF32(x.data(), y.data(), 5),
                x[0] * y[0] + x[1] * y[1] + x[2] * y[2] + x[3] * y[3] + x[4] * y[4], 1e-6);
  });
}

// The SIMD axpy multiplies then adds, as the portable loop does: the same
// bits at every level.
TEST(TensorOpsTest, AxpyIsTheSameOnEveryIsa) {
  std::vector<float> x(67), y0(67);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = std::sin(0.7f * static_cast<float>(i)) * 3.0f;
    y0[i] = std::cos(0.3f * static_cast<float>(i));
  }
  std::vector<float> first;
  test::forEachKernelLevel("axpyF32", [&](KernelIsa) {
    std::vector<float> y = y0;
    axpyF32(0.37f, x.data(), y.data(), static_cast<int64_t>(y.size()));
    if (first.empty()) {
      first = y;
      for (size_t i = 0; i < y.size(); ++i) {
        EXPECT_EQ(y[i], y0[i] + 0.37f * x[i]) << i;
      }
    } else {
      EXPECT_EQ(y, first);
    }
  });
}

// The levels found by CPUID and XGETBV agree with the flags the Linux kernel
// lists for the CPU (it drops the AVX-512 ones when it does not save the zmm
// state).
TEST(KernelIsaTest, DetectionAgreesWithProcCpuinfo) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  ASSERT_TRUE(cpuinfo) << "cannot read /proc/cpuinfo";
  std::set<std::string> flags;
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("flags", 0) == 0) {
      std::istringstream words(line.substr(line.find(':') + 1));
      for (std::string flag; words >> flag;) {
        flags.insert(flag);
      }
      break;
    }
  }
  ASSERT_FALSE(flags.empty()) << "no flags line in /proc/cpuinfo";
  const auto has = [&](std::initializer_list<const char*> names) {
    for (const char* name : names) {
      if (flags.count(name) == 0) {
        return false;
      }
    }
    return true;
  };
  EXPECT_TRUE(cpuSupports(KernelIsa::Portable));
  EXPECT_EQ(cpuSupports(KernelIsa::Avx2Fma), has({"avx2", "fma", "f16c"}));
  EXPECT_EQ(cpuSupports(KernelIsa::Avx512Vnni),
            has({"avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni"}));
}

TEST(KernelIsaTest, NamesAndRequests) {
  for (KernelIsa isa : kKernelIsas) {
    EXPECT_EQ(parseKernelIsa(kernelIsaName(isa)), isa);
  }
  EXPECT_EQ(parseKernelIsa("AVX2"), std::nullopt);
  EXPECT_EQ(parseKernelIsa("sse"), std::nullopt);

  KernelIsa best = KernelIsa::Portable;
  for (KernelIsa isa : kKernelIsas) {
    if (cpuSupports(isa)) {
      best = isa;
    }
  }
  std::string note;
  EXPECT_EQ(kernelIsaForRequest(nullptr, note), best);
  EXPECT_EQ(note, "");
  EXPECT_EQ(kernelIsaForRequest("", note), best);
  EXPECT_EQ(kernelIsaForRequest("portable", note), KernelIsa::Portable);
  EXPECT_EQ(note, "");
  EXPECT_EQ(kernelIsaForRequest("fastest", note), best);
  EXPECT_EQ(note, std::string("WS_KERNELS=fastest is not portable, avx2 or avx512; using ") +
                      kernelIsaName(best) + " kernels");
  // A level the CPU lacks falls back to the best one below it, and says so.
  const KernelIsa avx512 = kernelIsaForRequest("avx512", note);
  if (cpuSupports(KernelIsa::Avx512Vnni)) {
    EXPECT_EQ(avx512, KernelIsa::Avx512Vnni);
    EXPECT_EQ(note, "");
  } else {
    EXPECT_EQ(avx512, best);
    EXPECT_EQ(note, std::string("WS_KERNELS=avx512: this CPU lacks it; using ") +
                        kernelIsaName(best) + " kernels");
  }
  for (KernelIsa isa : kKernelIsas) {
    if (!cpuSupports(isa)) {
      EXPECT_THROW(setKernelIsa(isa), std::invalid_argument) << kernelIsaName(isa);
    }
  }
}

} // namespace
} // namespace ws::core
