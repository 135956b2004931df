#pragma once
// Shared helpers for the render tests: synthetic fields and golden-image
// comparison.
//
// Golden tolerance: a pixel differs when any channel differs by more than
// kChannelTolerance; an image matches when at most kMaxDifferingFraction of
// its pixels differ (lavapipe is deterministic; the slack absorbs LLVM
// rounding changes between Mesa releases). On failure the actual image and a
// diff image (differing pixels red over a dimmed copy) are written to
// outputDir(). WS_UPDATE_GOLDEN=1 rewrites the references instead.
#include "render/field.h"
#include "render/image.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

namespace ws::test {

inline constexpr int kChannelTolerance = 2;
inline constexpr double kMaxDifferingFraction = 0.001;

// Diagonal ramp 0..1 over the field.
inline render::Field gradientField(uint32_t w, uint32_t h) {
  render::Field f{w, h, std::vector<float>(size_t(w) * h)};
  for (uint32_t y = 0; y < h; ++y) {
    for (uint32_t x = 0; x < w; ++x) {
      f.values[size_t(y) * w + x] = float(x + y) / float(std::max(1u, w + h - 2));
    }
  }
  return f;
}

inline bool updateGoldens() {
  const char* env = std::getenv("WS_UPDATE_GOLDEN");
  return env != nullptr && std::string(env) == "1";
}

inline int channelDiff(const uint8_t* a, const uint8_t* b) {
  int worst = 0;
  for (int c = 0; c < 4; ++c) {
    worst = std::max(worst, std::abs(int(a[c]) - int(b[c])));
  }
  return worst;
}

inline void expectMatchesGolden(const render::Image& actual, const std::string& name) {
  const std::filesystem::path golden = sourceDir() / "golden" / (name + ".png");
  if (updateGoldens()) {
    render::writePng(actual, golden);
    std::printf("updated golden %s\n", golden.c_str());
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(golden))
      << golden << " is missing; run the tests with WS_UPDATE_GOLDEN=1 to create it";
  const render::Image expected = render::readPng(golden);
  ASSERT_EQ(expected.width, actual.width) << name;
  ASSERT_EQ(expected.height, actual.height) << name;
  size_t differing = 0;
  int worst = 0;
  render::Image diff = actual;
  for (uint32_t y = 0; y < actual.height; ++y) {
    for (uint32_t x = 0; x < actual.width; ++x) {
      const int d = channelDiff(actual.pixel(x, y), expected.pixel(x, y));
      worst = std::max(worst, d);
      uint8_t* out = &diff.rgba[(size_t(y) * diff.width + x) * 4];
      if (d > kChannelTolerance) {
        ++differing;
        out[0] = 255;
        out[1] = 0;
        out[2] = 0;
      } else {
        out[0] /= 4;
        out[1] /= 4;
        out[2] /= 4;
      }
      out[3] = 255;
    }
  }
  const size_t allowed = size_t(kMaxDifferingFraction * double(actual.width) * actual.height);
  if (differing > allowed) {
    render::writePng(actual, outputDir() / (name + "-actual.png"));
    render::writePng(diff, outputDir() / (name + "-diff.png"));
  }
  EXPECT_LE(differing, allowed) << name << ": " << differing << " pixels differ by more than "
                                << kChannelTolerance << " (worst " << worst << "); see "
                                << outputDir() / (name + "-diff.png");
}

} // namespace ws::test
