#pragma once
// Published wafer-scale speeds (assets/validation/published.csv) and kernel
// measurements (assets/validation/microbench.csv), and the simulator's
// prediction for each.
//
// The protocol (docs/timing-model.md): every tokens/s row is held out, one row
// per deployment, frozen on the date in its `frozen` column; nothing is ever
// fitted to one. Every row names the serving profile its deployment ran
// (assets/serving/, sim/serving_profile.h): the launch software, or the later
// software's speculative decoding, simulated as draft steps, a verify pass
// and a rollback (sim/speculative_step.h). Profiles are fixed before they
// meet the rows; no row chooses its own K or acceptance. Each group's score
// is printed beside a naive baseline (3322 / active_B^0.294 tokens/s,
// SemiAnalysis) on exactly the same rows.
#include "sim/chip_spec.h"
#include "sim/engine_observer.h"
#include "sim/serving_profile.h"

#include <string>
#include <vector>

namespace ws::sim {

struct ValidationRow {
  std::string id;
  // "cerebras" (Cerebras Inference deployments), "waferllm-decode" and
  // "waferllm-prefill" (WaferLLM's Tables 4 and 3 on a real WSE-2).
  std::string group;
  std::string model; // card name, or a .json beside the table
  std::string chip;  // preset name or file
  int systems = 0;   // wafers; 0 = the fewest that hold the model
  double weightBits = 16.0;
  // "whole": the whole model mapped layer-pipelined and decoded;
  // "mesh-decode" / "mesh-prefill": WaferLLM's dataflow on a grid x grid
  // sub-grid, one layer times the layer count (sim/mesh_dataflow.h).
  std::string method = "whole";
  int grid = 0;
  int64_t contextTokens = 0; // KV length (decode) or prompt length (prefill)
  double publishedTokensPerSecond = 0.0;
  // The era of the serving software: "launch" (Cerebras' launch software,
  // WaferLLM's own) or "later-software" (what Cerebras served after).
  std::string serving = "launch";
  // The serving profile the row is simulated with (assets/serving/NAME.json).
  std::string servingProfile = "launch-2024";
  std::string frozen; // ISO date the row was frozen
  std::string date;   // of the publication
  std::string source;
  std::string note;

  bool isLaterSoftware() const { return serving == "later-software"; }
  bool isDecode() const { return method != "mesh-prefill"; }
};

// Throws std::runtime_error naming the file, line and column on bad input.
std::vector<ValidationRow> parseValidationTable(const std::string& csvText,
                                                const std::string& file);
std::vector<ValidationRow> loadValidationTable(const std::string& path);
std::string defaultValidationTablePath();

// Predicted tokens per second for a row (fast engine's closed forms, or the
// mesh dataflow; with a speculative profile, the speculative step on fast
// engines at the profile's K and acceptance rate), with `chip` replacing the
// row's chip when given (for the band over unconfirmed parameters).
double predictTokensPerSecond(const ValidationRow& row, const ChipSpec* chip = nullptr);
// The naive baseline: 3322 / active_B^0.294 tokens/s of the row's model.
double baselineTokensPerSecond(const ValidationRow& row);

struct ValidationResult {
  ValidationRow row;
  double predicted = 0.0;
  // Band over the chip's unconfirmed parameters (and, with a speculative
  // profile, the acceptance rate's range).
  double low = 0.0;
  double high = 0.0;
  double baseline = 0.0;
  double errorFraction = 0.0;         // (predicted - published) / published
  double baselineErrorFraction = 0.0; // the same for the baseline (decode rows)
  std::string failure;                // non-empty when the row could not be simulated
};

// Scores of one group of rows in the totals.
struct GroupScore {
  // "cerebras", "waferllm", "all", "later-software" (the rows of software
  // after the launch, also inside cerebras and all)
  std::string name;
  int rows = 0;
  double mape = 0.0;
  double medianApe = 0.0;
  double spearman = 0.0; // rank correlation of predicted and published
  // The baseline applies to decode rows: its MAPE and the model's on the same rows.
  int baselineRows = 0;
  double baselineMape = 0.0;
  double modelMapeOnBaselineRows = 0.0;
  // Whether the model gets the direction of every WaferLLM decode grid-size
  // trend right (slower with more PEs), per model; empty for other groups.
  std::vector<std::string> trendWrong;
  int trendModels = 0;
};

struct ValidationSummary {
  std::vector<ValidationResult> results;
  std::vector<GroupScore> groups; // cerebras, waferllm, all, later-software
};

ValidationSummary runValidation(const std::vector<ValidationRow>& rows);
// Spearman's rank correlation (average ranks for ties); 0 for fewer than 2.
double spearmanRank(const std::vector<double>& a, const std::vector<double>& b);

// A kernel-level measurement (assets/validation/microbench.csv).
struct MicrobenchRow {
  std::string id;
  std::string kernel; // "mesh-gemv"
  std::string chip;
  int grid = 0;
  int64_t rows = 0;
  int64_t cols = 0;
  double measuredSeconds = 0.0;
  std::string source;
  std::string note;
};
std::vector<MicrobenchRow> loadMicrobenchTable(const std::string& path);
std::string defaultMicrobenchTablePath();

struct MicrobenchResult {
  MicrobenchRow row;
  double predictedSeconds = 0.0;
  // Error with the row left out of every fit; nothing is fitted today, so it
  // equals the plain error.
  double leaveOneOutError = 0.0;
  TimeBreakdown cycles;
};
std::vector<MicrobenchResult> runMicrobench(const std::vector<MicrobenchRow>& rows);

} // namespace ws::sim
