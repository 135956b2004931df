#pragma once
// The outputs `run` and `simulate` share: the JSON report, the trace, the
// token CSV and the heatmap PNG (its plane, colour scale and moment), as
// options and as the RunController's exports.
#include "app/frame/field_adapter.h"
#include "app/frame/frame.h"

#include <CLI/CLI.hpp>

#include <string>

namespace ws::app {
class RunController;
}

namespace ws::cli {

struct RunOutputs {
  std::string report;
  std::string trace;
  std::string csv;
  std::string heatmap;
  std::string field = "activity";
  std::string heatmapScale = "absolute";
  double at = -1.0; // simulated seconds; < 0: the last step
};

// --report, --trace, --csv, --heatmap, --field, --heatmap-scale and --at;
// output paths are checked for writability when the line is parsed.
void addRunOutputOptions(CLI::App& cmd, RunOutputs& outputs);

// --field and --heatmap-scale, or a one-line error naming the option.
app::Plane heatmapPlane(const RunOutputs& outputs);
app::ColourScale heatmapScale(const RunOutputs& outputs);

// Writes every output asked for, from the controller's latest run.
void writeRunOutputs(app::RunController& controller, const RunOutputs& outputs);

} // namespace ws::cli
