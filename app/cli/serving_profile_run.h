#pragma once
// `simulate --serving NAME|FILE [--sweep-draft-tokens A..B]`: a serving
// profile (sim/serving_profile.h) applied to a simulate run.
#include "core/model_spec.h"
#include "sim/chip_spec.h"
#include "sim/placement.h"

#include <string>

namespace ws::cli {

struct ServingRequest {
  std::string profile; // name or file; empty: none
  std::string sweep;   // "A..B" draft tokens; empty: no sweep
  bool weightBitsGiven = false;
  // --trace, --heatmap, --engine detailed or several sequences: outputs of a
  // plain decode run.
  bool plainRunOutputs = false;
  std::string report; // --report: the speculative step and sweep as JSON
};

// Applies the profile's precision to `options` unless --weight-bits was
// given. With speculative decoding, prints the speculative step, its tokens/s
// beside plain decoding and the K sweep, and returns true (the run is done);
// otherwise returns false and the plain run goes on. Throws
// std::runtime_error on a bad request.
bool runServingProfile(const ServingRequest& request, const core::ModelSpec& model,
                       const sim::ChipSpec& chip, sim::MapOptions& options);

} // namespace ws::cli
