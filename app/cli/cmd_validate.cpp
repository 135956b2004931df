// waferscope-cli validate: predicted vs published decode speed per row of
// assets/validation/published.csv, with the held-out MAPE.
// waferscope-cli calibrate: refits a chip's calibration (op overhead of the
// launch software, tokens per step of the later software) to its calibration
// rows and (with --write) stores it in the chip file(s).
#include "app/cli/command.h"
#include "core/asset_paths.h"
#include "sim/chip_spec.h"
#include "sim/validation.h"

#include <fmt/format.h>

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

// Refits a chip's calibration to its calibration rows (sim::fitCalibration)
// and with --write stores it in the chip file and the --also presets.
void runCalibrate(const std::string& table, const std::string& chipName,
                  const std::vector<std::string>& alsoWrite, bool write) {
  const auto rows = sim::loadValidationTable(table);
  const sim::ChipSpec chip = sim::loadChipSpec(chipName);
  const sim::CalibrationFit fit = sim::fitCalibration(rows, chip);
  const std::string launchRows = fmt::format("{}", fmt::join(fit.launchRows, ", "));
  const std::string laterRows = fmt::format("{}", fmt::join(fit.laterRows, ", "));
  std::printf("%s: opOverheadCycles = %.1f (fitted to %s)\n", chipName.c_str(),
              fit.opOverheadCycles, launchRows.c_str());
  if (!fit.laterRows.empty()) {
    std::printf("%s: laterStackTokensPerStep = %.3f for rows dated from %s (fitted to %s)\n",
                chipName.c_str(), fit.laterStackTokensPerStep,
                chip.calibration.laterStackSince.c_str(), laterRows.c_str());
  }
  if (!write) {
    return;
  }
  std::vector<std::string> targets{chipName};
  targets.insert(targets.end(), alsoWrite.begin(), alsoWrite.end());
  for (const auto& name : targets) {
    sim::ChipSpec target = sim::loadChipSpec(name);
    target.calibration.opOverheadCycles = fit.opOverheadCycles;
    target.calibration.laterStackTokensPerStep = fit.laterStackTokensPerStep;
    target.calibration.laterStackSince = chip.calibration.laterStackSince;
    target.calibration.fittedTo = fit.launchRows;
    target.calibration.fittedTo.insert(target.calibration.fittedTo.end(), fit.laterRows.begin(),
                                       fit.laterRows.end());
    target.calibration.method = fmt::format(
        "waferscope-cli calibrate --chip {}: opOverheadCycles bisected so the geometric mean of "
        "predicted/published over the calibration rows dated before laterStackSince is 1; "
        "laterStackTokensPerStep = geometric mean of published/predicted over those dated on "
        "or after it; computeEfficiency and tokenOverheadSeconds left at their physical values",
        chipName);
    target.sources["calibration.opOverheadCycles"] = fmt::format(
        "fitted to {} (assets/validation/published.csv): dispatch and control cost per op "
        "of the launch serving software",
        launchRows);
    target.sources["calibration.laterStackTokensPerStep"] =
        fit.laterRows.empty()
            ? std::string("not fitted: no calibration row of a later software generation (1)")
            : fmt::format("fitted to {} (assets/validation/published.csv): tokens per forward "
                          "pass of the later serving software (speculative decoding is the "
                          "likely mechanism, UNCONFIRMED; see assets/validation/README.md)",
                          laterRows);
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
    "calibrate", "Refit a chip's calibration to its calibration rows", [](CLI::App& cmd) {
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
