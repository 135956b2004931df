#include "app/cli/run_outputs.h"

#include "app/cli/output_path.h"
#include "app/run/run_controller.h"

#include <stdexcept>

namespace ws::cli {

void addRunOutputOptions(CLI::App& cmd, RunOutputs& o) {
  cmd.add_option("--report", o.report, "write the JSON report")->check(writableOutputFile());
  cmd.add_option("--trace", o.trace, "write a Chrome/Perfetto trace JSON")
      ->check(writableOutputFile());
  cmd.add_option("--csv", o.csv, "write the tokens as CSV")->check(writableOutputFile());
  cmd.add_option("--heatmap", o.heatmap, "write a heatmap PNG")->check(writableOutputFile());
  cmd.add_option("--field", o.field, "heatmap field: activity, sram or links")
      ->capture_default_str();
  cmd.add_option("--heatmap-scale", o.heatmapScale,
                 "heatmap colours: absolute (0-100 % of capacity) or data (stretched to the "
                 "frame's own range, named in the legend)")
      ->capture_default_str();
  cmd.add_option("--at", o.at, "heatmap time in simulated seconds (default: the last step)");
}

app::Plane heatmapPlane(const RunOutputs& o) {
  try {
    return app::planeFromCliName(o.field);
  } catch (const std::invalid_argument& error) {
    throw std::runtime_error(std::string("--field ") + error.what());
  }
}

app::ColourScale heatmapScale(const RunOutputs& o) {
  try {
    return app::colourScaleFromCliName(o.heatmapScale);
  } catch (const std::invalid_argument& error) {
    throw std::runtime_error(std::string("--heatmap-scale ") + error.what());
  }
}

void writeRunOutputs(app::RunController& controller, const RunOutputs& o) {
  if (!o.report.empty()) {
    controller.exportReport(o.report);
  }
  if (!o.trace.empty()) {
    controller.exportTrace(o.trace);
  }
  if (!o.csv.empty()) {
    controller.exportCsv(o.csv);
  }
  if (!o.heatmap.empty()) {
    controller.exportHeatmap(o.heatmap, heatmapPlane(o), o.at, heatmapScale(o));
  }
}

} // namespace ws::cli
