#include "app/run/heatmap_png.h"

#include "render/offscreen_renderer.h"

#include <algorithm>
#include <cmath>

namespace ws::app {
namespace {

render::Field toField(const sim::Placement& placement, const float* data) {
  render::Field field;
  field.width = uint32_t(placement.width());
  field.height = uint32_t(placement.height());
  field.values.assign(data, data + size_t(field.width) * field.height);
  // Unused PEs are "no data", not idle.
  const auto& index = placement.regionIndex();
  for (size_t i = 0; i < index.size(); ++i) {
    if (index[i] < 0) {
      field.values[i] = std::nanf("");
    }
  }
  return field;
}

render::FieldOverlays overlaysFor(const sim::Placement& placement) {
  render::FieldOverlays overlays;
  overlays.dies = {uint32_t(placement.chip().diesX * placement.wafers()),
                   uint32_t(placement.chip().diesY)};
  // Experts are too many to outline one by one on a wafer-wide picture.
  for (const sim::Region& r : placement.regions()) {
    if (r.kind == sim::RegionKind::Expert) {
      continue;
    }
    render::RegionOutline o;
    o.rect = {uint32_t(r.rect.x), uint32_t(r.rect.y), uint32_t(r.rect.w), uint32_t(r.rect.h)};
    o.label = sim::shortLabel(r);
    overlays.regions.push_back(std::move(o));
  }
  return overlays;
}

} // namespace

void writeHeatmapPng(const sim::Placement& placement, const HeatmapPicture& picture,
                     const std::filesystem::path& path) {
  render::HeatmapStyle style;
  const render::Field field = toField(placement, picture.values);
  if (picture.field == "activity") {
    style.colormap = render::Colormap::Magma;
    // In single-sequence decode a layer is busy for a small part of a step:
    // scale to the busiest PE so the pattern shows (the legend has the range).
    style.range = render::ValueRange::automaticRange();
    style.units = "busy fraction";
  } else if (picture.field == "sram") {
    style.colormap = render::Colormap::Viridis;
    style.range = render::ValueRange::fixed(0.0f, 1.0f);
    style.units = "SRAM used";
  } else {
    style.colormap = render::Colormap::Magma;
    style.range = render::ValueRange::fixed(0.0f, 1.0f);
    style.units = "link load";
  }
  style.title = picture.title;
  const uint32_t height = 800;
  const uint32_t width = std::clamp<uint32_t>(
      uint32_t(std::lround(height * double(field.width) / field.height)) + 160, 640, 2400);
  render::OffscreenRenderer renderer(width, height);
  render::writePng(renderer.render(field, overlaysFor(placement), style), path);
}

} // namespace ws::app
