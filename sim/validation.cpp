#include "sim/validation.h"

#include "core/asset_paths.h"
#include "core/model_spec.h"
#include "sim/fast_engine.h"
#include "sim/mapper.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ws::sim {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kColumns = {"id",          "model",  "chip",    "systems",
                                           "weight_bits", "method", "context", "published_tok_s",
                                           "split",       "date",   "source",  "note"};

// One CSV record with RFC 4180 quoting; `pos` advances past its line end.
std::vector<std::string> parseRecord(const std::string& text, size_t& pos, const std::string& file,
                                     int line) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  while (pos < text.size()) {
    const char c = text[pos];
    if (quoted) {
      if (c == '"') {
        if (pos + 1 < text.size() && text[pos + 1] == '"') {
          field += '"';
          pos += 2;
          continue;
        }
        quoted = false;
        ++pos;
        continue;
      }
      field += c;
      ++pos;
      continue;
    }
    if (c == '"') {
      if (!field.empty()) {
        throw std::runtime_error(fmt::format("{}:{}: quote inside an unquoted field", file, line));
      }
      quoted = true;
      ++pos;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      ++pos;
    } else if (c == '\n' || c == '\r') {
      ++pos;
      if (c == '\r' && pos < text.size() && text[pos] == '\n') {
        ++pos;
      }
      break;
    } else {
      field += c;
      ++pos;
    }
  }
  if (quoted) {
    throw std::runtime_error(fmt::format("{}:{}: unterminated quoted field", file, line));
  }
  fields.push_back(std::move(field));
  return fields;
}

double parseNumber(const std::string& text, const std::string& file, int line,
                   const std::string& column) {
  size_t used = 0;
  double value = 0.0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(value)) {
    throw std::runtime_error(
        fmt::format("{}:{}: column '{}': '{}' is not a number", file, line, column, text));
  }
  return value;
}

fs::path validationDir() {
  return core::assetsDir() / "validation";
}

core::ModelSpec loadRowModel(const std::string& model) {
  // A .json beside the table (a card only the validation needs) or a card name.
  if (fs::path(model).extension() == ".json" && fs::path(model).is_relative()) {
    return core::loadModelSpec((validationDir() / model).string());
  }
  return core::loadModelSpec(model);
}

} // namespace

std::vector<ValidationRow> parseValidationTable(const std::string& csvText,
                                                const std::string& file) {
  std::vector<ValidationRow> rows;
  size_t pos = 0;
  int line = 1;
  const std::vector<std::string> header = parseRecord(csvText, pos, file, line);
  if (header != kColumns) {
    std::string expected;
    for (const auto& c : kColumns) {
      expected += (expected.empty() ? "" : ",") + c;
    }
    throw std::runtime_error(fmt::format("{}:1: header must be exactly: {}", file, expected));
  }
  while (pos < csvText.size()) {
    ++line;
    const std::vector<std::string> f = parseRecord(csvText, pos, file, line);
    if (f.size() == 1 && f[0].empty()) {
      continue; // blank line
    }
    if (f.size() != kColumns.size()) {
      throw std::runtime_error(
          fmt::format("{}:{}: {} fields, expected {}", file, line, f.size(), kColumns.size()));
    }
    ValidationRow r;
    r.id = f[0];
    r.model = f[1];
    r.chip = f[2];
    if (r.id.empty() || r.model.empty() || r.chip.empty()) {
      throw std::runtime_error(
          fmt::format("{}:{}: id, model and chip must not be empty", file, line));
    }
    const double systems = parseNumber(f[3], file, line, "systems");
    if (systems < 0 || systems > 4096 || systems != std::floor(systems)) {
      throw std::runtime_error(
          fmt::format("{}:{}: column 'systems': must be a whole number 0..4096", file, line));
    }
    r.systems = int(systems);
    r.weightBits = parseNumber(f[4], file, line, "weight_bits");
    if (r.weightBits < 0 || r.weightBits > 64) {
      throw std::runtime_error(fmt::format(
          "{}:{}: column 'weight_bits': must be 0 (the model's own) .. 64", file, line));
    }
    r.method = f[5];
    if (r.method != "whole" && r.method != "layer") {
      throw std::runtime_error(
          fmt::format("{}:{}: column 'method': '{}' (use whole or layer)", file, line, r.method));
    }
    const double context = parseNumber(f[6], file, line, "context");
    if (context < 1 || context > 1e7) {
      throw std::runtime_error(fmt::format("{}:{}: column 'context': must be 1..10^7", file, line));
    }
    r.contextTokens = int64_t(context);
    r.publishedTokensPerSecond = parseNumber(f[7], file, line, "published_tok_s");
    if (r.publishedTokensPerSecond <= 0) {
      throw std::runtime_error(
          fmt::format("{}:{}: column 'published_tok_s': must be positive", file, line));
    }
    if (f[8] == "calibration") {
      r.calibration = true;
    } else if (f[8] != "held-out") {
      throw std::runtime_error(fmt::format(
          "{}:{}: column 'split': '{}' (use calibration or held-out)", file, line, f[8]));
    }
    r.date = f[9];
    r.source = f[10];
    if (r.source.empty()) {
      throw std::runtime_error(fmt::format("{}:{}: column 'source' is empty", file, line));
    }
    r.note = f[11];
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<ValidationRow> loadValidationTable(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error(path + ": cannot be opened");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parseValidationTable(text.str(), path);
}

std::string defaultValidationTablePath() {
  return (validationDir() / "published.csv").string();
}

double predictTokensPerSecond(const ValidationRow& row, const ChipSpec* chipOverride) {
  const ChipSpec chip = chipOverride ? *chipOverride : loadChipSpec(row.chip);
  const double tokensPerStep = chip.calibration.tokensPerStep(row.date);
  core::ModelSpec model = loadRowModel(row.model);
  MapOptions options;
  options.contextTokens = row.contextTokens;
  options.bytesPerWeight = row.weightBits / 8.0;
  if (row.systems > 0) {
    options.wafers = row.systems;
  } else {
    options.wafers = 4096;
    options.fewestWafers = true;
  }
  if (row.method == "layer") {
    // Map and time one layer on the whole wafer, then multiply by the layer
    // count, as the published figure was extrapolated.
    const uint64_t layers = model.layers;
    model.layers = 1;
    options.layersOnly = true;
    const Placement placement = mapModel(model, chip, options);
    double cycles = 0.0;
    for (const Stage& stage : placement.stages()) {
      cycles += stageCycles(placement, stage, row.contextTokens);
    }
    return tokensPerStep * chip.clockHz / (cycles * double(layers));
  }
  const Placement placement = mapModel(model, chip, options);
  return tokensPerStep / predictDecodeSeconds(placement, row.contextTokens);
}

CalibrationFit fitCalibration(const std::vector<ValidationRow>& rows, const ChipSpec& chipIn) {
  // Predictions at one token per step: the later rows' ratio is the factor.
  ChipSpec chip = chipIn;
  chip.calibration.laterStackTokensPerStep = 1.0;
  std::vector<const ValidationRow*> launch;
  std::vector<const ValidationRow*> later;
  CalibrationFit fit;
  for (const ValidationRow& r : rows) {
    if (!r.calibration || r.chip != chip.name) {
      continue;
    }
    const bool isLater =
        !chip.calibration.laterStackSince.empty() && r.date >= chip.calibration.laterStackSince;
    (isLater ? later : launch).push_back(&r);
    (isLater ? fit.laterRows : fit.launchRows).push_back(r.id);
  }
  if (launch.empty()) {
    throw std::runtime_error(
        fmt::format("chip '{}': no calibration row dated before laterStackSince '{}' to fit "
                    "opOverheadCycles",
                    chip.name, chip.calibration.laterStackSince));
  }
  // Mean log(predicted / published): falls as the overhead grows.
  auto meanLogRatio = [&](const std::vector<const ValidationRow*>& fitted) {
    double sum = 0.0;
    for (const ValidationRow* r : fitted) {
      sum += std::log(predictTokensPerSecond(*r, &chip) / r->publishedTokensPerSecond);
    }
    return sum / double(fitted.size());
  };
  auto launchError = [&](double overhead) {
    chip.calibration.opOverheadCycles = overhead;
    return meanLogRatio(launch);
  };
  double lo = 0.0;
  double hi = 1e6;
  if (launchError(lo) < 0) {
    throw std::runtime_error(
        fmt::format("chip '{}': even without op overhead the model is slower than published on "
                    "its launch calibration rows; nothing to fit",
                    chip.name));
  }
  for (int i = 0; i < 48; ++i) {
    const double mid = 0.5 * (lo + hi);
    (launchError(mid) > 0 ? lo : hi) = mid;
  }
  const double overhead = 0.5 * (lo + hi);
  fit.opOverheadCycles = std::round(overhead * 10.0) / 10.0;
  chip.calibration.opOverheadCycles = fit.opOverheadCycles;
  if (!later.empty()) {
    fit.laterStackTokensPerStep = std::round(1000.0 * std::exp(-meanLogRatio(later))) / 1000.0;
  }
  return fit;
}

ValidationSummary runValidation(const std::vector<ValidationRow>& rows) {
  ValidationSummary summary;
  double heldOut = 0.0;
  double calibration = 0.0;
  int heldOutCount = 0;
  int calibrationCount = 0;
  for (const ValidationRow& row : rows) {
    ValidationResult result;
    result.row = row;
    try {
      result.predicted = predictTokensPerSecond(row);
      result.errorFraction =
          (result.predicted - row.publishedTokensPerSecond) / row.publishedTokensPerSecond;
      if (row.calibration) {
        calibration += std::abs(result.errorFraction);
        ++calibrationCount;
      } else {
        heldOut += std::abs(result.errorFraction);
        ++heldOutCount;
      }
    } catch (const std::exception& e) {
      result.failure = e.what();
    }
    summary.results.push_back(std::move(result));
  }
  summary.heldOutMape = heldOutCount ? heldOut / heldOutCount : 0.0;
  summary.calibrationMape = calibrationCount ? calibration / calibrationCount : 0.0;
  return summary;
}

} // namespace ws::sim
