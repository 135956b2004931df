#pragma once
// The central heatmap: the Vulkan view of the latest frame in one of three
// modes (activity, SRAM occupancy, link load), with die grid and region
// outlines, an inspector line for the PE under the cursor, and region
// selection by click. Frames arrive already converted by the sim-to-render
// adapter (app/frame/) and carry only the plane shown; the panel hands the
// frame's field to the view without copying it.
#include "app/frame/field_adapter.h"
#include "app/frame/frame.h"
#include "app/session/session_events.h"
#include "render/field.h"

#include <QWidget>

#include <memory>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QLabel;
QT_END_NAMESPACE

namespace ws::render {
class HeatmapView;
}

namespace ws::app {

// The heatmap's modes are the frame planes.
using HeatmapMode = Plane;

class HeatmapPanel : public QWidget {
  Q_OBJECT
public:
  // Throws render::VulkanError when Vulkan cannot be used.
  explicit HeatmapPanel(QWidget* parent = nullptr);

  // Opens the view on the PEs the mapping uses (W shows the whole wafer).
  void setMapping(std::shared_ptr<const sim::Placement> placement);
  void clearMapping();
  // Shows the frame; its plane may lag a mode change until the producer
  // sends frames of the new one, and the legend always names the plane drawn.
  void setFrame(std::shared_ptr<const Frame> frame);
  void setMode(HeatmapMode mode);
  HeatmapMode mode() const { return m_mode; }
  // Absolute (0-100 %) by default; Data stretches the colours to the frame.
  void setColourScale(ColourScale scale);
  ColourScale colourScale() const { return m_scale; }
  // -1 clears the selection.
  void selectRegion(int region);
  int selectedRegion() const { return m_selected; }

  render::HeatmapView* view() const { return m_view; }
  std::shared_ptr<const Frame> frame() const { return m_frame; }
  std::shared_ptr<const sim::Placement> placement() const { return m_placement; }
  // The inspector text for a PE (also drawn by the view's ImGui overlay).
  std::string inspectorText(int x, int y) const;
  // The legend line above the view.
  QString legendText() const;

signals:
  void regionSelected(int region); // -1: none
  // The plane frames should carry from now on.
  void modeChanged(ws::app::HeatmapMode mode);
  void colourScaleChanged(ws::app::ColourScale scale);

private:
  void updateField();
  void updateStyle();
  void updateLegend();
  void updateOverlays();

  QComboBox* m_modeBox = nullptr;
  QCheckBox* m_stretch = nullptr;
  QLabel* m_legend = nullptr;
  render::HeatmapView* m_view = nullptr;
  std::shared_ptr<const sim::Placement> m_placement;
  std::shared_ptr<const Frame> m_frame;
  HeatmapMode m_mode = HeatmapMode::Activity;
  ColourScale m_scale = ColourScale::Absolute;
  int m_selected = -1;
  bool m_fitted = false;
};

} // namespace ws::app
