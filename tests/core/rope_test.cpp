#include "core/rope.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace ws::core {
namespace {

// Rotates (a, b) by angle, the textbook way.
void rotate(float& a, float& b, double angle) {
  const double x0 = a, x1 = b;
  a = static_cast<float>(x0 * std::cos(angle) - x1 * std::sin(angle));
  b = static_cast<float>(x0 * std::sin(angle) + x1 * std::cos(angle));
}

TEST(RopeTest, NormalLayoutRotatesAdjacentPairs) {
  const Rope rope({4, 4, RopeLayout::Normal, 10000.0f, 1.0f, {}});
  std::vector<float> x = {1.0f, 2.0f, 3.0f, 4.0f};
  std::vector<float> expected = x;
  rotate(expected[0], expected[1], 3.0);
  rotate(expected[2], expected[3], 3.0 * std::pow(10000.0, -2.0 / 4.0));
  rope.apply(rope.angles(3), x);
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(x[i], expected[i], 1e-5) << i;
  }
}

TEST(RopeTest, NeoxLayoutRotatesHalves) {
  const Rope rope({4, 4, RopeLayout::Neox, 10000.0f, 1.0f, {}});
  std::vector<float> x = {1.0f, 2.0f, 3.0f, 4.0f};
  std::vector<float> expected = x;
  rotate(expected[0], expected[2], 3.0);
  rotate(expected[1], expected[3], 3.0 * std::pow(10000.0, -2.0 / 4.0));
  rope.apply(rope.angles(3), x);
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(x[i], expected[i], 1e-5) << i;
  }
}

TEST(RopeTest, PartialRotationLeavesTheRestAndEveryHeadTurns) {
  for (RopeLayout layout : {RopeLayout::Normal, RopeLayout::Neox}) {
    const Rope rope({6, 4, layout, 500.0f, 1.0f, {}});
    std::vector<float> x = {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6}; // two heads
    rope.apply(rope.angles(7), x);
    EXPECT_EQ(x[4], 5.0f);
    EXPECT_EQ(x[5], 6.0f);
    EXPECT_EQ(x[10], 5.0f);
    EXPECT_EQ(x[11], 6.0f);
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(x[static_cast<size_t>(i)], x[static_cast<size_t>(i + 6)]);
    }
    EXPECT_NEAR(x[0] * x[0] + x[1] * x[1] + x[2] * x[2] + x[3] * x[3], 30.0, 1e-4);
  }
}

TEST(RopeTest, PositionZeroIsIdentity) {
  const Rope rope({8, 8, RopeLayout::Neox, 10000.0f, 1.0f, {}});
  std::vector<float> x = {1, -2, 3, -4, 5, -6, 7, -8};
  const std::vector<float> original = x;
  rope.apply(rope.angles(0), x);
  EXPECT_EQ(x, original);
}

TEST(RopeTest, LinearScalingAndFrequencyFactorsSlowTheRotation) {
  const Rope plain({4, 4, RopeLayout::Normal, 10000.0f, 1.0f, {}});
  const Rope linear({4, 4, RopeLayout::Normal, 10000.0f, 0.25f, {}});
  const Rope factors({4, 4, RopeLayout::Normal, 10000.0f, 1.0f, {1.0f, 8.0f}});
  const auto p = plain.angles(40);
  const auto l = linear.angles(160);
  const auto f = factors.angles(40);
  const auto f8 = plain.angles(5);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(l.cos[i], p.cos[i], 1e-5);
    EXPECT_NEAR(l.sin[i], p.sin[i], 1e-5);
  }
  EXPECT_NEAR(f.cos[0], p.cos[0], 1e-6);
  EXPECT_NEAR(f.sin[1], f8.sin[1], 1e-6);
}

TEST(RopeTest, RejectsInconsistentDimensions) {
  EXPECT_THROW(Rope({4, 5, RopeLayout::Normal, 1e4f, 1.0f, {}}), std::invalid_argument);
  EXPECT_THROW(Rope({4, 6, RopeLayout::Normal, 1e4f, 1.0f, {}}), std::invalid_argument);
  EXPECT_THROW(Rope({4, 4, RopeLayout::Normal, 1e4f, 1.0f, {1.0f}}), std::invalid_argument);
}

} // namespace
} // namespace ws::core
