#include "app/frame/field_adapter.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

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

} // namespace

const char* toString(Plane plane) {
  switch (plane) {
  case Plane::Activity:
    return "Activity";
  case Plane::Sram:
    return "SRAM occupancy";
  case Plane::Links:
    return "Link load";
  }
  return "?";
}

const char* cliName(Plane plane) {
  switch (plane) {
  case Plane::Activity:
    return "activity";
  case Plane::Sram:
    return "sram";
  case Plane::Links:
    return "links";
  }
  return "?";
}

Plane planeFromCliName(const std::string& name) {
  for (Plane plane : {Plane::Activity, Plane::Sram, Plane::Links}) {
    if (name == cliName(plane)) {
      return plane;
    }
  }
  throw std::invalid_argument("must be activity, sram or links, got '" + name + "'");
}

const char* cliName(ColourScale scale) {
  return scale == ColourScale::Absolute ? "absolute" : "data";
}

ColourScale colourScaleFromCliName(const std::string& name) {
  for (ColourScale scale : {ColourScale::Absolute, ColourScale::Data}) {
    if (name == cliName(scale)) {
      return scale;
    }
  }
  throw std::invalid_argument("must be absolute or data, got '" + name + "'");
}

UsedCells::UsedCells(const sim::Placement& placement)
    : m_width(uint32_t(placement.width())), m_height(uint32_t(placement.height())) {
  const std::vector<int32_t>& index = placement.regionIndex();
  uint32_t minX = m_width;
  uint32_t minY = m_height;
  uint32_t maxX = 0;
  uint32_t maxY = 0;
  for (size_t i = 0; i < index.size();) {
    if (index[i] < 0) {
      ++i;
      continue;
    }
    const size_t begin = i;
    while (i < index.size() && index[i] >= 0) {
      ++i;
    }
    // A run may wrap over a row end; the bounding box takes both rows' ends.
    const auto firstY = uint32_t(begin / m_width);
    const auto lastY = uint32_t((i - 1) / m_width);
    minY = std::min(minY, firstY);
    maxY = std::max(maxY, lastY);
    if (firstY == lastY) {
      minX = std::min(minX, uint32_t(begin % m_width));
      maxX = std::max(maxX, uint32_t((i - 1) % m_width));
    } else {
      minX = 0;
      maxX = m_width - 1;
    }
    m_runs.push_back({begin, i - begin});
    m_count += i - begin;
  }
  if (m_count > 0) {
    m_bounds = {minX, minY, maxX - minX + 1, maxY - minY + 1};
  }
}

template <typename Fill> void UsedCells::write(render::Field& field, Fill fill) const {
  field.width = m_width;
  field.height = m_height;
  field.values.resize(size_t(m_width) * m_height);
  float* out = field.values.data();
  constexpr float kNoData = std::numeric_limits<float>::quiet_NaN();
  size_t next = 0;
  for (const Run& run : m_runs) {
    std::fill(out + next, out + run.begin, kNoData);
    fill(out, run);
    next = run.begin + run.length;
  }
  std::fill(out + next, out + field.values.size(), kNoData);
}

void UsedCells::toField(const float* values, render::Field& field) const {
  write(field, [values](float* out, const Run& run) {
    std::memcpy(out + run.begin, values + run.begin, run.length * sizeof(float));
  });
}

void UsedCells::zeroField(render::Field& field) const {
  write(field, [](float* out, const Run& run) {
    std::fill(out + run.begin, out + run.begin + run.length, 0.0f);
  });
}

render::FieldOverlays regionOverlays(const sim::Placement& placement,
                                     const OverlayOptions& options) {
  render::FieldOverlays overlays;
  const sim::ChipSpec& chip = placement.chip();
  overlays.dies = {uint32_t(chip.diesX * placement.wafers()), uint32_t(chip.diesY)};
  for (const sim::Region& region : placement.regions()) {
    const bool selected = region.id == options.selectedRegion;
    if (region.kind == sim::RegionKind::Expert && !options.outlineExperts && !selected) {
      continue;
    }
    render::RegionOutline outline;
    outline.rect = {uint32_t(region.rect.x), uint32_t(region.rect.y), uint32_t(region.rect.w),
                    uint32_t(region.rect.h)};
    outline.label = sim::shortLabel(region);
    outline.colour = outlineColour(region.kind);
    outline.highlighted = selected;
    if (selected) {
      overlays.selection = outline.rect;
    }
    overlays.regions.push_back(std::move(outline));
  }
  return overlays;
}

render::HeatmapStyle planeStyle(Plane plane, ColourScale scale) {
  render::HeatmapStyle style;
  // Every plane is a fraction of a capacity, shown in percent.
  style.displayScale = 100.0f;
  style.title = toString(plane);
  style.range = scale == ColourScale::Absolute ? render::ValueRange::fixed(0.0f, 1.0f)
                                               : render::ValueRange::automaticRange();
  switch (plane) {
  case Plane::Activity:
    style.colormap = render::Colormap::Magma;
    style.units = "% busy";
    break;
  case Plane::Sram:
    style.colormap = render::Colormap::Viridis;
    style.units = "% of SRAM";
    break;
  case Plane::Links:
    style.colormap = render::Colormap::Magma;
    style.units = "% of link capacity";
    break;
  }
  if (scale == ColourScale::Data) {
    style.units += ", stretched to data";
  }
  return style;
}

} // namespace ws::app
