#pragma once
// A sweep's results as the workbench reads them: the finished table
// (results.csv) or a running sweep's folder (its rows so far, from the part
// files), plus the Pareto front the Sweep panel marks.
#include "app/sweep/sweep_spec.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ws::sweep {

struct ResultTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows; // by point, each as long as the header
  std::vector<std::string> axisFields;        // the header's axis columns
  uint64_t totalPoints = 0;                   // of the sweep (rows.size() once finished)
  std::optional<SweepSpec> spec;              // when the folder's sweep.json was read

  // Column index by name; -1 when absent.
  int column(const std::string& name) const;
  // The value of a numeric cell; nullopt when empty or not a number.
  std::optional<double> number(size_t row, int column) const;
};

// `path` is a sweep output folder (reads DIR/sweep.json and every finished
// row, so a running sweep can be watched) or a results CSV. Throws
// std::runtime_error naming the path when neither can be read.
ResultTable loadResults(const std::filesystem::path& path);

// Indices of the points no other point beats on both coordinates (larger is
// better on both), sorted by the first coordinate.
std::vector<size_t> paretoFront(const std::vector<std::pair<double, double>>& points);

// The chip JSON a point runs on (its chip with the point's chip fields set),
// for opening the point in the workbench. Throws what loading the chip throws.
std::string chipJsonForPoint(const PointConfig& config, const std::string& sweepFile);

} // namespace ws::sweep
