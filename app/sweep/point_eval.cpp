#include "app/sweep/point_eval.h"

#include "core/builtin_model.h"
#include "sim/bottleneck_report.h"
#include "sim/chip_spec.h"
#include "sim/decode_run.h"
#include "sim/mapper.h"
#include "sim/run_report.h"
#include "sim/timing_engine.h"
#include "sim/token_timeline.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ws::sweep {
namespace {

// Shortest text that reads back to the same double: identical rows whichever
// backend or machine wrote them.
std::string number(double v) {
  return fmt::format("{}", v);
}

std::string axisCell(const Json& v) {
  return v.is_string() ? csvField(v.get<std::string>()) : v.dump();
}

// The limits `simulate` puts on its options; a point outside them is a row
// with the error.
void checkConfig(const PointConfig& c) {
  if (c.promptTokens < 1) {
    throw std::invalid_argument(
        fmt::format("promptTokens must be at least 1, got {}", c.promptTokens));
  }
  if (c.genTokens < 1) {
    throw std::invalid_argument(fmt::format("genTokens must be at least 1, got {}", c.genTokens));
  }
  if (c.users < 1 || c.users > 4096) {
    throw std::invalid_argument(fmt::format("users must be 1..4096, got {}", c.users));
  }
  if (c.wafers < 0 || c.wafers > 4096) {
    throw std::invalid_argument(fmt::format("wafers must be 0..4096, got {}", c.wafers));
  }
  if (c.weightBits < 0 || c.weightBits > 64) {
    throw std::invalid_argument(fmt::format("weightBits must be 0..64, got {}", c.weightBits));
  }
  if (c.context != 0 && c.context < c.promptTokens + c.genTokens) {
    throw std::invalid_argument(
        fmt::format("context {} is shorter than the prompt plus the generated tokens ({})",
                    c.context, c.promptTokens + c.genTokens));
  }
}

} // namespace

std::vector<std::pair<std::string, double>> breakdownCategories(const sim::TimeBreakdown& b) {
  std::vector<std::pair<std::string, double>> categories;
  for (int c = 0; c < sim::TimeBreakdown::kCategories; ++c) {
    categories.emplace_back(sim::TimeBreakdown::categoryName(c), b.category(c));
  }
  return categories;
}

std::vector<std::string> metricColumns() {
  std::vector<std::string> columns = {
      "tokens_per_s_per_user", "tokens_per_s",    "ttft_s",
      "joules_per_token",      "sram_used_bytes", "sram_used_fraction"};
  for (const auto& [name, value] : breakdownCategories({})) {
    columns.push_back(name + "_s_per_token");
  }
  for (const char* c : {"bottleneck", "gpu", "gpu_count", "gpu_tokens_per_s_per_user",
                        "gpu_tokens_per_s", "gpu_ttft_s", "gpu_joules_per_token", "error"}) {
    columns.emplace_back(c);
  }
  return columns;
}

std::vector<std::string> csvHeader(const SweepSpec& spec) {
  std::vector<std::string> header = {"point"};
  for (const std::string& f : spec.axisFields()) {
    header.push_back(f);
  }
  for (const std::string& c : metricColumns()) {
    header.push_back(c);
  }
  return header;
}

const core::ModelSpec& PointEvaluator::model(const std::string& name) {
  auto it = m_models.find(name);
  if (it == m_models.end()) {
    const std::string path = name == "builtin" ? core::builtinModelPath().string() : name;
    it = m_models.emplace(name, core::loadModelSpec(path)).first;
  }
  return it->second;
}

const std::pair<Json, std::string>& PointEvaluator::chipJson(const std::string& name) {
  auto it = m_chips.find(name);
  if (it == m_chips.end()) {
    const sim::ChipSpec chip = sim::loadChipSpec(name);
    it = m_chips.emplace(name, std::pair{Json::parse(sim::chipSpecToJson(chip)), chip.file}).first;
  }
  return it->second;
}

const sim::GpuSpec& PointEvaluator::gpu(const std::string& name) {
  auto it = m_gpus.find(name);
  if (it == m_gpus.end()) {
    it = m_gpus.emplace(name, sim::loadGpuSpec(name)).first;
  }
  return it->second;
}

std::string PointEvaluator::evaluate(uint64_t index) {
  std::vector<std::string> cells = {std::to_string(index)};
  for (const Json& v : m_spec.axisValues(index)) {
    cells.push_back(axisCell(v));
  }
  const size_t breakdownCount = breakdownCategories({}).size();
  std::vector<std::string> wafer(6 + breakdownCount + 1); // metrics up to the bottleneck
  std::vector<std::string> gpuCells(6);
  std::string error;
  try {
    const PointConfig c = m_spec.pointConfig(index);
    checkConfig(c);
    const core::ModelSpec& m = model(c.model);
    const sim::EngineKind kind = sim::engineKindFromString(c.engine);
    auto [chipText, chipFile] = chipJson(c.chip);
    applyChipFields(chipText, c, m_spec.file());
    const sim::ChipSpec chip = sim::parseChipSpec(chipText.dump(), chipFile);

    sim::MapOptions options;
    options.contextTokens = c.context > 0 ? c.context : c.promptTokens + c.genTokens;
    options.sequences = int(c.users);
    options.wafers = int(c.wafers);
    options.bytesPerWeight = c.weightBits / 8.0;

    // The GPU baseline does not depend on the wafer fitting.
    const double bytesPerWeight = c.weightBits > 0 ? c.weightBits / 8.0 : m.bytesPerWeight;
    const sim::GpuEstimate g = sim::estimateGpu(gpu(c.gpu), m, bytesPerWeight, c.promptTokens,
                                                options.contextTokens, int(c.users));
    gpuCells = {csvField(g.gpu),
                std::to_string(g.gpus),
                number(g.tokensPerSecondPerUser()),
                number(g.decodeTokensPerSecond),
                number(g.timeToFirstTokenSeconds),
                number(g.joulesPerToken)};

    const sim::Placement placement = sim::mapModel(m, chip, options);
    auto engine = sim::makeTimingEngine(kind, placement);
    sim::TokenTimeline timeline;
    sim::BottleneckReport bottlenecks(placement);
    engine->addObserver(&timeline);
    engine->addObserver(&bottlenecks);
    sim::runPrefillAndDecode(*engine, c.promptTokens, c.genTokens, int(c.users));
    const sim::RunReport report =
        sim::makeRunReport(placement, c.engine, timeline, bottlenecks, {});

    double ttftSum = 0.0;
    for (const sim::TokenTiming& t : timeline.tokens()) {
      if (t.prefill) {
        ttftSum += t.simEnd;
      }
    }
    size_t i = 0;
    wafer[i++] = number(report.decodeTokensPerSecond / double(c.users));
    wafer[i++] = number(report.decodeTokensPerSecond);
    wafer[i++] = number(ttftSum / double(c.users));
    wafer[i++] = number(report.joulesPerToken);
    wafer[i++] = number(report.sramUsedBytes);
    wafer[i++] = number(report.sramUsedBytes / report.sramTotalBytes);
    const double steps = double(report.generatedTokens);
    for (const auto& [name, seconds] : breakdownCategories(report.decodeBreakdown)) {
      wafer[i++] = number(seconds / steps);
    }
    wafer[i++] = report.bottlenecks.empty() ? "" : csvField(report.bottlenecks.front().name);
  } catch (const std::exception& e) {
    error = e.what();
  }
  cells.insert(cells.end(), wafer.begin(), wafer.end());
  cells.insert(cells.end(), gpuCells.begin(), gpuCells.end());
  cells.push_back(csvField(error));
  std::string row;
  for (size_t i = 0; i < cells.size(); ++i) {
    row += (i == 0 ? "" : ",") + cells[i];
  }
  return row;
}

std::string csvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) {
    return text;
  }
  std::string quoted = "\"";
  for (char ch : text) {
    if (ch == '"') {
      quoted += "\"\"";
    } else if (ch == '\n' || ch == '\r') {
      quoted += ' ';
    } else {
      quoted += ch;
    }
  }
  return quoted + "\"";
}

bool splitCsvLine(const std::string& line, std::vector<std::string>& fields) {
  fields.clear();
  std::string field;
  bool quoted = false;
  bool wasQuoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quoted) {
      if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch == '"' && field.empty() && !wasQuoted) {
      quoted = true;
      wasQuoted = true;
    } else if (ch == ',') {
      fields.push_back(std::move(field));
      field.clear();
      wasQuoted = false;
    } else if (ch == '"' || ch == '\n' || ch == '\r') {
      return false;
    } else {
      field += ch;
    }
  }
  if (quoted) {
    return false;
  }
  fields.push_back(std::move(field));
  return true;
}

} // namespace ws::sweep
