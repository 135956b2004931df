#pragma once
// The sampling flags `generate` and `run` share, written straight into the
// settings the generator takes.
#include "core/sampler.h"

#include <CLI/CLI.hpp>

namespace ws::cli {

inline void addSamplerOptions(CLI::App& cmd, core::SamplerSettings& sampler) {
  cmd.add_option("--temperature", sampler.temperature, "0 = greedy");
  cmd.add_option("--top-k", sampler.topK, "Keep the K most likely tokens (0 = all)")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--top-p", sampler.topP, "Nucleus mass (1 = off)")->check(CLI::Range(0.0, 1.0));
  cmd.add_option("--repeat-penalty", sampler.repetitionPenalty, "Repetition penalty (1 = off)");
  cmd.add_option("--seed", sampler.seed, "Sampling seed");
}

} // namespace ws::cli
