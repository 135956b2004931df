#pragma once
// Published single-user decode speeds of real wafer-scale deployments
// (assets/validation/published.csv) and the simulator's prediction for each.
// Rows marked `calibration` may be used to fit a chip's calibration factors;
// `held-out` rows never are, and their error is reported separately.
#include "sim/chip_spec.h"

#include <string>
#include <vector>

namespace ws::sim {

struct ValidationRow {
  std::string id;
  std::string model; // card name
  std::string chip;  // preset name or file
  int systems = 0;   // wafers; 0 = the fewest that hold the model
  double weightBits = 16.0;
  // "whole": the whole model mapped and decoded; "layer": one layer mapped on
  // the whole wafer and its step time multiplied by the layer count (how
  // WaferLLM extrapolates its published figures).
  std::string method = "whole";
  int64_t contextTokens = 0;
  double publishedTokensPerSecond = 0.0;
  bool calibration = false;
  std::string date;
  std::string source;
  std::string note;
};

// Throws std::runtime_error naming the file, line and column on bad input.
std::vector<ValidationRow> parseValidationTable(const std::string& csvText,
                                                const std::string& file);
std::vector<ValidationRow> loadValidationTable(const std::string& path);
std::string defaultValidationTablePath();

// Predicted decode tokens per second of one sequence for a row (fast engine),
// times the tokens per step of the software generation the row's date falls
// in (ChipCalibration::tokensPerStep). `chip` replaces the row's chip when
// given (for calibration).
double predictTokensPerSecond(const ValidationRow& row, const ChipSpec* chip = nullptr);

// A chip's calibration refitted to the table's calibration rows for that chip
// (rows whose chip column names it). opOverheadCycles is bisected so that the
// geometric mean of predicted / published over the rows dated before
// laterStackSince is 1; then laterStackTokensPerStep is the geometric mean of
// published / predicted-at-one-token-per-step over the rows on or after it (1
// when there are none). Values are rounded as stored: 0.1 cycle, 0.001 token.
struct CalibrationFit {
  double opOverheadCycles = 0.0;
  double laterStackTokensPerStep = 1.0;
  std::vector<std::string> launchRows; // fitted opOverheadCycles
  std::vector<std::string> laterRows;  // fitted laterStackTokensPerStep
};
// Throws std::runtime_error when the chip has no calibration row before
// laterStackSince, or when even zero overhead predicts slower than published.
CalibrationFit fitCalibration(const std::vector<ValidationRow>& rows, const ChipSpec& chip);

struct ValidationResult {
  ValidationRow row;
  double predicted = 0.0;
  double errorFraction = 0.0; // (predicted - published) / published
  std::string failure;        // non-empty when the row could not be simulated
};

struct ValidationSummary {
  std::vector<ValidationResult> results;
  double heldOutMape = 0.0;     // mean |error| of held-out rows, 0..
  double calibrationMape = 0.0; // of calibration rows
};

ValidationSummary runValidation(const std::vector<ValidationRow>& rows);

} // namespace ws::sim
