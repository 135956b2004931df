#pragma once
// Next-token choice from logits: greedy, or temperature sampling with top-k,
// top-p and a repetition penalty. Seeded with its own generator
// (xoshiro256**), so a seed gives the same tokens on every platform and
// standard library.
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace ws::core {

// xoshiro256** (Blackman & Vigna), seeded through splitmix64.
class Xoshiro256 {
public:
  explicit Xoshiro256(uint64_t seed);
  uint64_t next();
  // Uniform in [0, 1), 53 random bits.
  double uniform();

private:
  uint64_t m_state[4];
};

struct SamplerSettings {
  float temperature = 0.0f;       // <= 0: greedy (argmax, lowest id on ties)
  int topK = 0;                   // keep the k most likely tokens; 0: all
  float topP = 1.0f;              // keep the smallest set reaching this mass; 1: all
  float repetitionPenalty = 1.0f; // > 1 discourages tokens of the recent window; 1: off
  int repetitionWindow = 64;      // how many of the latest tokens the penalty looks at
  uint64_t seed = 0;
};

class Sampler {
public:
  // Throws std::invalid_argument for settings out of range (negative top-k,
  // top-p outside (0, 1], penalty <= 0, negative window).
  explicit Sampler(SamplerSettings settings);

  const SamplerSettings& settings() const { return m_settings; }

  // Picks the next token. `history` is the sequence so far (prompt and
  // generated tokens); the penalty applies to each distinct token among its
  // last repetitionWindow entries, as llama.cpp does: positive logits are
  // divided by the penalty, negative ones multiplied.
  int32_t sample(std::span<const float> logits, std::span<const int32_t> history);

  // The probabilities sample() draws from after penalty, temperature, top-k
  // and top-p: (token, probability) pairs, most likely first, summing to 1.
  // For greedy settings, the single argmax with probability 1.
  std::vector<std::pair<int32_t, float>> distribution(std::span<const float> logits,
                                                      std::span<const int32_t> history) const;

private:
  SamplerSettings m_settings;
  Xoshiro256 m_rng;
};

// The k largest logits as (token, logit) pairs, largest first, lower id first
// among equals.
std::vector<std::pair<int32_t, float>> topLogits(std::span<const float> logits, int k);

} // namespace ws::core
