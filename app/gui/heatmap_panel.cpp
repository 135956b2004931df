#include "app/gui/heatmap_panel.h"

#include "app/gui/units.h"
#include "render/qt/heatmap_window.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QVBoxLayout>

#include <cmath>

namespace ws::app {

HeatmapPanel::HeatmapPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* bar = new QHBoxLayout;
  m_modeBox = new QComboBox(this);
  m_modeBox->setObjectName("heatmapMode");
  for (HeatmapMode mode : {HeatmapMode::Activity, HeatmapMode::Sram, HeatmapMode::Links}) {
    m_modeBox->addItem(toString(mode), int(mode));
  }
  bar->addWidget(new QLabel("Heatmap:", this));
  bar->addWidget(m_modeBox);
  m_stretch = new QCheckBox("Stretch to data", this);
  m_stretch->setObjectName("heatmapStretch");
  m_stretch->setToolTip("Spread the colours over the frame's own range instead of 0-100 % "
                        "(the legend says so while on)");
  bar->addWidget(m_stretch);
  m_legend = new QLabel(this);
  m_legend->setObjectName("heatmapLegend");
  bar->addWidget(m_legend, 1);
  layout->addLayout(bar);

  m_view = new render::HeatmapView(this);
  layout->addWidget(m_view, 1);
  m_view->setInspectorText([this](int x, int y) { return inspectorText(x, y); });
  updateStyle();

  connect(m_modeBox, &QComboBox::currentIndexChanged, this,
          [this](int index) { setMode(HeatmapMode(m_modeBox->itemData(index).toInt())); });
  connect(m_stretch, &QCheckBox::toggled, this,
          [this](bool on) { setColourScale(on ? ColourScale::Data : ColourScale::Absolute); });
  connect(m_view, &render::HeatmapView::cellClicked, this, [this](int x, int y) {
    const int region = m_placement ? m_placement->regionIdAt(x, y) : -1;
    selectRegion(region);
    emit regionSelected(region);
  });
}

void HeatmapPanel::setMapping(std::shared_ptr<const sim::Placement> placement) {
  m_placement = std::move(placement);
  m_frame.reset();
  m_selected = -1;
  m_fitted = false;
  const render::CellRect used = UsedCells(*m_placement).bounds();
  m_view->setHomeRect(used.w > 0 ? std::optional<render::CellRect>(used) : std::nullopt);
  updateOverlays();
}

void HeatmapPanel::clearMapping() {
  m_placement.reset();
  m_frame.reset();
  m_selected = -1;
  m_view->setHomeRect(std::nullopt);
  m_view->setField(render::Field{});
  m_view->setOverlays({});
  m_legend->clear();
}

void HeatmapPanel::setFrame(std::shared_ptr<const Frame> frame) {
  if (!m_placement || frame->field.width != uint32_t(m_placement->width()) ||
      frame->field.height != uint32_t(m_placement->height())) {
    return; // a frame of a mapping that has been replaced
  }
  const bool planeChanged = !m_frame || m_frame->plane != frame->plane;
  m_frame = std::move(frame);
  if (planeChanged) {
    updateStyle();
  }
  updateField();
}

void HeatmapPanel::setMode(HeatmapMode mode) {
  if (m_mode == mode) {
    return;
  }
  m_mode = mode;
  {
    const QSignalBlocker blocker(m_modeBox);
    m_modeBox->setCurrentIndex(m_modeBox->findData(int(mode)));
  }
  emit modeChanged(mode);
}

void HeatmapPanel::setColourScale(ColourScale scale) {
  if (m_scale == scale) {
    return;
  }
  m_scale = scale;
  {
    const QSignalBlocker blocker(m_stretch);
    m_stretch->setChecked(scale == ColourScale::Data);
  }
  updateStyle();
  updateLegend();
  emit colourScaleChanged(scale);
}

void HeatmapPanel::selectRegion(int region) {
  m_selected = region;
  updateOverlays();
}

void HeatmapPanel::updateStyle() {
  // The style follows the plane actually drawn, so the legend never names
  // another one while a mode change is on its way.
  m_view->setStyle(planeStyle(m_frame ? m_frame->plane : m_mode, m_scale));
}

void HeatmapPanel::updateField() {
  if (!m_frame) {
    return;
  }
  // The frame's own field, shared (aliasing pointer): no copy on the UI thread.
  m_view->setField(std::shared_ptr<const render::Field>(m_frame, &m_frame->field));
  if (!m_fitted) {
    m_view->fitToView();
    m_fitted = true;
  }
  updateLegend();
}

QString HeatmapPanel::legendText() const {
  if (!m_frame) {
    return {};
  }
  QString text = QString("%1 over %2 – %3 of simulated time, KV context %4 tokens")
                     .arg(toString(m_frame->plane), formatSimTime(m_frame->simStart),
                          formatSimTime(m_frame->simEnd))
                     .arg(m_frame->contextTokens);
  text += m_scale == ColourScale::Data ? "; colours stretched to the data"
                                       : "; colours 0-100 % of capacity";
  return text;
}

void HeatmapPanel::updateLegend() {
  m_legend->setText(legendText());
}

void HeatmapPanel::updateOverlays() {
  OverlayOptions options;
  options.selectedRegion = m_selected;
  m_view->setOverlays(m_placement ? regionOverlays(*m_placement, options)
                                  : render::FieldOverlays{});
}

std::string HeatmapPanel::inspectorText(int x, int y) const {
  if (!m_placement || x < 0 || y < 0 || x >= m_placement->width() || y >= m_placement->height()) {
    return {};
  }
  const sim::ChipSpec& chip = m_placement->chip();
  QString text = QString("PE (%1, %2)").arg(x).arg(y);
  if (m_placement->wafers() > 1) {
    text += QString(", wafer %1").arg(x / chip.fabricWidth);
  }
  const sim::Region* region = m_placement->regionAt(x, y);
  if (!region) {
    return (text + "\nunused").toStdString();
  }
  text += QString("\nregion: %1 (%2)")
              .arg(QString::fromStdString(region->name), sim::toString(region->kind));
  if (region->layer >= 0) {
    text += QString("\nlayer: %1").arg(region->layer);
  }
  if (m_frame) {
    const int op =
        size_t(region->id) < m_frame->regionOp.size() ? m_frame->regionOp[size_t(region->id)] : -1;
    text += QString("\nop: %1")
                .arg(op >= 0 && size_t(op) < region->ops.size()
                         ? QString::fromStdString(region->ops[size_t(op)].name)
                         : QString("idle"));
    // The frame holds the plane shown; SRAM is itemised below in any mode.
    const double percent = 100.0 * m_frame->field.at(uint32_t(x), uint32_t(y));
    if (m_frame->plane == Plane::Activity) {
      text += QString("\nbusy: %1%").arg(percent, 0, 'f', 2);
    } else if (m_frame->plane == Plane::Links) {
      text += QString("\nlink load: %1%").arg(percent, 0, 'f', 2);
    }
  }
  const int64_t context = m_frame ? m_frame->contextTokens : 0;
  const sim::SramBreakdown sram = m_placement->sramPerPe(*region, context);
  text += QString("\nSRAM %1 of %2: weights %3, KV %4, activations %5, reserve %6")
              .arg(formatBytes(sram.total()), formatBytes(double(chip.sramBytesPerPe)),
                   formatBytes(sram.weights), formatBytes(sram.kv), formatBytes(sram.activations),
                   formatBytes(sram.reserve));
  return text.toStdString();
}

} // namespace ws::app
