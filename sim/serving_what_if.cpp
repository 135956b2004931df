#include "sim/serving_what_if.h"

#include "sim/fast_engine.h"
#include "sim/mapper.h"

#include <algorithm>

namespace ws::sim {

MapOptions withServingPrecision(const ServingProfile& profile, MapOptions options) {
  if (profile.weightBits > 0) {
    options.bytesPerWeight = profile.weightBits / 8.0;
  }
  return options;
}

std::vector<double> whatIfAcceptanceRates(const SpeculativeDecoding& speculative) {
  std::vector<double> rates = {speculative.acceptanceRange.low, speculative.acceptanceRate,
                               speculative.acceptanceRange.high};
  rates.erase(std::unique(rates.begin(), rates.end()), rates.end());
  return rates;
}

double speculativeTokensPerSecond(double acceptanceRate, const SpeculativeStepTiming& step) {
  return expectedTokensPerVerifyPass(acceptanceRate, step.draftTokens) / step.seconds();
}

ServingWhatIf prepareServingWhatIf(const ServingProfile& profile, const core::ModelSpec& target,
                                   const ChipSpec& chip, const MapOptions& options) {
  ServingWhatIf whatIf;
  whatIf.contextTokens = options.contextTokens;
  if (profile.speculative) {
    whatIf.draft = profile.draftFor(target);
    whatIf.pair = mapSpeculativePair(target, *whatIf.draft, chip, options);
    whatIf.acceptanceRates = whatIfAcceptanceRates(*profile.speculative);
  }
  MapOptions plain = options;
  plain.reservedRows = 0; // options of a speculative mapping's target keep the draft's rows
  const Placement alone = mapModel(target, chip, plain);
  whatIf.plainTokensPerSecond = 1.0 / predictDecodeSeconds(alone, options.contextTokens);
  return whatIf;
}

} // namespace ws::sim
