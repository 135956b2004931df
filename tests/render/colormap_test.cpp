#include "render/colormap.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

namespace ws::render {
namespace {

// Reference colours of matplotlib's maps (_cm_listed.py) and ColorBrewer RdBu.
// The degree-6 polynomial fits stay within 5 units of the published tables
// (worst at the ends), hence the tolerance of 6.
void expectNear(Rgba8 actual, int r, int g, int b, int tolerance) {
  EXPECT_LE(std::abs(actual.r - r), tolerance) << int(actual.r) << " vs " << r;
  EXPECT_LE(std::abs(actual.g - g), tolerance) << int(actual.g) << " vs " << g;
  EXPECT_LE(std::abs(actual.b - b), tolerance) << int(actual.b) << " vs " << b;
  EXPECT_EQ(actual.a, 255);
}

TEST(Colormap, ViridisMatchesMatplotlib) {
  expectNear(colormapColour(Colormap::Viridis, 0.0f), 0x44, 0x01, 0x54, 6);
  expectNear(colormapColour(Colormap::Viridis, 0.5f), 0x21, 0x91, 0x8c, 6);
  expectNear(colormapColour(Colormap::Viridis, 1.0f), 0xfd, 0xe7, 0x25, 6);
}

TEST(Colormap, MagmaMatchesMatplotlib) {
  expectNear(colormapColour(Colormap::Magma, 0.0f), 0x00, 0x00, 0x04, 6);
  expectNear(colormapColour(Colormap::Magma, 0.5f), 0xb7, 0x37, 0x79, 6);
  expectNear(colormapColour(Colormap::Magma, 1.0f), 0xfc, 0xfd, 0xbf, 6);
}

TEST(Colormap, DivergingHitsColorBrewerControlPoints) {
  expectNear(colormapColour(Colormap::Diverging, 0.0f), 5, 48, 97, 0);
  // 256 entries have no exact middle: entry 128 is t = 0.502.
  expectNear(colormapColour(Colormap::Diverging, 0.5f), 247, 247, 247, 1);
  expectNear(colormapColour(Colormap::Diverging, 1.0f), 103, 0, 31, 0);
}

TEST(Colormap, ClampsOutOfRangeAndNan) {
  EXPECT_EQ(colormapColour(Colormap::Magma, -3.0f), colormapColour(Colormap::Magma, 0.0f));
  EXPECT_EQ(colormapColour(Colormap::Magma, 7.0f), colormapColour(Colormap::Magma, 1.0f));
  EXPECT_EQ(colormapColour(Colormap::Magma, NAN), colormapColour(Colormap::Magma, 0.0f));
}

TEST(Colormap, NoDataColourIsDistinctFromEveryEntry) {
  for (Colormap c : {Colormap::Viridis, Colormap::Magma, Colormap::Diverging}) {
    for (const Rgba8& entry : colormapLut(c)) {
      const int d = std::abs(entry.r - kNoDataColour.r) + std::abs(entry.g - kNoDataColour.g) +
                    std::abs(entry.b - kNoDataColour.b);
      EXPECT_GT(d, 30) << colormapName(c);
    }
  }
}

} // namespace
} // namespace ws::render
