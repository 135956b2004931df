#include "app/gui/heatmap_panel.h"

#include "app/gui/units.h"
#include "render/qt/heatmap_window.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace ws::app {

namespace {

// Outline colours by region kind (RGBA), so layers read apart at a glance.
glm::vec4 outlineColour(sim::RegionKind kind) {
  switch (kind) {
  case sim::RegionKind::Embedding:
    return {0.95f, 0.95f, 0.95f, 0.9f};
  case sim::RegionKind::Attention:
    return {0.35f, 0.75f, 1.0f, 0.9f};
  case sim::RegionKind::Ffn:
    return {1.0f, 0.75f, 0.3f, 0.9f};
  case sim::RegionKind::Expert:
    return {0.6f, 1.0f, 0.5f, 0.7f};
  case sim::RegionKind::SharedExpert:
    return {0.9f, 0.5f, 1.0f, 0.8f};
  case sim::RegionKind::LmHead:
    return {1.0f, 0.4f, 0.4f, 0.9f};
  }
  return {1.0f, 1.0f, 1.0f, 1.0f};
}

const std::vector<float>& modeValues(const Frame& frame, HeatmapMode mode) {
  switch (mode) {
  case HeatmapMode::Activity:
    return frame.activity;
  case HeatmapMode::Sram:
    return frame.sram;
  case HeatmapMode::LinkLoad:
    return frame.link;
  }
  return frame.activity;
}

render::HeatmapStyle modeStyle(HeatmapMode mode) {
  // SRAM occupancy on a fixed 0..1 scale (how full the PEs are); activity and
  // link load over the frame's own range, since a decode step keeps most PEs
  // busy for only a small fraction of the time.
  render::HeatmapStyle style;
  style.range = mode == HeatmapMode::Sram ? render::ValueRange::fixed(0.0f, 1.0f)
                                          : render::ValueRange::automaticRange();
  switch (mode) {
  case HeatmapMode::Activity:
    style.colormap = render::Colormap::Magma;
    style.units = "busy fraction";
    style.title = "Activity";
    break;
  case HeatmapMode::Sram:
    style.colormap = render::Colormap::Viridis;
    style.units = "fraction of SRAM";
    style.title = "SRAM occupancy";
    break;
  case HeatmapMode::LinkLoad:
    style.colormap = render::Colormap::Magma;
    style.units = "fraction of link capacity";
    style.title = "Link load";
    break;
  }
  return style;
}

} // namespace

const char* toString(HeatmapMode mode) {
  switch (mode) {
  case HeatmapMode::Activity:
    return "Activity";
  case HeatmapMode::Sram:
    return "SRAM occupancy";
  case HeatmapMode::LinkLoad:
    return "Link load";
  }
  return "?";
}

HeatmapPanel::HeatmapPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* bar = new QHBoxLayout;
  m_modeBox = new QComboBox(this);
  m_modeBox->setObjectName("heatmapMode");
  for (HeatmapMode mode : {HeatmapMode::Activity, HeatmapMode::Sram, HeatmapMode::LinkLoad}) {
    m_modeBox->addItem(toString(mode), int(mode));
  }
  bar->addWidget(new QLabel("Heatmap:", this));
  bar->addWidget(m_modeBox);
  m_legend = new QLabel(this);
  m_legend->setObjectName("heatmapLegend");
  bar->addWidget(m_legend, 1);
  layout->addLayout(bar);

  m_view = new render::HeatmapView(this);
  layout->addWidget(m_view, 1);
  m_view->setInspectorText([this](int x, int y) { return inspectorText(x, y); });
  m_view->setStyle(modeStyle(m_mode));

  connect(m_modeBox, &QComboBox::currentIndexChanged, this,
          [this](int index) { setMode(HeatmapMode(m_modeBox->itemData(index).toInt())); });
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
  updateOverlays();
}

void HeatmapPanel::clearMapping() {
  m_placement.reset();
  m_frame.reset();
  m_selected = -1;
  m_view->setField({});
  m_view->setOverlays({});
  m_legend->clear();
}

void HeatmapPanel::setFrame(std::shared_ptr<const Frame> frame) {
  if (!m_placement || frame->width != m_placement->width() ||
      frame->height != m_placement->height()) {
    return; // a frame of a mapping that has been replaced
  }
  m_frame = std::move(frame);
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
  m_view->setStyle(modeStyle(mode));
  updateField();
  emit modeChanged(mode);
}

void HeatmapPanel::selectRegion(int region) {
  m_selected = region;
  updateOverlays();
}

void HeatmapPanel::updateField() {
  if (!m_frame) {
    return;
  }
  render::Field field;
  field.width = uint32_t(m_frame->width);
  field.height = uint32_t(m_frame->height);
  field.values = modeValues(*m_frame, m_mode);
  // PEs outside every region hold nothing of the model: drawn as "no data".
  const std::vector<int32_t>& regionIndex = m_placement->regionIndex();
  for (size_t i = 0; i < field.values.size(); ++i) {
    if (regionIndex[i] < 0) {
      field.values[i] = std::numeric_limits<float>::quiet_NaN();
    }
  }
  m_view->setField(std::move(field));
  if (!m_fitted) {
    m_view->fitToView();
    m_fitted = true;
  }
  m_legend->setText(
      QString("%1 over %2 – %3 of simulated time, KV context %4 tokens")
          .arg(toString(m_mode), formatSimTime(m_frame->simStart), formatSimTime(m_frame->simEnd))
          .arg(m_frame->contextTokens));
}

void HeatmapPanel::updateOverlays() {
  render::FieldOverlays overlays;
  if (m_placement) {
    const sim::ChipSpec& chip = m_placement->chip();
    overlays.dies = {uint32_t(chip.diesX * m_placement->wafers()), uint32_t(chip.diesY)};
    for (const sim::Region& region : m_placement->regions()) {
      render::RegionOutline outline;
      outline.rect = {uint32_t(region.rect.x), uint32_t(region.rect.y), uint32_t(region.rect.w),
                      uint32_t(region.rect.h)};
      outline.label = sim::shortLabel(region);
      outline.colour = outlineColour(region.kind);
      outline.highlighted = region.id == m_selected;
      overlays.regions.push_back(std::move(outline));
      if (region.id == m_selected) {
        overlays.selection = overlays.regions.back().rect;
      }
    }
  }
  m_view->setOverlays(std::move(overlays));
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
  const size_t cell = size_t(y) * size_t(m_placement->width()) + size_t(x);
  if (m_frame) {
    const int op =
        size_t(region->id) < m_frame->regionOp.size() ? m_frame->regionOp[size_t(region->id)] : -1;
    text += QString("\nop: %1")
                .arg(op >= 0 && size_t(op) < region->ops.size()
                         ? QString::fromStdString(region->ops[size_t(op)].name)
                         : QString("idle"));
    text += QString("\nbusy: %1%").arg(100.0 * m_frame->activity[cell], 0, 'f', 1);
    text += QString("\nlink load: %1%").arg(100.0 * m_frame->link[cell], 0, 'f', 1);
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
