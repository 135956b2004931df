// Off-screen path on lavapipe with validation on (tests/CMakeLists.txt sets
// VK_DRIVER_FILES and WS_VULKAN_VALIDATION=1): golden images, exact picking
// against the rendered pixels, tiling, bad input, and zero validation messages.
#include "render/colormap.h"
#include "render/offscreen_renderer.h"
#include "render/vulkan_error.h"
#include "tests/render/render_test_util.h"

#include <glm/common.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <thread>

namespace ws::render {
namespace {

constexpr uint32_t kGoldenWidth = 256;
constexpr uint32_t kGoldenHeight = 192;

class Offscreen : public ::testing::Test {
protected:
  void SetUp() override {
    m_renderer = std::make_unique<OffscreenRenderer>(kGoldenWidth, kGoldenHeight);
    // The suite runs with WS_VULKAN_VALIDATION=1: a missing layer must fail, not pass silently.
    ASSERT_TRUE(m_renderer->validationEnabled()) << "validation layer not enabled";
  }
  void TearDown() override {
    EXPECT_EQ(m_renderer->validationMessageCount(), 0u)
        << (m_renderer->validationMessageCount() > 0 ? m_renderer->validationMessages()[0] : "");
  }
  std::unique_ptr<OffscreenRenderer> m_renderer;
};

bool samePixel(const uint8_t* p, Rgba8 c) {
  return p[0] == c.r && p[1] == c.g && p[2] == c.b && p[3] == c.a;
}

std::string describe(const uint8_t* p) {
  return "(" + std::to_string(p[0]) + "," + std::to_string(p[1]) + "," + std::to_string(p[2]) +
         "," + std::to_string(p[3]) + ")";
}

TEST_F(Offscreen, GoldenGradient) {
  HeatmapStyle style;
  style.units = "% busy";
  style.title = "gradient";
  test::expectMatchesGolden(m_renderer->render(test::gradientField(64, 48), {}, style), "gradient");
}

TEST_F(Offscreen, GoldenNanCells) {
  Field f = test::gradientField(48, 32);
  for (uint32_t y = 0; y < f.height; ++y) {
    for (uint32_t x = 0; x < f.width; ++x) {
      if ((x / 8 + y / 8) % 3 == 0) {
        f.values[size_t(y) * f.width + x] = NAN;
      }
    }
  }
  HeatmapStyle style;
  style.colormap = Colormap::Magma;
  style.units = "KiB";
  test::expectMatchesGolden(m_renderer->render(f, {}, style), "nan_cells");
}

TEST_F(Offscreen, GoldenDieGrid) {
  Field f{60, 40, std::vector<float>(60 * 40)};
  for (uint32_t y = 0; y < f.height; ++y) {
    for (uint32_t x = 0; x < f.width; ++x) {
      f.values[size_t(y) * f.width + x] = std::sin(float(x) * 0.21f) * std::cos(float(y) * 0.17f);
    }
  }
  FieldOverlays overlays;
  overlays.dies = {3, 2};
  HeatmapStyle style;
  style.colormap = Colormap::Diverging;
  style.range = ValueRange::fixed(-1.0f, 1.0f);
  test::expectMatchesGolden(m_renderer->render(f, overlays, style), "die_grid");
}

TEST_F(Offscreen, GoldenRegionsAndSelection) {
  FieldOverlays overlays;
  overlays.regions.push_back({{2, 2, 28, 20}, "layer 0", {1.0f, 0.4f, 0.2f, 1.0f}, false});
  overlays.regions.push_back({{32, 2, 28, 20}, "layer 1", {0.3f, 0.9f, 1.0f, 1.0f}, true});
  overlays.regions.push_back({{2, 24, 58, 14}, "lm_head", {1.0f, 1.0f, 1.0f, 1.0f}, false});
  overlays.selection = CellRect{40, 26, 10, 8};
  HeatmapStyle style;
  style.title = "regions";
  test::expectMatchesGolden(m_renderer->render(test::gradientField(62, 40), overlays, style),
                            "regions");
}

TEST_F(Offscreen, GoldenZoomedAndPannedCamera) {
  FieldOverlays overlays;
  overlays.dies = {4, 4};
  overlays.regions.push_back({{8, 8, 8, 8}, "region", {1.0f, 1.0f, 0.0f, 1.0f}, true});
  const Camera camera({double(kGoldenWidth), double(kGoldenHeight)}, {14.3, 11.7}, 9.5);
  HeatmapStyle style;
  style.showLegend = false;
  test::expectMatchesGolden(
      m_renderer->render(test::gradientField(32, 32), overlays, style, camera), "zoomed_panned");
}

// Every pixel shows exactly the cell Camera::pickCell names for its centre.
TEST_F(Offscreen, RenderedPixelsMatchPicking) {
  Field f{37, 23, std::vector<float>(37 * 23)};
  for (uint32_t y = 0; y < f.height; ++y) {
    for (uint32_t x = 0; x < f.width; ++x) {
      f.values[size_t(y) * f.width + x] = float(x % 2 + 2 * (y % 2)); // t = 0, 1/3, 2/3, 1
    }
  }
  HeatmapStyle style;
  style.showLegend = false;
  style.range = ValueRange::fixed(0.0f, 3.0f);
  for (const Camera& cam :
       {Camera({256.0, 192.0}, {18.5, 11.5}, 5.0), Camera({256.0, 192.0}, {3.17, 20.9}, 13.7),
        Camera({256.0, 192.0}, {20.0, 12.0}, 0.73), Camera({256.0, 192.0}, {-2.2, 4.4}, 31.0)}) {
    const Image img = m_renderer->render(f, {}, style, cam);
    size_t checked = 0;
    for (uint32_t py = 0; py < img.height; ++py) {
      for (uint32_t px = 0; px < img.width; ++px) {
        const glm::dvec2 centre(px + 0.5, py + 0.5);
        const glm::dvec2 cellPos = cam.screenToCell(centre);
        const glm::dvec2 frac = cellPos - glm::floor(cellPos);
        const double edge = 1e-3; // GPU float vs CPU double at a cell edge
        if (frac.x < edge || frac.x > 1 - edge || frac.y < edge || frac.y > 1 - edge) {
          continue;
        }
        const auto cell = cam.pickCell(centre, f.width, f.height);
        const Rgba8 expected =
            cell ? colormapColour(Colormap::Viridis,
                                  f.at(uint32_t(cell->x), uint32_t(cell->y)) / 3.0f)
                 : kBackgroundColour;
        ASSERT_TRUE(samePixel(img.pixel(px, py), expected))
            << "pixel " << px << "," << py << " zoom " << cam.zoom() << " got "
            << describe(img.pixel(px, py));
        ++checked;
      }
    }
    EXPECT_GT(checked, img.width * img.height / 3);
  }
}

TEST_F(Offscreen, TiledFieldDrawsLikeOneTexture) {
  const Field f = test::gradientField(300, 200);
  FieldOverlays overlays;
  overlays.dies = {3, 2};
  const Image whole = m_renderer->render(f, overlays, {});
  OffscreenRenderer tiled(kGoldenWidth, kGoldenHeight, OffscreenOptions{64});
  const Image pieces = tiled.render(f, overlays, {});
  EXPECT_EQ(tiled.validationMessageCount(), 0u);
  ASSERT_EQ(whole.rgba.size(), pieces.rgba.size());
  EXPECT_TRUE(whole.rgba == pieces.rgba);
}

TEST_F(Offscreen, FieldWiderThanTheTextureLimitIsTiled) {
  const uint32_t limit = m_renderer->maxTextureSize();
  ASSERT_GE(limit, 1200u); // a wafer fabric must fit one texture side
  Field f{limit + 3, 2, std::vector<float>(size_t(limit + 3) * 2)};
  for (uint32_t x = 0; x < f.width; ++x) {
    f.values[x] = f.values[f.width + x] = float(x % 4); // t = 0, 1/3, 2/3, 1
  }
  HeatmapStyle style;
  style.showLegend = false;
  style.range = ValueRange::fixed(0.0f, 3.0f);
  // Centre on the seam between the two tiles, 16 px per cell.
  const Camera cam({double(kGoldenWidth), double(kGoldenHeight)}, {double(limit), 1.0}, 16.0);
  const Image img = m_renderer->render(f, {}, style, cam);
  for (int dx = -3; dx <= 2; ++dx) {
    const uint32_t cellX = limit + dx;
    const glm::dvec2 centre = cam.cellToScreen({cellX + 0.5, 1.5});
    const uint8_t* p = img.pixel(uint32_t(centre.x), uint32_t(centre.y));
    EXPECT_TRUE(samePixel(p, colormapColour(Colormap::Viridis, float(cellX % 4) / 3.0f)))
        << "cell " << cellX << " got " << describe(p);
  }
}

TEST_F(Offscreen, WaferSizedFieldShowsEveryCell) {
  // 1200 x 1200 cells (a wafer is ~760 x 1170): one texture, exact far corner.
  Field f{1200, 1200, std::vector<float>(1200 * 1200, 0.0f)};
  f.values.back() = 1.0f;
  HeatmapStyle style;
  style.showLegend = false;
  const Camera cam({double(kGoldenWidth), double(kGoldenHeight)}, {1199.0, 1199.0}, 20.0);
  const Image img = m_renderer->render(f, {}, style, cam);
  const glm::dvec2 last = cam.cellToScreen({1199.5, 1199.5});
  const glm::dvec2 before = cam.cellToScreen({1198.5, 1199.5});
  EXPECT_TRUE(samePixel(img.pixel(uint32_t(last.x), uint32_t(last.y)),
                        colormapColour(Colormap::Viridis, 1.0f)));
  EXPECT_TRUE(samePixel(img.pixel(uint32_t(before.x), uint32_t(before.y)),
                        colormapColour(Colormap::Viridis, 0.0f)));
  const glm::dvec2 outside = cam.cellToScreen({1200.5, 1200.5});
  EXPECT_TRUE(samePixel(img.pixel(uint32_t(outside.x), uint32_t(outside.y)), kBackgroundColour));
}

TEST_F(Offscreen, EmptyFieldsDrawOnlyTheBackground) {
  HeatmapStyle style;
  style.showLegend = false;
  for (const Field& f : {Field{}, Field{0, 5, {}}, Field{7, 0, {}}}) {
    const Image img = m_renderer->render(f, {}, style);
    for (uint32_t y = 0; y < img.height; y += 17) {
      for (uint32_t x = 0; x < img.width; x += 13) {
        ASSERT_TRUE(samePixel(img.pixel(x, y), kBackgroundColour)) << describe(img.pixel(x, y));
      }
    }
  }
}

TEST_F(Offscreen, AllNanFieldIsNoData) {
  HeatmapStyle style;
  style.showLegend = false;
  const Field f{4, 3, std::vector<float>(12, NAN)};
  const Image img = m_renderer->render(f, {}, style);
  EXPECT_TRUE(samePixel(img.pixel(kGoldenWidth / 2, kGoldenHeight / 2), kNoDataColour))
      << describe(img.pixel(kGoldenWidth / 2, kGoldenHeight / 2));
}

TEST_F(Offscreen, InfinitiesClampToTheRangeEnds) {
  HeatmapStyle style;
  style.showLegend = false;
  const Field f{2, 1, {INFINITY, -INFINITY}};
  for (ValueRange range : {ValueRange::fixed(0.0f, 1.0f), ValueRange::fixed(3.0f, 3.0f)}) {
    style.range = range;
    const Camera cam({double(kGoldenWidth), double(kGoldenHeight)}, {1.0, 0.5}, 50.0);
    const Image img = m_renderer->render(f, {}, style, cam);
    const bool zeroWidth = range.min == range.max; // every value maps to the middle
    const glm::dvec2 posInf = cam.cellToScreen({0.5, 0.5});
    const glm::dvec2 negInf = cam.cellToScreen({1.5, 0.5});
    EXPECT_TRUE(samePixel(img.pixel(uint32_t(posInf.x), uint32_t(posInf.y)),
                          colormapColour(Colormap::Viridis, zeroWidth ? 0.5f : 1.0f)));
    EXPECT_TRUE(samePixel(img.pixel(uint32_t(negInf.x), uint32_t(negInf.y)),
                          colormapColour(Colormap::Viridis, zeroWidth ? 0.5f : 0.0f)));
  }
}

TEST_F(Offscreen, ConstantFieldUsesTheMiddleColour) {
  HeatmapStyle style;
  style.showLegend = false;
  const Field f{3, 3, std::vector<float>(9, 42.0f)};
  const Image img = m_renderer->render(f, {}, style);
  EXPECT_TRUE(samePixel(img.pixel(kGoldenWidth / 2, kGoldenHeight / 2),
                        colormapColour(Colormap::Viridis, 0.5f)));
}

TEST_F(Offscreen, MalformedInputIsRejectedBeforeDrawing) {
  EXPECT_THROW(m_renderer->render(Field{3, 2, std::vector<float>(5)}, {}, {}),
               std::invalid_argument);
  HeatmapStyle reversed;
  reversed.range = ValueRange::fixed(1.0f, 0.0f);
  EXPECT_THROW(m_renderer->render(test::gradientField(4, 4), {}, reversed), std::invalid_argument);
  // The renderer still works afterwards.
  EXPECT_NO_THROW(m_renderer->render(test::gradientField(4, 4), {}, {}));
}

// A new field every frame with two frames in flight: each frame shows its own
// field (the staging buffers of frames still on the GPU are not overwritten).
TEST_F(Offscreen, EveryFrameShowsItsOwnField) {
  HeatmapStyle style;
  style.showLegend = false;
  style.range = ValueRange::fixed(0.0f, 1.0f);
  for (int i = 0; i < 9; ++i) {
    const float value = float(i % 3) / 2.0f; // 0, 0.5, 1
    const Field f{100, 90, std::vector<float>(100 * 90, value)};
    if (i % 3 == 2) {
      const Image img = m_renderer->render(f, {}, style);
      const uint8_t* centre = img.pixel(kGoldenWidth / 2, kGoldenHeight / 2);
      EXPECT_TRUE(samePixel(centre, colormapColour(Colormap::Viridis, value)))
          << "frame " << i << " got " << describe(centre);
    } else {
      m_renderer->renderFrame(f, {}, style);
    }
  }
  m_renderer->finish();
}

// A PNG export on a worker thread beside another renderer (ImGui's context
// pointer is process-wide; the overlay serialises it).
TEST_F(Offscreen, RenderersOnTwoThreadsAgree) {
  FieldOverlays overlays;
  overlays.regions.push_back({{4, 4, 30, 20}, "layer 7", {1.0f, 0.5f, 0.0f, 1.0f}, true});
  HeatmapStyle style;
  style.title = "threads";
  const Field f = test::gradientField(64, 48);
  const Image reference = m_renderer->render(f, overlays, style);
  OffscreenRenderer other(kGoldenWidth, kGoldenHeight);
  std::vector<Image> fromWorker;
  std::thread worker([&] {
    for (int i = 0; i < 5; ++i) {
      fromWorker.push_back(other.render(f, overlays, style));
    }
  });
  std::vector<Image> fromMain;
  for (int i = 0; i < 5; ++i) {
    fromMain.push_back(m_renderer->render(f, overlays, style));
  }
  worker.join();
  for (const Image& img : fromMain) {
    EXPECT_TRUE(img.rgba == reference.rgba);
  }
  for (const Image& img : fromWorker) {
    EXPECT_TRUE(img.rgba == reference.rgba);
  }
  EXPECT_EQ(other.validationMessageCount(), 0u);
}

TEST(OffscreenErrors, EmptyImageSizeIsRejected) {
  EXPECT_THROW(OffscreenRenderer(0, 10), std::invalid_argument);
}

} // namespace
} // namespace ws::render
