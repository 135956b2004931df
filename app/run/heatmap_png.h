#pragma once
// The heatmap PNG export: one of the run's fields over a window of simulated
// time, drawn by render/'s off-screen Vulkan path. The sim-to-render
// conversion (unused PEs as no data, die and region outlines) lives here
// once for the controller.
#include "sim/placement.h"

#include <filesystem>
#include <string>

namespace ws::app {

struct HeatmapPicture {
  const float* values = nullptr; // placement width x height, row-major
  std::string field;             // "activity", "sram" or "links"
  std::string title;
};

// Renders `picture` of `placement` to a PNG at `path` (throws what render/ throws).
void writeHeatmapPng(const sim::Placement& placement, const HeatmapPicture& picture,
                     const std::filesystem::path& path);

} // namespace ws::app
