// waferscope-cli validate: predicted vs published speed for every row of
// assets/validation/published.csv (all held out, nothing fitted), each with
// the serving profile its deployment ran, the band over the chip's
// unconfirmed parameters (and the profile's acceptance range), the naive
// baseline and the rank correlation per group; the rows of the software after
// the launch (speculative decoding) are scored again on their own.
// --micro: the kernel rows of microbench.csv.
#include "app/cli/command.h"
#include "sim/validation.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace ws::cli {
namespace {

std::string modelLabel(const std::string& model) {
  const std::filesystem::path path(model);
  return path.extension() == ".json" ? path.stem().string() : model;
}

void printGroup(const sim::GroupScore& g) {
  if (g.rows == 0) {
    std::printf("%-14s no rows\n", g.name.c_str());
    return;
  }
  std::printf("%-14s %2d rows: model MAPE %5.1f%%, median %5.1f%%, Spearman %+.3f "
              "(unfitted defaults: the same, nothing is fitted)\n",
              g.name.c_str(), g.rows, 100.0 * g.mape, 100.0 * g.medianApe, g.spearman);
  if (g.baselineRows > 0) {
    std::printf("%-14s baseline 3322/active_B^0.294 MAPE %5.1f%% on the %d decode rows "
                "(model on the same rows: %.1f%%)\n",
                g.name.c_str(), 100.0 * g.baselineMape, g.baselineRows,
                100.0 * g.modelMapeOnBaselineRows);
  }
  if (g.trendModels > 0) {
    std::printf(
        "%-14s grid-size trend (decode slower with more PEs): right for %d of %d models%s\n",
        g.name.c_str(), g.trendModels - int(g.trendWrong.size()), g.trendModels,
        g.trendWrong.empty() ? ""
                             : fmt::format(" (wrong: {})", fmt::join(g.trendWrong, ", ")).c_str());
  }
}

void runValidate(const std::string& table) {
  const auto rows = sim::loadValidationTable(table);
  const sim::ValidationSummary summary = sim::runValidation(rows);
  std::printf("%-35s %-16s %-6s %5s %-16s %10s %10s %8s %10s  %s\n", "row", "model", "chip", "grid",
              "serving profile", "published", "predicted", "error", "baseline",
              "band over UNCONFIRMED parameters");
  int failures = 0;
  for (const auto& r : summary.results) {
    const std::string model = modelLabel(r.row.model);
    const std::string grid = r.row.grid > 0 ? std::to_string(r.row.grid) : "-";
    if (!r.failure.empty()) {
      ++failures;
      std::printf("%-35s %-16s %-6s %5s %-16s %10.0f %10s %8s %10s  (%s)\n", r.row.id.c_str(),
                  model.c_str(), r.row.chip.c_str(), grid.c_str(), r.row.servingProfile.c_str(),
                  r.row.publishedTokensPerSecond, "-", "-", "-", r.failure.c_str());
      continue;
    }
    std::printf(
        "%-35s %-16s %-6s %5s %-16s %10.0f %10.0f %+7.1f%% %10s  %.0f-%.0f\n", r.row.id.c_str(),
        model.c_str(), r.row.chip.c_str(), grid.c_str(), r.row.servingProfile.c_str(),
        r.row.publishedTokensPerSecond, r.predicted, 100.0 * r.errorFraction,
        r.row.isDecode() ? fmt::format("{:.0f}", r.baseline).c_str() : "n/a", r.low, r.high);
  }
  std::printf("\nheld-out rows (every row; nothing is fitted to a tokens/s row; the serving "
              "profiles of assets/serving/ are fixed, never chosen per row):\n");
  for (const auto& g : summary.groups) {
    printGroup(g);
  }
  if (failures > 0) {
    std::printf("%d row(s) could not be simulated (not in the totals)\n", failures);
  }
}

void runMicro(const std::string& table) {
  const auto results = sim::runMicrobench(sim::loadMicrobenchTable(table));
  std::printf("%-20s %-10s %-6s %5s %12s %12s %10s   %s\n", "row", "kernel", "chip", "grid",
              "measured us", "predicted us", "LOO error", "predicted cycles by mechanism");
  for (const auto& r : results) {
    std::string causes;
    for (int c = 0; c < sim::TimeBreakdown::kCategories; ++c) {
      if (r.cycles.category(c) > 0.0) {
        causes += fmt::format("{}{} {:.0f}", causes.empty() ? "" : ", ",
                              sim::TimeBreakdown::categoryName(c), r.cycles.category(c));
      }
    }
    std::printf("%-20s %-10s %-6s %5d %12.3f %12.3f %+9.1f%%   %s\n", r.row.id.c_str(),
                r.row.kernel.c_str(), r.row.chip.c_str(), r.row.grid, r.row.measuredSeconds * 1e6,
                r.predictedSeconds * 1e6, 100.0 * r.leaveOneOutError, causes.c_str());
  }
  std::printf("\nnothing is fitted: every parameter is a sourced value or an UNCONFIRMED "
              "default, so the leave-one-out error is the plain error\n");
}

const bool validateRegistered = registerCommand(
    "validate", "Compare predicted speed with published wafer-scale figures", [](CLI::App& cmd) {
      struct Args {
        std::string table;
        bool micro = false;
      };
      auto args = std::make_shared<Args>();
      cmd.add_option("--table", args->table,
                     "CSV (default: assets/validation/published.csv, with --micro "
                     "assets/validation/microbench.csv)");
      cmd.add_flag("--micro", args->micro,
                   "kernel-level rows: published GEMV times against the mesh dataflow");
      cmd.callback([args] {
        if (args->micro) {
          runMicro(args->table.empty() ? sim::defaultMicrobenchTablePath() : args->table);
        } else {
          runValidate(args->table.empty() ? sim::defaultValidationTablePath() : args->table);
        }
      });
    });

} // namespace
} // namespace ws::cli
