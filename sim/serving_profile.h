#pragma once
// A serving profile (assets/serving/*.json): a named, sourced description of
// the serving software a deployment runs, fixed before it meets any published
// row. It says at which precision the weights are held and whether tokens are
// decoded speculatively: which draft model guesses, how many tokens it guesses
// per verify pass (K) and how often the target accepts a guess (the per-token
// acceptance rate of Leviathan et al. 2023, with its source and, where no
// primary source pins it, UNCONFIRMED and a range).
//
//   {"name": "speculative-2025", "description": "...",
//    "weight_bits": 0, "weight_bits_source": "...",
//    "speculative": {
//      "draft_tokens": 4, "draft_tokens_source": "...",
//      "acceptance_rate": 0.88, "acceptance_rate_source": "...",
//      "acceptance_rate_range": [0.71, 0.9],
//      "drafts": [{"card": "llama-3.1-8b", "source": "..."}, ...]}}
//
// A target's draft is the first listed card of its architecture and
// vocabulary that is smaller than it (same family: the tokens are shared);
// the built-in model's is its own trained draft (assets/models/).
#include "core/model_spec.h"
#include "sim/chip_spec.h"

#include <optional>
#include <string>
#include <vector>

namespace ws::sim {

struct DraftChoice {
  std::string card; // model card name or path
  std::string source;
};

struct SpeculativeDecoding {
  int draftTokens = 0; // K: draft tokens per verify pass, 1 .. kMaxDraftTokens
  std::string draftTokensSource;
  double acceptanceRate = 0.0; // per draft token, 0 .. 1 (exclusive)
  std::string acceptanceRateSource;
  // Where the source says UNCONFIRMED: the span the rate could take (the
  // band `simulate` and `validate` print); otherwise low == high == the rate.
  ParameterRange acceptanceRange;
  std::vector<DraftChoice> drafts;
};

inline constexpr int kMaxDraftTokens = 32;

struct ServingProfile {
  std::string name;
  std::string description;
  std::string file; // where it was loaded from
  // Bits per weight; 0: the model's own (e.g. gpt-oss' MXFP4 experts).
  double weightBits = 0.0;
  std::string weightBitsSource;
  std::optional<SpeculativeDecoding> speculative;

  // The draft for `target` (see above). Throws std::runtime_error naming the
  // profile and the target when none fits.
  core::ModelSpec draftFor(const core::ModelSpec& target) const;
};

// Throws core::FormatError naming the file and the field (with the allowed
// range for numbers) on bad input.
ServingProfile parseServingProfile(const std::string& jsonText, const std::string& file);
// A preset name (assets/serving/NAME.json) or a path.
ServingProfile loadServingProfile(const std::string& nameOrPath);
std::vector<std::string> listServingProfiles();

} // namespace ws::sim
