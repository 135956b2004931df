#pragma once
// The heatmap PNG export: one frame of a run drawn by render/'s off-screen
// Vulkan path, with the outlines of app/frame's adapter (experts are too many
// to outline one by one on a wafer-wide picture).
#include "app/frame/frame.h"
#include "render/field.h"
#include "sim/placement.h"

#include <filesystem>
#include <memory>

namespace ws::app {

// Renders `frame` of `placement` in `style` to a PNG at `path` (throws what
// render/ throws).
void writeHeatmapPng(const sim::Placement& placement, const std::shared_ptr<const Frame>& frame,
                     const render::HeatmapStyle& style, const std::filesystem::path& path);

} // namespace ws::app
