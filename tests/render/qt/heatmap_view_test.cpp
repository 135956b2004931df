// GUI smoke test: the embedded HeatmapView in a QMainWindow under Xvfb (xcb)
// on lavapipe with validation on. Checks a grabbed frame (BGRA swapchain
// fixed up), a known cell's colour, hover picking and keyboard fit.
#include "render/colormap.h"
#include "render/qt/heatmap_window.h"
#include "render/vulkan_error.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QMainWindow>
#include <QSet>
#include <QTest>
#include <QWheelEvent>

#include <stdexcept>

namespace ws::render {
namespace {

class QtApp {
public:
  QtApp() : m_app(m_argc, m_argv) {}

private:
  int m_argc = 1;
  char m_name[16] = "render_qt_tests";
  char* m_argv[2] = {m_name, nullptr};
  QApplication m_app;
};

template <typename Predicate> bool waitFor(Predicate done, int timeoutMs = 20000) {
  QElapsedTimer timer;
  timer.start();
  while (!done() && timer.elapsed() < timeoutMs) {
    QTest::qWait(20);
  }
  return done();
}

// Left half t = 0, right half t = 1.
Field halvesField() {
  Field f{8, 6, std::vector<float>(48)};
  for (uint32_t y = 0; y < f.height; ++y) {
    for (uint32_t x = 0; x < f.width; ++x) {
      f.values[size_t(y) * f.width + x] = x < 4 ? 0.0f : 1.0f;
    }
  }
  return f;
}

bool sameColour(const QColor& c, Rgba8 expected) {
  return c.red() == expected.r && c.green() == expected.g && c.blue() == expected.b;
}

// A HeatmapView as the central widget of a main window, counting its frames.
// (Construct a QtApp first.)
struct ViewInWindow {
  QMainWindow main;
  HeatmapView* view = new HeatmapView; // owned by main
  int frames = 0;

  ViewInWindow(int width, int height) {
    main.setCentralWidget(view);
    main.resize(width, height);
    QObject::connect(view, &HeatmapView::frameRendered, [this](double ms) {
      EXPECT_GE(ms, 0.0);
      ++frames;
    });
    view->setField(halvesField());
  }
  // Shows the window; true once it has rendered a frame.
  bool showAndRender() {
    main.show();
    return QTest::qWaitForWindowExposed(&main) && waitFor([this] { return frames >= 1; });
  }
};

TEST(HeatmapView, RendersTheFieldInAMainWindow) {
  QtApp app;
  ViewInWindow shown(480, 360);
  HeatmapView* view = shown.view;
  view->setInspectorText([](int x, int y) { return "region r" + std::to_string(x + y); });
  FieldOverlays overlays;
  overlays.dies = {2, 2};
  view->setOverlays(overlays);
  ASSERT_TRUE(shown.showAndRender()) << "no frame rendered";

  const QImage img = view->grabFrame();
  ASSERT_FALSE(img.isNull());
  QSet<QRgb> colours;
  for (int y = 0; y < img.height(); y += 7) {
    for (int x = 0; x < img.width(); x += 7) {
      colours.insert(img.pixel(x, y));
    }
  }
  EXPECT_GT(colours.size(), 3) << "frame is uniform";

  // Cell (1, 2) is t = 0 (dark purple), cell (6, 3) is t = 1 (yellow): R and B must not be swapped.
  const Camera& cam = view->window()->camera();
  const glm::dvec2 left = cam.cellToScreen({1.5, 2.5});
  const glm::dvec2 right = cam.cellToScreen({6.5, 3.5});
  const QColor leftColour = img.pixelColor(int(left.x), int(left.y));
  const QColor rightColour = img.pixelColor(int(right.x), int(right.y));
  EXPECT_TRUE(sameColour(leftColour, colormapColour(Colormap::Viridis, 0.0f)))
      << leftColour.name().toStdString();
  EXPECT_TRUE(sameColour(rightColour, colormapColour(Colormap::Viridis, 1.0f)))
      << rightColour.name().toStdString();

  // Hover picking through the window's mouse events.
  int hoveredX = -1;
  int hoveredY = -1;
  QObject::connect(view, &HeatmapView::cellHovered, [&](int x, int y) {
    hoveredX = x;
    hoveredY = y;
  });
  const qreal dpr = view->window()->devicePixelRatio();
  QTest::mouseMove(view->window(), QPoint(int(right.x / dpr), int(right.y / dpr)));
  ASSERT_TRUE(waitFor([&] { return hoveredX >= 0; })) << "no hover signal";
  EXPECT_EQ(hoveredX, 6);
  EXPECT_EQ(hoveredY, 3);
  // The frame with the inspector, for a look when something goes wrong.
  view->grabFrame().save(QString::fromStdString((test::outputDir() / "heatmap_view.png").string()));

  EXPECT_EQ(HeatmapWindow::validationMessageCount(), 0u);
}

TEST(HeatmapView, RejectsMalformedInputOnTheCallersThread) {
  QtApp app;
  HeatmapView view;
  EXPECT_THROW(view.setField(Field{3, 3, std::vector<float>(8)}), std::invalid_argument);
  HeatmapStyle style;
  style.range = ValueRange::fixed(2.0f, 1.0f);
  EXPECT_THROW(view.setStyle(style), std::invalid_argument);
}

// No driver: the view's constructor throws the one-line VulkanError the GUI
// shows before exiting non-zero.
TEST(HeatmapView, MissingDriverThrowsVulkanError) {
  QtApp app;
  const QByteArray saved = qgetenv("VK_DRIVER_FILES");
  qputenv("VK_DRIVER_FILES", "/nonexistent/waferscope_icd.json");
  try {
    HeatmapView view;
    ADD_FAILURE() << "expected VulkanError";
  } catch (const VulkanError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("Vulkan: cannot create an instance (", 0), 0u)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
  qputenv("VK_DRIVER_FILES", saved);
}

TEST(HeatmapView, KeyboardFitAndZoom) {
  QtApp app;
  ViewInWindow shown(400, 300);
  HeatmapView* view = shown.view;
  ASSERT_TRUE(shown.showAndRender()) << "no frame rendered";
  HeatmapWindow* window = view->window();
  const double fitted = window->camera().zoom();
  QTest::keyClick(window, Qt::Key_Plus);
  EXPECT_NEAR(window->camera().zoom(), fitted * 1.2, 1e-9);
  QTest::keyClick(window, Qt::Key_Left);
  QTest::keyClick(window, Qt::Key_F);
  EXPECT_NEAR(window->camera().zoom(), fitted, 1e-9);
  EXPECT_EQ(HeatmapWindow::validationMessageCount(), 0u);
}

TEST(HeatmapView, ClickPicksAndWheelZoomsAtTheCursor) {
  QtApp app;
  ViewInWindow shown(400, 300);
  HeatmapView* view = shown.view;
  ASSERT_TRUE(shown.showAndRender()) << "no frame rendered";
  HeatmapWindow* window = view->window();
  const qreal dpr = window->devicePixelRatio();
  const glm::dvec2 cellCentre = window->camera().cellToScreen({2.5, 4.5});
  const QPoint at(int(cellCentre.x / dpr), int(cellCentre.y / dpr));

  int clickedX = -1;
  int clickedY = -1;
  QObject::connect(view, &HeatmapView::cellClicked, [&](int x, int y) {
    clickedX = x;
    clickedY = y;
  });
  QTest::mouseClick(window, Qt::LeftButton, Qt::NoModifier, at);
  EXPECT_EQ(clickedX, 2);
  EXPECT_EQ(clickedY, 4);

  // One wheel notch zooms by 1.2 and keeps the cell under the cursor.
  const double zoom = window->camera().zoom();
  const glm::dvec2 anchor = window->camera().screenToCell(glm::dvec2(at.x(), at.y()) * dpr);
  QWheelEvent wheel(QPointF(at), window->mapToGlobal(QPointF(at)), QPoint(), QPoint(0, 120),
                    Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
  QCoreApplication::sendEvent(window, &wheel);
  EXPECT_NEAR(window->camera().zoom(), zoom * 1.2, 1e-9);
  const glm::dvec2 after = window->camera().screenToCell(glm::dvec2(at.x(), at.y()) * dpr);
  EXPECT_NEAR(after.x, anchor.x, 1e-9);
  EXPECT_NEAR(after.y, anchor.y, 1e-9);
}

} // namespace
} // namespace ws::render
