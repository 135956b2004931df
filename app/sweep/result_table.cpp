#include "app/sweep/result_table.h"

#include "app/sweep/point_eval.h"
#include "app/sweep/sweep_store.h"
#include "sim/chip_spec.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <stdexcept>

namespace ws::sweep {

namespace fs = std::filesystem;

int ResultTable::column(const std::string& name) const {
  const auto it = std::find(header.begin(), header.end(), name);
  return it == header.end() ? -1 : int(it - header.begin());
}

std::optional<double> ResultTable::number(size_t row, int column) const {
  if (column < 0 || row >= rows.size() || size_t(column) >= rows[row].size()) {
    return std::nullopt;
  }
  const std::string& cell = rows[row][size_t(column)];
  double v = 0.0;
  const auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
  if (cell.empty() || ec != std::errc() || ptr != cell.data() + cell.size()) {
    return std::nullopt;
  }
  return v;
}

ResultTable loadResults(const fs::path& path) {
  ResultTable table;
  std::vector<std::string> fields;
  if (fs::is_directory(path)) {
    if (!fs::exists(path / "sweep.json")) {
      throw std::runtime_error(path.string() + ": not a sweep output folder (no sweep.json)");
    }
    table.spec = SweepSpec::load(path / "sweep.json");
    const SweepStore store(path, *table.spec);
    table.header = csvHeader(*table.spec);
    table.axisFields = table.spec->axisFields();
    table.totalPoints = table.spec->pointCount();
    for (const auto& [point, row] : store.finishedRows()) {
      splitCsvLine(row, fields);
      table.rows.push_back(fields);
    }
    return table;
  }
  std::ifstream in(path, std::ios::binary);
  std::string line;
  if (!in || !std::getline(in, line) || !splitCsvLine(line, table.header) || table.header.empty() ||
      table.header.front() != "point") {
    throw std::runtime_error(path.string() + ": not a sweep results table (first column 'point')");
  }
  const std::vector<std::string> metrics = metricColumns();
  for (size_t i = 1; i < table.header.size(); ++i) {
    if (std::find(metrics.begin(), metrics.end(), table.header[i]) != metrics.end()) {
      break;
    }
    table.axisFields.push_back(table.header[i]);
  }
  while (std::getline(in, line)) {
    if (splitCsvLine(line, fields) && fields.size() == table.header.size()) {
      table.rows.push_back(fields);
    }
  }
  table.totalPoints = table.rows.size();
  // Beside the table, the folder's sweep.json says how to open a point.
  if (fs::exists(path.parent_path() / "sweep.json")) {
    try {
      table.spec = SweepSpec::load(path.parent_path() / "sweep.json");
    } catch (const SweepError&) {
      table.spec.reset();
    }
  }
  return table;
}

std::vector<size_t> paretoFront(const std::vector<std::pair<double, double>>& points) {
  std::vector<size_t> order(points.size());
  for (size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  // By first coordinate descending (ties: second descending): a point is on
  // the front when its second coordinate beats every point before it.
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return points[a].first != points[b].first ? points[a].first > points[b].first
                                              : points[a].second > points[b].second;
  });
  std::vector<size_t> front;
  bool any = false;
  double best = 0.0;
  for (size_t i : order) {
    if (!any || points[i].second > best) {
      front.push_back(i);
      best = points[i].second;
      any = true;
    }
  }
  std::reverse(front.begin(), front.end());
  return front;
}

std::string chipJsonForPoint(const PointConfig& config, const std::string& sweepFile) {
  Json chip = Json::parse(sim::chipSpecToJson(sim::loadChipSpec(config.chip)));
  applyChipFields(chip, config, sweepFile);
  return chip.dump(2) + "\n";
}

} // namespace ws::sweep
