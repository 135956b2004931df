// Golden images of the sim-to-render adapter's output: a dense and a MoE
// mapping drawn through the off-screen Vulkan path on lavapipe, opened on the
// used region as the GUI opens it. Tolerance and WS_UPDATE_GOLDEN=1 as in
// tests/render (render_test_util.h).
#include "app/frame/field_adapter.h"
#include "render/heatmap_overlay.h"
#include "render/offscreen_renderer.h"
#include "tests/app/adapter_test_util.h"
#include "tests/render/render_test_util.h"

#include <gtest/gtest.h>

namespace ws::app {
namespace {

constexpr uint32_t kWidth = 256;
constexpr uint32_t kHeight = 192;

render::Image renderFrame(const test::AdapterRun& run, Plane plane, ColourScale scale) {
  const std::shared_ptr<const Frame> frame = run.frames->build(run.lastStep(), plane);
  const render::HeatmapStyle style = planeStyle(plane, scale);
  render::Camera camera;
  camera.setViewport({double(kWidth), double(kHeight)});
  render::HeatmapOverlay::fitCamera(camera, run.frames->usedCells().bounds(), style);
  render::OffscreenRenderer renderer(kWidth, kHeight);
  render::Image image =
      renderer.render(std::shared_ptr<const render::Field>(frame, &frame->field),
                      regionOverlays(*run.placement, {.outlineExperts = false}), style, camera);
  EXPECT_EQ(renderer.validationMessageCount(), 0u);
  return image;
}

TEST(AdapterGolden, DenseMappingActivityStretchedToData) {
  const auto run = test::runCard(test::kDenseCard, "wse3");
  test::expectMatchesGolden(renderFrame(*run, Plane::Activity, ColourScale::Data),
                            "dense-activity-data");
}

TEST(AdapterGolden, DenseMappingActivityAbsolute) {
  const auto run = test::runCard(test::kDenseCard, "wse3");
  test::expectMatchesGolden(renderFrame(*run, Plane::Activity, ColourScale::Absolute),
                            "dense-activity-absolute");
}

TEST(AdapterGolden, MoeMappingSram) {
  const auto run = test::runCard(test::kMoeCard, "wse3");
  test::expectMatchesGolden(renderFrame(*run, Plane::Sram, ColourScale::Absolute), "moe-sram");
}

TEST(AdapterGolden, MoeMappingLinksStretchedToData) {
  const auto run = test::runCard(test::kMoeCard, "wse3");
  test::expectMatchesGolden(renderFrame(*run, Plane::Links, ColourScale::Data), "moe-links-data");
}

} // namespace
} // namespace ws::app
