#include "render/camera.h"

#include <glm/geometric.hpp>
#include <gtest/gtest.h>

#include <vector>

namespace ws::render {
namespace {

std::vector<Camera> cameras() {
  std::vector<Camera> out;
  for (double zoom :
       {Camera::kMinZoom, 0.013, 0.37, 1.0, 1.7, 8.0, 63.3, 400.0, Camera::kMaxZoom}) {
    for (glm::dvec2 center : {glm::dvec2(0.0, 0.0), glm::dvec2(380.25, 585.5),
                              glm::dvec2(-17.3, 1203.9), glm::dvec2(999.999, 0.001)}) {
      out.emplace_back(glm::dvec2(1280.0, 800.0), center, zoom);
    }
  }
  return out;
}

TEST(Camera, ScreenCellRoundTripAtManyZoomsAndPans) {
  for (const Camera& cam : cameras()) {
    for (glm::dvec2 px : {glm::dvec2(0.0, 0.0), glm::dvec2(640.5, 400.5),
                          glm::dvec2(1279.99, 799.99), glm::dvec2(-50.0, 913.0)}) {
      const glm::dvec2 back = cam.cellToScreen(cam.screenToCell(px));
      EXPECT_NEAR(back.x, px.x, 1e-6) << "zoom " << cam.zoom();
      EXPECT_NEAR(back.y, px.y, 1e-6) << "zoom " << cam.zoom();
    }
    const glm::dvec2 cell(123.25, 456.75);
    const glm::dvec2 again = cam.screenToCell(cam.cellToScreen(cell));
    EXPECT_NEAR(again.x, cell.x, 1e-9 * (1.0 + 1.0 / cam.zoom()));
    EXPECT_NEAR(again.y, cell.y, 1e-9 * (1.0 + 1.0 / cam.zoom()));
  }
}

TEST(Camera, PickingIsExactAtCellEdges) {
  // Just inside a cell's top-left corner picks it; just outside picks its neighbour.
  for (const Camera& cam : cameras()) {
    if (cam.zoom() < 0.1) {
      continue; // a nudge of 1e-6 px is below a cell's double resolution here
    }
    for (glm::ivec2 cell : {glm::ivec2(1, 1), glm::ivec2(380, 585), glm::ivec2(999, 1199)}) {
      const glm::dvec2 corner = cam.cellToScreen(glm::dvec2(cell));
      const double nudge = 1e-6;
      const auto inside = cam.pickCell(corner + nudge, 1000, 1200);
      const auto before = cam.pickCell(corner - nudge, 1000, 1200);
      ASSERT_TRUE(inside.has_value());
      ASSERT_TRUE(before.has_value());
      EXPECT_EQ(*inside, cell) << "zoom " << cam.zoom();
      EXPECT_EQ(*before, cell - 1) << "zoom " << cam.zoom();
    }
  }
}

TEST(Camera, PickingOutsideTheFieldIsEmpty) {
  const Camera cam(glm::dvec2(100.0, 100.0), glm::dvec2(5.0, 5.0), 10.0);
  EXPECT_EQ(*cam.pickCell({0.5, 0.5}, 10, 10), glm::ivec2(0, 0));
  EXPECT_EQ(*cam.pickCell({99.5, 99.5}, 10, 10), glm::ivec2(9, 9));
  EXPECT_FALSE(cam.pickCell({-0.5, 50.0}, 10, 10));
  EXPECT_FALSE(cam.pickCell({50.0, 100.0}, 10, 10));
  EXPECT_FALSE(cam.pickCell({50.0, 50.0}, 0, 0));
}

TEST(Camera, ZoomAtKeepsTheCellUnderTheCursor) {
  Camera cam(glm::dvec2(1280.0, 800.0), glm::dvec2(500.0, 450.0), 1.2);
  const glm::dvec2 cursor(913.0, 121.0);
  const glm::dvec2 before = cam.screenToCell(cursor);
  for (double factor : {1.2, 1.2, 3.0, 0.1, 0.5}) {
    cam.zoomAt(cursor, factor);
    const glm::dvec2 after = cam.screenToCell(cursor);
    EXPECT_NEAR(after.x, before.x, 1e-9);
    EXPECT_NEAR(after.y, before.y, 1e-9);
  }
  EXPECT_NEAR(cam.zoom(), 1.2 * 1.2 * 1.2 * 3.0 * 0.1 * 0.5, 1e-12);
}

TEST(Camera, ZoomIsClamped) {
  Camera cam;
  cam.setZoom(1e9);
  EXPECT_EQ(cam.zoom(), Camera::kMaxZoom);
  cam.setZoom(0.0);
  EXPECT_EQ(cam.zoom(), Camera::kMinZoom);
}

TEST(Camera, PanMovesContentWithTheDrag) {
  Camera cam(glm::dvec2(200.0, 100.0), glm::dvec2(10.0, 10.0), 4.0);
  const glm::dvec2 cellUnderStart = cam.screenToCell({50.0, 60.0});
  cam.panByPixels({30.0, -20.0});
  const glm::dvec2 now = cam.screenToCell({80.0, 40.0});
  EXPECT_NEAR(now.x, cellUnderStart.x, 1e-12);
  EXPECT_NEAR(now.y, cellUnderStart.y, 1e-12);
}

TEST(Camera, FitToViewShowsTheWholeFieldCentred) {
  Camera cam;
  cam.setViewport({1280.0, 800.0});
  cam.fitToView(1000, 900, 10.0);
  const glm::dvec2 topLeft = cam.cellToScreen({0.0, 0.0});
  const glm::dvec2 bottomRight = cam.cellToScreen({1000.0, 900.0});
  EXPECT_NEAR(topLeft.y, 10.0, 1e-9); // height is the binding side
  EXPECT_NEAR(bottomRight.y, 790.0, 1e-9);
  EXPECT_NEAR(topLeft.x + bottomRight.x, 1280.0, 1e-9);
  EXPECT_GE(topLeft.x, 10.0);

  cam.fitToRect(100, 10, {0.0, 0.0}, {1280.0, 700.0});
  EXPECT_NEAR(cam.cellToScreen({0.0, 0.0}).x, 0.0, 1e-9);
  EXPECT_NEAR(cam.cellToScreen({100.0, 10.0}).x, 1280.0, 1e-9);
  EXPECT_NEAR(cam.cellToScreen({50.0, 5.0}).y, 350.0, 1e-9);
}

// The heatmap opens on the PEs a mapping uses: a thin strip of a wafer fills
// the view instead of sitting on a grey plate.
TEST(Camera, FitCellsToRectShowsAPartOfTheFieldCentred) {
  Camera cam;
  cam.setViewport({1280.0, 800.0});
  // A strip 700 x 40 cells at (30, 500) of a 762 x 1172 wafer.
  cam.fitCellsToRect({30.0, 500.0}, {730.0, 540.0}, {0.0, 0.0}, {1280.0, 800.0});
  EXPECT_NEAR(cam.zoom(), 1280.0 / 700.0, 1e-12); // width is the binding side
  EXPECT_NEAR(cam.cellToScreen({30.0, 500.0}).x, 0.0, 1e-9);
  EXPECT_NEAR(cam.cellToScreen({730.0, 540.0}).x, 1280.0, 1e-9);
  EXPECT_NEAR(cam.cellToScreen({380.0, 520.0}).y, 400.0, 1e-9);

  // The whole field is the same call over all of its cells.
  Camera whole;
  whole.setViewport({1280.0, 800.0});
  whole.fitToRect(762, 1172, {0.0, 0.0}, {1280.0, 800.0});
  cam.fitCellsToRect({0.0, 0.0}, {762.0, 1172.0}, {0.0, 0.0}, {1280.0, 800.0});
  EXPECT_DOUBLE_EQ(cam.zoom(), whole.zoom());
  EXPECT_DOUBLE_EQ(cam.center().x, whole.center().x);
  EXPECT_DOUBLE_EQ(cam.center().y, whole.center().y);
  EXPECT_GT(1280.0 / 700.0, whole.zoom() * 2.0) << "the strip should be shown much larger";

  // No cells: a neutral camera, as for an empty field.
  cam.fitCellsToRect({5.0, 5.0}, {5.0, 9.0}, {0.0, 0.0}, {1280.0, 800.0});
  EXPECT_EQ(cam.zoom(), 1.0);
}

} // namespace
} // namespace ws::render
