#pragma once
// The central heatmap: the Vulkan view of the latest frame in one of three
// modes (activity, SRAM occupancy, link load), with die grid and region
// outlines, an inspector line for the PE under the cursor, and region
// selection by click.
#include "app/session/frame_buffer.h"
#include "app/session/session_events.h"
#include "render/field.h"

#include <QWidget>

#include <memory>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
QT_END_NAMESPACE

namespace ws::render {
class HeatmapView;
}

namespace ws::app {

enum class HeatmapMode { Activity, Sram, LinkLoad };
const char* toString(HeatmapMode mode);

class HeatmapPanel : public QWidget {
  Q_OBJECT
public:
  // Throws render::VulkanError when Vulkan cannot be used.
  explicit HeatmapPanel(QWidget* parent = nullptr);

  void setMapping(std::shared_ptr<const sim::Placement> placement);
  void clearMapping();
  void setFrame(std::shared_ptr<const Frame> frame);
  void setMode(HeatmapMode mode);
  HeatmapMode mode() const { return m_mode; }
  // -1 clears the selection.
  void selectRegion(int region);
  int selectedRegion() const { return m_selected; }

  render::HeatmapView* view() const { return m_view; }
  std::shared_ptr<const Frame> frame() const { return m_frame; }
  std::shared_ptr<const sim::Placement> placement() const { return m_placement; }
  // The inspector text for a PE (also drawn by the view's ImGui overlay).
  std::string inspectorText(int x, int y) const;

signals:
  void regionSelected(int region); // -1: none
  void modeChanged(ws::app::HeatmapMode mode);

private:
  void updateField();
  void updateOverlays();

  QComboBox* m_modeBox = nullptr;
  QLabel* m_legend = nullptr;
  render::HeatmapView* m_view = nullptr;
  std::shared_ptr<const sim::Placement> m_placement;
  std::shared_ptr<const Frame> m_frame;
  HeatmapMode m_mode = HeatmapMode::Activity;
  int m_selected = -1;
  bool m_fitted = false;
};

} // namespace ws::app
