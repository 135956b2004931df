#pragma once
// Work bounds for the mapper and the engines. A configuration whose mapping or
// simulation would exceed the budget is refused before any of the work, with
// the estimate, instead of running for hours or exhausting memory (a card
// with a 2^63 hidden size, --wafers 4096 on wse3, a 10^9-token prompt on the
// detailed engine).
#include "core/model_spec.h"
#include "sim/chip_spec.h"
#include "sim/placement.h"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace ws::sim {

struct WorkEstimate {
  // Engine events: wavelet hops for the detailed engine, region-op
  // evaluations for the fast engine and for the mapper's layout search.
  double events = 0.0;
  double bytes = 0.0; // memory held at once
};

struct WorkBudget {
  // About 3.5 minutes of the detailed engine at its measured 9.7 M events/s
  // (README, bench_detailed); the fast engine evaluates ops far faster.
  double events = 2e9;
  double bytes = 8.0 * double(uint64_t(1) << 30);
};

class WorkBudgetError : public std::runtime_error {
public:
  WorkBudgetError(const std::string& message, WorkEstimate estimate)
      : std::runtime_error(message), m_estimate(estimate) {}
  const WorkEstimate& estimate() const { return m_estimate; }

private:
  WorkEstimate m_estimate;
};

// The mapper's work for `model` on `chip` with `options` (their wafer count,
// or with fewestWafers the count the weights need): its regions, tried in
// every candidate layout, and the per-PE index of the placement.
WorkEstimate estimateMappingWork(const core::ModelSpec& model, const ChipSpec& chip,
                                 const MapOptions& options);

// Events of one token through every op of every region on the detailed engine
// (each wavelet counted once per PE it passes).
double detailedEventsPerToken(const Placement& placement);

// A run of `promptTokens` of prefill and `decodeSteps` decode steps for each
// of `sequences` sequences.
WorkEstimate estimateRunWork(const Placement& placement, bool detailed, int64_t promptTokens,
                             int64_t decodeSteps, int sequences);

// Throws WorkBudgetError naming `what`, the estimate and the budget when the
// estimate exceeds it.
void checkWorkBudget(const WorkEstimate& estimate, const std::string& what,
                     const WorkBudget& budget = {});

} // namespace ws::sim
