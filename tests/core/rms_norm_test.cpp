#include "core/tensor_ops.h"

#include <gtest/gtest.h>

#include <cmath>
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
  const KernelIsa original = activeKernelIsa();
  for (KernelIsa isa : {KernelIsa::Portable, KernelIsa::Avx2Fma}) {
    if (!cpuSupports(isa)) {
      continue;
    }
    setKernelIsa(isa);
    EXPECT_NEAR(dotF32(x.data(), y.data(), 37), expected, 1e-4);
    EXPECT_NEAR(dotF32(x.data(), y.data(), 5),
                x[0] * y[0] + x[1] * y[1] + x[2] * y[2] + x[3] * y[3] + x[4] * y[4], 1e-6);
  }
  setKernelIsa(original);
}

} // namespace
} // namespace ws::core
