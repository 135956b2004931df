// waferscope-cli validate: predicted vs published decode speed per row of
// assets/validation/published.csv, with the held-out MAPE.
// waferscope-cli calibrate: refits one calibration factor of a chip to its
// calibration rows and (with --write) stores it in the chip file(s).
#include "app/cli/command.h"
#include "core/asset_paths.h"
#include "sim/chip_spec.h"
#include "sim/validation.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace ws::cli {
namespace {

void runValidate(const std::string& table) {
  const auto rows = sim::loadValidationTable(table);
  const sim::ValidationSummary summary = sim::runValidation(rows);
  std::printf("%-26s %-22s %-7s %-11s %10s %10s %8s\n", "row", "model", "chip", "split",
              "published", "predicted", "error");
  int failures = 0;
  for (const auto& r : summary.results) {
    const std::filesystem::path modelPath(r.row.model);
    const std::string model =
        modelPath.extension() == ".json" ? modelPath.stem().string() : r.row.model;
    if (!r.failure.empty()) {
      ++failures;
      std::printf("%-26s %-22s %-7s %-11s %10.0f %10s %8s  (%s)\n", r.row.id.c_str(), model.c_str(),
                  r.row.chip.c_str(), r.row.calibration ? "calibration" : "held-out",
                  r.row.publishedTokensPerSecond, "-", "-", r.failure.c_str());
      continue;
    }
    std::printf("%-26s %-22s %-7s %-11s %10.0f %10.0f %+7.1f%%\n", r.row.id.c_str(), model.c_str(),
                r.row.chip.c_str(), r.row.calibration ? "calibration" : "held-out",
                r.row.publishedTokensPerSecond, r.predicted, 100.0 * r.errorFraction);
  }
  std::printf("\ncalibration rows MAPE: %.1f%%\nheld-out rows MAPE:    %.1f%%\n",
              100.0 * summary.calibrationMape, 100.0 * summary.heldOutMape);
  if (failures > 0) {
    std::printf("%d row(s) could not be simulated (not in the MAPE)\n", failures);
  }
}

// Fits opOverheadCycles so that the geometric mean of predicted / published
// over the chip's calibration rows is 1 (the prediction falls monotonically
// with the overhead, so bisection finds it).
void runCalibrate(const std::string& table, const std::string& chipName,
                  const std::vector<std::string>& alsoWrite, bool write) {
  const auto rows = sim::loadValidationTable(table);
  std::vector<sim::ValidationRow> fit;
  for (const auto& r : rows) {
    if (r.calibration && r.chip == chipName) {
      fit.push_back(r);
    }
  }
  if (fit.empty()) {
    throw std::runtime_error(fmt::format("{}: no calibration rows for chip '{}'", table, chipName));
  }
  sim::ChipSpec chip = sim::loadChipSpec(chipName);
  auto logError = [&](double overhead) {
    chip.calibration.opOverheadCycles = overhead;
    double sum = 0.0;
    for (const auto& r : fit) {
      sum += std::log(sim::predictTokensPerSecond(r, &chip) / r.publishedTokensPerSecond);
    }
    return sum / double(fit.size());
  };
  double lo = 0.0;
  double hi = 1e6;
  if (logError(lo) < 0) {
    throw std::runtime_error(fmt::format(
        "{}: even without op overhead the model is slower than published on the calibration "
        "rows; nothing to fit",
        chipName));
  }
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (logError(mid) > 0 ? lo : hi) = mid;
  }
  const double overhead = 0.5 * (lo + hi);
  std::vector<std::string> ids;
  for (const auto& r : fit) {
    ids.push_back(r.id);
  }
  std::printf("%s: opOverheadCycles = %.1f (fitted to %s)\n", chipName.c_str(), overhead,
              fmt::format("{}", fmt::join(ids, ", ")).c_str());
  if (!write) {
    return;
  }
  std::vector<std::string> targets{chipName};
  targets.insert(targets.end(), alsoWrite.begin(), alsoWrite.end());
  for (const auto& name : targets) {
    sim::ChipSpec target = sim::loadChipSpec(name);
    target.calibration.opOverheadCycles = std::round(overhead * 10.0) / 10.0;
    target.calibration.fittedTo = ids;
    target.calibration.method = fmt::format(
        "waferscope-cli calibrate --chip {}: opOverheadCycles bisected so the geometric mean of "
        "predicted/published over the fitted rows is 1; computeEfficiency and "
        "tokenOverheadSeconds left at their physical values",
        chipName);
    target.sources["calibration.opOverheadCycles"] =
        fmt::format("fitted to {} (assets/validation/published.csv)", fmt::join(ids, ", "));
    std::ofstream out(target.file, std::ios::binary | std::ios::trunc);
    out << sim::chipSpecToJson(target);
    if (!out) {
      throw std::runtime_error(target.file + ": cannot be written");
    }
    std::printf("wrote %s\n", target.file.c_str());
  }
}

const bool validateRegistered =
    registerCommand("validate", "Compare predicted decode speed with published wafer-scale figures",
                    [](CLI::App& cmd) {
                      auto table = std::make_shared<std::string>();
                      cmd.add_option("--table", *table,
                                     "validation CSV (default: assets/validation/published.csv)");
                      cmd.callback([table] {
                        runValidate(table->empty() ? sim::defaultValidationTablePath() : *table);
                      });
                    });

const bool calibrateRegistered = registerCommand(
    "calibrate", "Refit a chip's op overhead to its calibration rows", [](CLI::App& cmd) {
      struct Args {
        std::string table;
        std::string chip;
        std::vector<std::string> also;
        bool write = false;
      };
      auto args = std::make_shared<Args>();
      cmd.add_option("--table", args->table, "validation CSV");
      cmd.add_option("--chip", args->chip, "chip preset whose calibration rows are fitted")
          ->required();
      cmd.add_option("--also", args->also, "further presets that share the fitted value");
      cmd.add_flag("--write", args->write, "store the fitted value in the chip file(s)");
      cmd.callback([args] {
        runCalibrate(args->table.empty() ? sim::defaultValidationTablePath() : args->table,
                     args->chip, args->also, args->write);
      });
    });

} // namespace
} // namespace ws::cli
