#include "app/run/heatmap_png.h"

#include "app/frame/field_adapter.h"
#include "render/offscreen_renderer.h"

#include <algorithm>
#include <cmath>

namespace ws::app {

void writeHeatmapPng(const sim::Placement& placement, const std::shared_ptr<const Frame>& frame,
                     const render::HeatmapStyle& style, const std::filesystem::path& path) {
  const render::Field& field = frame->field;
  const uint32_t height = 800;
  const uint32_t width = std::clamp<uint32_t>(
      uint32_t(std::lround(height * double(field.width) / field.height)) + 160, 640, 2400);
  render::OffscreenRenderer renderer(width, height);
  render::writePng(renderer.render(std::shared_ptr<const render::Field>(frame, &frame->field),
                                   regionOverlays(placement, {.outlineExperts = false}), style),
                   path);
}

} // namespace ws::app
