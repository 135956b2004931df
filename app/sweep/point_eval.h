#pragma once
// Runs one sweep point the way `simulate` runs (map, prefill every user,
// decode round robin on the timing engine) and turns it into one CSV row.
//
// Concurrent users: the engines already time several sequences sharing one
// layer pipeline (sim/timing_engine.h: a step waits for the regions still busy
// with another user's token, so up to pipeline-depth users interleave), and
// the mapper reserves every user's KV cache in SRAM, so users who do not fit
// make a FitError row. Aggregate tokens/s is all users' decode steps over the
// decode span; per user it is that divided by the users, who are served round
// robin. TTFT is the mean over users of the end of their prefill (the
// prompts arrive together and are prefilled one after another). The GPU
// baseline serves the same users as one batch (sim::estimateGpu).
#include "app/sweep/sweep_spec.h"
#include "core/model_spec.h"
#include "sim/engine_observer.h"
#include "sim/gpu_baseline.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ws::sweep {

// The categories of sim::TimeBreakdown with their values: the one place that
// lists them, so a new category becomes a new CSV column.
std::vector<std::pair<std::string, double>> breakdownCategories(const sim::TimeBreakdown& b);

// The CSV columns after "point" and the axis columns, in order.
std::vector<std::string> metricColumns();
// "point", the axis fields, the metric columns.
std::vector<std::string> csvHeader(const SweepSpec& spec);

// Loads models, chips and GPUs once per name; one per thread (not shared).
class PointEvaluator {
public:
  explicit PointEvaluator(const SweepSpec& spec) : m_spec(spec) {}
  // The CSV row of point `index` (no trailing newline). Never throws for a
  // point that cannot run: its error goes in the row's error column.
  std::string evaluate(uint64_t index);

private:
  const core::ModelSpec& model(const std::string& name);
  // The chip's JSON in the preset format and the file it came from.
  const std::pair<Json, std::string>& chipJson(const std::string& name);
  const sim::GpuSpec& gpu(const std::string& name);

  const SweepSpec& m_spec;
  std::map<std::string, core::ModelSpec> m_models;
  std::map<std::string, std::pair<Json, std::string>> m_chips;
  std::map<std::string, sim::GpuSpec> m_gpus;
};

// CSV: a field quoted when it holds a comma, quote or line break (which
// becomes a space: one row is one line).
std::string csvField(const std::string& text);
// Splits one CSV line into fields; false when the quoting is broken.
bool splitCsvLine(const std::string& line, std::vector<std::string>& fields);

} // namespace ws::sweep
