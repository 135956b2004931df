#pragma once
// On-screen path: a QVulkanWindow drawing the heatmap with the same
// HeatmapRenderer and ImGui overlay as the off-screen path, and HeatmapView,
// the QWidget that embeds it (QWidget::createWindowContainer).
//
// All methods run on the UI thread. setField is cheap (a move, or a shared
// pointer with no copy) and the latest field wins: the upload happens in the
// next frame's command buffer.
// Mouse: drag pans, wheel zooms towards the cursor, click emits cellClicked.
// Keys: F fits the home rectangle (the used region when set, else the whole
// field), W shows the whole field, + / - zoom, arrows pan.
#include "render/camera.h"
#include "render/field.h"

#include <QImage>
#include <QVulkanInstance>
#include <QVulkanWindow>
#include <QWidget>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace ws::render {

class HeatmapWindowRenderer;

class HeatmapWindow : public QVulkanWindow {
  Q_OBJECT
public:
  // Text appended to the inspector for the hovered cell (region, layer, ...).
  using InspectorText = std::function<std::string(int x, int y)>;

  HeatmapWindow();
  ~HeatmapWindow() override;

  QVulkanWindowRenderer* createRenderer() override;

  void setField(Field field);
  void setField(std::shared_ptr<const Field> field);
  void setOverlays(FieldOverlays overlays);
  void setStyle(HeatmapStyle style);
  void setInspectorText(InspectorText text);
  // The cells a new field shape opens on and F fits (e.g. the PEs a mapping
  // uses); nothing = the whole field.
  void setHomeRect(std::optional<CellRect> rect);
  // Fits the home rectangle.
  void fitToView();
  // Fits the whole field.
  void showWholeField();
  const Camera& camera() const { return m_camera; }
  void setCamera(const Camera& camera);

  // The last presented frame as RGBA (the BGRA swapchain order is fixed up).
  QImage grabFrame();

  // Validation warnings and errors seen by instances made by HeatmapView
  // with WS_VULKAN_VALIDATION=1 (process-wide).
  static uint32_t validationMessageCount();

signals:
  void cellHovered(int x, int y);
  void cellClicked(int x, int y);
  void frameRendered(double frameMs);
  // A Vulkan error while drawing (one line); later frames show only the background.
  void renderingFailed(const QString& message);

protected:
  void mousePressEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  bool event(QEvent* event) override;

private:
  friend class HeatmapWindowRenderer;
  struct State;

  glm::dvec2 toPixels(QPointF logical) const;
  void updateHover(glm::dvec2 px);
  void applyFit();

  Camera m_camera;
  bool m_fitPending = true;
  bool m_fitWhole = false; // the pending fit shows the whole field, not the home rectangle
  std::unique_ptr<State> m_state;
  HeatmapWindowRenderer* m_renderer = nullptr;
};

// The widget the GUI embeds. Throws VulkanError when Vulkan cannot be used
// (no loader, driver or device).
class HeatmapView : public QWidget {
  Q_OBJECT
public:
  explicit HeatmapView(QWidget* parent = nullptr);
  ~HeatmapView() override;

  HeatmapWindow* window() const { return m_window; }

  void setField(Field field) { m_window->setField(std::move(field)); }
  void setField(std::shared_ptr<const Field> field) { m_window->setField(std::move(field)); }
  void setOverlays(FieldOverlays overlays) { m_window->setOverlays(std::move(overlays)); }
  void setStyle(HeatmapStyle style) { m_window->setStyle(std::move(style)); }
  void setInspectorText(HeatmapWindow::InspectorText text) {
    m_window->setInspectorText(std::move(text));
  }
  void setHomeRect(std::optional<CellRect> rect) { m_window->setHomeRect(rect); }
  void fitToView() { m_window->fitToView(); }
  void showWholeField() { m_window->showWholeField(); }
  QImage grabFrame() { return m_window->grabFrame(); }

signals:
  void cellHovered(int x, int y);
  void cellClicked(int x, int y);
  void frameRendered(double frameMs);
  void renderingFailed(const QString& message);

private:
  QVulkanInstance m_instance;
  HeatmapWindow* m_window = nullptr; // owned by m_container
  QWidget* m_container = nullptr;
};

} // namespace ws::render
