#pragma once
// --field and --heatmap-scale of simulate and run: the heatmap plane and its
// colour scale, or a one-line error naming the option.
#include "app/frame/field_adapter.h"
#include "app/frame/frame.h"

#include <stdexcept>
#include <string>

namespace ws::cli {

inline app::Plane heatmapPlane(const std::string& name) {
  try {
    return app::planeFromCliName(name);
  } catch (const std::invalid_argument& error) {
    throw std::runtime_error(std::string("--field ") + error.what());
  }
}

inline app::ColourScale heatmapScale(const std::string& name) {
  try {
    return app::colourScaleFromCliName(name);
  } catch (const std::invalid_argument& error) {
    throw std::runtime_error(std::string("--heatmap-scale ") + error.what());
  }
}

} // namespace ws::cli
