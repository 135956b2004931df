#pragma once
// What a serving profile's speculative decoding buys a model on a chip (issue
// 17): tokens/s against K, the draft tokens per verify pass, at the profile's
// acceptance rate and at the ends of its range, beside plain decoding of the
// model alone. `simulate --serving ... --sweep-draft-tokens` prints it as a
// table; the GUI's serving panel plots it. The K points themselves are
// sweepDraftTokens (sim/speculative_step.h) on the pair prepared here.
#include "core/model_spec.h"
#include "sim/chip_spec.h"
#include "sim/placement.h"
#include "sim/serving_profile.h"
#include "sim/speculative_step.h"

#include <optional>
#include <vector>

namespace ws::sim {

// `options` with the profile's weight precision (unchanged where the profile
// keeps the model's own).
MapOptions withServingPrecision(const ServingProfile& profile, MapOptions options);

// The rates the what-if shows: the low end of the acceptance range, the
// profile's rate and the high end, each once.
std::vector<double> whatIfAcceptanceRates(const SpeculativeDecoding& speculative);

// expectedTokensPerVerifyPass(acceptanceRate, K) / the step's time.
double speculativeTokensPerSecond(double acceptanceRate, const SpeculativeStepTiming& step);

struct ServingWhatIf {
  double plainTokensPerSecond = 0.0; // the target alone on the chip
  int64_t contextTokens = 0;         // where each verify pass ends
  // With speculative decoding; empty otherwise.
  std::optional<core::ModelSpec> draft;
  std::optional<SpeculativePair> pair;
  std::vector<double> acceptanceRates; // whatIfAcceptanceRates
};

// Maps `target` beside the profile's draft (when it decodes speculatively)
// and alone on `chip` with `options` as given (see withServingPrecision), and
// times its plain decode step at options.contextTokens. Throws what draftFor,
// mapSpeculativePair and mapModel throw.
ServingWhatIf prepareServingWhatIf(const ServingProfile& profile, const core::ModelSpec& target,
                                   const ChipSpec& chip, const MapOptions& options);

} // namespace ws::sim
