#pragma once
// --field of simulate and run: the heatmap field, or a one-line error naming the option.
#include "app/run/run_controller.h"

#include <stdexcept>
#include <string>

namespace ws::cli {

inline app::HeatmapField heatmapField(const std::string& name) {
  try {
    return app::heatmapFieldFromString(name);
  } catch (const std::invalid_argument& error) {
    throw std::runtime_error(std::string("--field ") + error.what());
  }
}

} // namespace ws::cli
