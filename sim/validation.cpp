#include "sim/validation.h"

#include "core/asset_paths.h"
#include "core/model_spec.h"
#include "sim/fast_engine.h"
#include "sim/mapper.h"
#include "sim/mesh_dataflow.h"
#include "sim/speculative_step.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace ws::sim {
namespace {

namespace fs = std::filesystem;

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

const std::vector<std::string> kColumns = {
    "id",     "group",   "model",           "chip",    "systems",         "weight_bits", "method",
    "grid",   "context", "published_tok_s", "serving", "serving_profile", "frozen",      "date",
    "source", "note"};
const std::vector<std::string> kMicroColumns = {"id",   "kernel",     "chip",   "grid", "rows",
                                                "cols", "measured_s", "source", "note"};

struct Record {
  int line;
  std::vector<std::string> fields;
};

// The records after a header that must be exactly `columns`.
std::vector<Record> readTable(const std::string& text, const std::string& file,
                              const std::vector<std::string>& columns) {
  size_t pos = 0;
  const std::vector<std::string> header = parseRecord(text, pos, file, 1);
  if (header != columns) {
    std::string expected;
    for (const auto& c : columns) {
      expected += (expected.empty() ? "" : ",") + c;
    }
    throw std::runtime_error(fmt::format("{}:1: header must be exactly: {}", file, expected));
  }
  std::vector<Record> records;
  int line = 1;
  while (pos < text.size()) {
    ++line;
    std::vector<std::string> f = parseRecord(text, pos, file, line);
    if (f.size() == 1 && f[0].empty()) {
      continue; // blank line
    }
    if (f.size() != columns.size()) {
      throw std::runtime_error(
          fmt::format("{}:{}: {} fields, expected {}", file, line, f.size(), columns.size()));
    }
    records.push_back({line, std::move(f)});
  }
  return records;
}

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error(path + ": cannot be opened");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int64_t parseCount(const std::string& text, const std::string& file, int line,
                   const std::string& column, double min, double max) {
  const double v = parseNumber(text, file, line, column);
  if (v < min || v > max || v != std::floor(v)) {
    throw std::runtime_error(fmt::format("{}:{}: column '{}': must be a whole number {}..{}", file,
                                         line, column, min, max));
  }
  return int64_t(v);
}

bool isIsoDate(const std::string& s) {
  return s.size() == 10 && s[4] == '-' && s[7] == '-' &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(c) || c == '-'; });
}

double mean(const std::vector<double>& v) {
  double sum = 0.0;
  for (double x : v) {
    sum += x;
  }
  return v.empty() ? 0.0 : sum / double(v.size());
}

double median(std::vector<double> v) {
  if (v.empty()) {
    return 0.0;
  }
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  for (size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) {
      ++j;
    }
    for (size_t k = i; k <= j; ++k) {
      r[order[k]] = 0.5 * double(i + j) + 1.0;
    }
    i = j + 1;
  }
  return r;
}

GroupScore scoreGroup(const std::string& name, const std::vector<const ValidationResult*>& rows) {
  GroupScore g;
  g.name = name;
  std::vector<double> errors;
  std::vector<double> predicted;
  std::vector<double> published;
  std::vector<double> baselineErrors;
  std::vector<double> modelOnBaseline;
  for (const ValidationResult* r : rows) {
    errors.push_back(std::abs(r->errorFraction));
    predicted.push_back(r->predicted);
    published.push_back(r->row.publishedTokensPerSecond);
    if (r->row.isDecode()) {
      baselineErrors.push_back(std::abs(r->baselineErrorFraction));
      modelOnBaseline.push_back(std::abs(r->errorFraction));
    }
  }
  g.rows = int(rows.size());
  g.mape = mean(errors);
  g.medianApe = median(errors);
  g.spearman = spearmanRank(predicted, published);
  g.baselineRows = int(baselineErrors.size());
  g.baselineMape = mean(baselineErrors);
  g.modelMapeOnBaselineRows = mean(modelOnBaseline);
  // WaferLLM decode: per model, more PEs must mean fewer tokens/s.
  std::map<std::string, std::vector<std::pair<int, double>>> byModel;
  for (const ValidationResult* r : rows) {
    if (r->row.method == "mesh-decode") {
      byModel[r->row.model].push_back({r->row.grid, r->predicted});
    }
  }
  for (auto& [model, points] : byModel) {
    std::sort(points.begin(), points.end());
    ++g.trendModels;
    for (size_t i = 1; i < points.size(); ++i) {
      if (!(points[i].second < points[i - 1].second)) {
        g.trendWrong.push_back(model);
        break;
      }
    }
  }
  return g;
}

} // namespace

std::vector<ValidationRow> parseValidationTable(const std::string& csvText,
                                                const std::string& file) {
  std::vector<ValidationRow> rows;
  for (const Record& rec : readTable(csvText, file, kColumns)) {
    const auto& f = rec.fields;
    const int line = rec.line;
    ValidationRow r;
    r.id = f[0];
    if (r.id.empty()) {
      throw std::runtime_error(fmt::format("{}:{}: column 'id' is empty", file, line));
    }
    for (const ValidationRow& other : rows) {
      if (other.id == r.id) {
        throw std::runtime_error(fmt::format("{}:{}: id '{}' appears twice", file, line, r.id));
      }
    }
    r.group = f[1];
    if (r.group != "cerebras" && r.group != "waferllm-decode" && r.group != "waferllm-prefill") {
      throw std::runtime_error(fmt::format(
          "{}:{}: column 'group': '{}' (use cerebras, waferllm-decode or waferllm-prefill)", file,
          line, r.group));
    }
    r.model = f[2];
    r.chip = f[3];
    r.systems = int(parseCount(f[4], file, line, "systems", 0, 4096));
    r.weightBits = parseNumber(f[5], file, line, "weight_bits");
    if (r.weightBits < 0 || r.weightBits > 64) {
      throw std::runtime_error(fmt::format(
          "{}:{}: column 'weight_bits': must be 0 (the model's own) .. 64", file, line));
    }
    r.method = f[6];
    if (r.method != "whole" && r.method != "mesh-decode" && r.method != "mesh-prefill") {
      throw std::runtime_error(
          fmt::format("{}:{}: column 'method': '{}' (use whole, mesh-decode or mesh-prefill)", file,
                      line, r.method));
    }
    r.grid = int(parseCount(f[7], file, line, "grid", 0, 100000));
    if ((r.method == "whole") != (r.grid == 0)) {
      throw std::runtime_error(fmt::format(
          "{}:{}: column 'grid': mesh methods need a grid side, whole needs 0", file, line));
    }
    r.contextTokens = parseCount(f[8], file, line, "context", 1, 1e7);
    r.publishedTokensPerSecond = parseNumber(f[9], file, line, "published_tok_s");
    if (r.publishedTokensPerSecond <= 0) {
      throw std::runtime_error(
          fmt::format("{}:{}: column 'published_tok_s': must be positive", file, line));
    }
    r.serving = f[10];
    if (r.serving != "launch" && r.serving != "later-software") {
      throw std::runtime_error(fmt::format(
          "{}:{}: column 'serving': '{}' (use launch or later-software; every row is held out, "
          "none is ever fitted)",
          file, line, r.serving));
    }
    r.servingProfile = f[11];
    if (r.servingProfile.empty()) {
      throw std::runtime_error(fmt::format(
          "{}:{}: column 'serving_profile' is empty (name a profile of assets/serving/)", file,
          line));
    }
    r.frozen = f[12];
    if (!isIsoDate(r.frozen)) {
      throw std::runtime_error(fmt::format("{}:{}: column 'frozen': '{}' is not a YYYY-MM-DD date",
                                           file, line, r.frozen));
    }
    r.date = f[13];
    r.source = f[14];
    if (r.source.empty()) {
      throw std::runtime_error(fmt::format("{}:{}: column 'source' is empty", file, line));
    }
    r.note = f[15];
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<ValidationRow> loadValidationTable(const std::string& path) {
  return parseValidationTable(readText(path), path);
}

std::string defaultValidationTablePath() {
  return (validationDir() / "published.csv").string();
}

namespace {

// `acceptanceRate` replaces the profile's (for the band over its range).
double predictFor(const ValidationRow& row, const ChipSpec& chip, const core::ModelSpec& model,
                  const ServingProfile& profile, double acceptanceRate) {
  if (profile.speculative && row.method != "whole") {
    throw std::runtime_error(fmt::format("serving profile {} decodes speculatively: it applies to "
                                         "whole-model rows only, not {}",
                                         profile.name, row.method));
  }
  if (row.method == "mesh-decode") {
    return meshDecodeTokensPerSecond(chip, model, row.grid, row.contextTokens);
  }
  if (row.method == "mesh-prefill") {
    return meshPrefillTokensPerSecond(chip, model, row.grid, row.contextTokens);
  }
  MapOptions options;
  options.contextTokens = row.contextTokens;
  options.bytesPerWeight = row.weightBits / 8.0;
  if (row.systems > 0) {
    options.wafers = row.systems;
  } else {
    options.wafers = 4096;
    options.fewestWafers = true;
  }
  if (profile.speculative) {
    const SpeculativePair pair = mapSpeculativePair(model, profile.draftFor(model), chip, options);
    return estimateSpeculativeDecode(pair, profile.speculative->draftTokens, acceptanceRate,
                                     row.contextTokens)
        .tokensPerSecond;
  }
  const Placement placement = mapModel(model, chip, options);
  return 1.0 / predictDecodeSeconds(placement, row.contextTokens);
}

double profileAcceptance(const ServingProfile& profile) {
  return profile.speculative ? profile.speculative->acceptanceRate : 0.0;
}

} // namespace

double predictTokensPerSecond(const ValidationRow& row, const ChipSpec* chipOverride) {
  const ChipSpec chip = chipOverride ? *chipOverride : loadChipSpec(row.chip);
  const ServingProfile profile = loadServingProfile(row.servingProfile);
  return predictFor(row, chip, loadRowModel(row.model), profile, profileAcceptance(profile));
}

double baselineTokensPerSecond(const ValidationRow& row) {
  const double activeB = double(loadRowModel(row.model).paramCounts().active()) / 1e9;
  return 3322.0 / std::pow(activeB, 0.294);
}

double spearmanRank(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size() || a.size() < 2) {
    return 0.0;
  }
  const std::vector<double> ra = ranks(a);
  const std::vector<double> rb = ranks(b);
  const double ma = mean(ra);
  const double mb = mean(rb);
  double cov = 0.0;
  double va = 0.0;
  double vb = 0.0;
  for (size_t i = 0; i < ra.size(); ++i) {
    cov += (ra[i] - ma) * (rb[i] - mb);
    va += (ra[i] - ma) * (ra[i] - ma);
    vb += (rb[i] - mb) * (rb[i] - mb);
  }
  return va > 0.0 && vb > 0.0 ? cov / std::sqrt(va * vb) : 0.0;
}

ValidationSummary runValidation(const std::vector<ValidationRow>& rows) {
  ValidationSummary summary;
  for (const ValidationRow& row : rows) {
    ValidationResult result;
    result.row = row;
    try {
      // The model and chip are read once for the prediction and its band.
      const ChipSpec chip = loadChipSpec(row.chip);
      const core::ModelSpec model = loadRowModel(row.model);
      const ServingProfile profile = loadServingProfile(row.servingProfile);
      const double rate = profileAcceptance(profile);
      const ParameterRange rates =
          profile.speculative ? profile.speculative->acceptanceRange : ParameterRange{rate, rate};
      result.predicted = predictFor(row, chip, model, profile, rate);
      result.low = predictFor(row, chip.atUnconfirmedExtreme(true), model, profile, rates.low);
      result.high = predictFor(row, chip.atUnconfirmedExtreme(false), model, profile, rates.high);
      result.errorFraction =
          (result.predicted - row.publishedTokensPerSecond) / row.publishedTokensPerSecond;
      result.baseline = baselineTokensPerSecond(row);
      result.baselineErrorFraction =
          (result.baseline - row.publishedTokensPerSecond) / row.publishedTokensPerSecond;
    } catch (const std::exception& e) {
      result.failure = e.what();
    }
    summary.results.push_back(std::move(result));
  }
  std::vector<const ValidationResult*> cerebras;
  std::vector<const ValidationResult*> waferllm;
  std::vector<const ValidationResult*> all;
  std::vector<const ValidationResult*> later;
  for (const ValidationResult& r : summary.results) {
    if (!r.failure.empty()) {
      continue;
    }
    (r.row.group == "cerebras" ? cerebras : waferllm).push_back(&r);
    all.push_back(&r);
    if (r.row.isLaterSoftware()) {
      later.push_back(&r);
    }
  }
  summary.groups = {scoreGroup("cerebras", cerebras), scoreGroup("waferllm", waferllm),
                    scoreGroup("all", all), scoreGroup("later-software", later)};
  return summary;
}

std::vector<MicrobenchRow> loadMicrobenchTable(const std::string& path) {
  std::vector<MicrobenchRow> rows;
  for (const Record& rec : readTable(readText(path), path, kMicroColumns)) {
    const auto& f = rec.fields;
    MicrobenchRow r;
    r.id = f[0];
    r.kernel = f[1];
    if (r.kernel != "mesh-gemv") {
      throw std::runtime_error(
          fmt::format("{}:{}: column 'kernel': '{}' (use mesh-gemv)", path, rec.line, r.kernel));
    }
    r.chip = f[2];
    r.grid = int(parseCount(f[3], path, rec.line, "grid", 1, 100000));
    r.rows = parseCount(f[4], path, rec.line, "rows", 1, 1e9);
    r.cols = parseCount(f[5], path, rec.line, "cols", 1, 1e9);
    r.measuredSeconds = parseNumber(f[6], path, rec.line, "measured_s");
    if (!(r.measuredSeconds > 0.0)) {
      throw std::runtime_error(
          fmt::format("{}:{}: column 'measured_s': must be positive", path, rec.line));
    }
    r.source = f[7];
    if (r.source.empty()) {
      throw std::runtime_error(fmt::format("{}:{}: column 'source' is empty", path, rec.line));
    }
    r.note = f[8];
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string defaultMicrobenchTablePath() {
  return (validationDir() / "microbench.csv").string();
}

std::vector<MicrobenchResult> runMicrobench(const std::vector<MicrobenchRow>& rows) {
  std::vector<MicrobenchResult> results;
  for (const MicrobenchRow& row : rows) {
    const ChipSpec chip = loadChipSpec(row.chip);
    MicrobenchResult r;
    r.row = row;
    r.cycles = meshGemvCycles(chip, row.rows, row.cols, row.grid);
    r.predictedSeconds = r.cycles.total() / chip.clockHz;
    r.leaveOneOutError = (r.predictedSeconds - row.measuredSeconds) / row.measuredSeconds;
    results.push_back(r);
  }
  return results;
}

} // namespace ws::sim
