#pragma once
// The run `simulate` times, shared with sweeps so that a sweep point is the
// same run: the prefill of every sequence (in sequence order), then
// `genTokens` decode steps of each sequence, round robin.
#include "sim/timing_engine.h"

#include <cstdint>
#include <functional>

namespace ws::sim {

// `onStep` (may be empty) is called after every prefill and decode step.
// Propagates what the engine throws (FitError when a cache outgrows SRAM).
void runPrefillAndDecode(TimingEngine& engine, int64_t promptTokens, int64_t genTokens,
                         int sequences, const std::function<void()>& onStep = {});

} // namespace ws::sim
