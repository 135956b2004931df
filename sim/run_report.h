#pragma once
// The summary of one simulated run: wafer vs GPU tokens per second, speedup,
// time to first token, energy per token, the bottleneck regions.
#include "sim/bottleneck_report.h"
#include "sim/gpu_baseline.h"
#include "sim/placement.h"
#include "sim/token_timeline.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace ws::sim {

// A speculative run's steps (sim/speculative_step.h): what the draft
// proposed, what the target kept, and where the step time went.
struct SpeculativeRunSummary {
  std::string profile; // serving profile
  std::string draftModel;
  int draftTokens = 0; // K
  int steps = 0;       // verify passes
  int64_t drafted = 0;
  int64_t accepted = 0;
  double draftSeconds = 0.0; // summed over steps
  double verifySeconds = 0.0;
  double transferSeconds = 0.0; // send + reply + rollback
  double acceptanceRate() const { return drafted > 0 ? double(accepted) / double(drafted) : 0.0; }
};

struct RunReport {
  std::string model;
  std::string chip;
  std::string engine;
  int wafers = 1;
  int64_t promptTokens = 0;
  int64_t generatedTokens = 0;
  int sequences = 1;
  double timeToFirstTokenSeconds = 0.0;
  double decodeTokensPerSecond = 0.0; // all sequences together
  // The same over the chip's UNCONFIRMED parameters, each at the end of its
  // range (ChipSpec::atUnconfirmedExtreme), and which parameters those are.
  double decodeTokensPerSecondLow = 0.0;
  double decodeTokensPerSecondHigh = 0.0;
  std::vector<std::string> unconfirmedParameters;
  double secondsPerToken = 0.0; // mean decode step of one sequence
  double joulesPerToken = 0.0;
  TimeBreakdown decodeBreakdown; // seconds, summed over decode steps
  std::vector<RegionShare> bottlenecks;
  double sramUsedBytes = 0.0;
  double sramTotalBytes = 0.0;
  int64_t pesUsed = 0;
  std::vector<GpuEstimate> gpus;
  // Speculative runs: their steps (the GPU baselines decode plainly).
  std::optional<SpeculativeRunSummary> speculative;

  double speedupOver(const GpuEstimate& gpu) const;
  nlohmann::json toJson() const;
  // A few lines for a terminal.
  std::string summary() const;
};

// Fills a report from a finished run.
RunReport makeRunReport(const Placement& placement, const std::string& engine,
                        const TokenTimeline& timeline, const BottleneckReport& bottlenecks,
                        const std::vector<GpuSpec>& gpus);

} // namespace ws::sim
