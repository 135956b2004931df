#include "core/sampler.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <unordered_set>

namespace ws::core {
namespace {

uint64_t splitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t rotateLeft(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

struct Candidate {
  int32_t id;
  float logit;
};

// Most likely first; equal logits by lower id so the order never depends on
// the sort's implementation.
bool moreLikely(const Candidate& a, const Candidate& b) {
  return a.logit != b.logit ? a.logit > b.logit : a.id < b.id;
}

// Softmax of the candidates' logits divided by temperature, in double.
std::vector<double> probabilities(const std::vector<Candidate>& candidates, double temperature) {
  std::vector<double> p(candidates.size());
  const double maxLogit = candidates.front().logit; // sorted: the first is the largest
  double sum = 0.0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    p[i] = std::exp((candidates[i].logit - maxLogit) / temperature);
    sum += p[i];
  }
  for (double& v : p) {
    v /= sum;
  }
  return p;
}

} // namespace

Xoshiro256::Xoshiro256(uint64_t seed) {
  for (uint64_t& word : m_state) {
    word = splitMix64(seed);
  }
}

uint64_t Xoshiro256::next() {
  const uint64_t result = rotateLeft(m_state[1] * 5, 7) * 9;
  const uint64_t t = m_state[1] << 17;
  m_state[2] ^= m_state[0];
  m_state[3] ^= m_state[1];
  m_state[1] ^= m_state[2];
  m_state[0] ^= m_state[3];
  m_state[2] ^= t;
  m_state[3] = rotateLeft(m_state[3], 45);
  return result;
}

double Xoshiro256::uniform() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

Sampler::Sampler(SamplerSettings settings) : m_settings(settings), m_rng(settings.seed) {
  if (settings.topK < 0) {
    throw std::invalid_argument("top-k must be 0 (off) or positive, not " +
                                std::to_string(settings.topK));
  }
  if (!(settings.topP > 0.0f && settings.topP <= 1.0f)) {
    throw std::invalid_argument("top-p must be in (0, 1], not " + std::to_string(settings.topP));
  }
  if (!(settings.repetitionPenalty > 0.0f)) {
    throw std::invalid_argument("repetition penalty must be positive, not " +
                                std::to_string(settings.repetitionPenalty));
  }
  if (settings.repetitionWindow < 0) {
    throw std::invalid_argument("repetition window must not be negative");
  }
  if (std::isnan(settings.temperature)) {
    throw std::invalid_argument("temperature must be a number");
  }
}

std::vector<std::pair<int32_t, float>>
Sampler::distribution(std::span<const float> logits, std::span<const int32_t> history) const {
  if (logits.empty()) {
    throw std::invalid_argument("cannot sample from an empty vocabulary");
  }
  std::vector<Candidate> candidates(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) {
    candidates[i] = {static_cast<int32_t>(i), logits[i]};
  }
  if (m_settings.repetitionPenalty != 1.0f && m_settings.repetitionWindow > 0) {
    const size_t window =
        std::min(history.size(), static_cast<size_t>(m_settings.repetitionWindow));
    std::unordered_set<int32_t> seen;
    for (int32_t id : history.subspan(history.size() - window)) {
      if (id >= 0 && static_cast<size_t>(id) < candidates.size() && seen.insert(id).second) {
        float& logit = candidates[static_cast<size_t>(id)].logit;
        logit = logit > 0.0f ? logit / m_settings.repetitionPenalty
                             : logit * m_settings.repetitionPenalty;
      }
    }
  }
  if (m_settings.temperature <= 0.0f) {
    const auto best = std::min_element(candidates.begin(), candidates.end(), moreLikely);
    return {{best->id, 1.0f}};
  }

  // llama.cpp's default chain: top-k, then top-p on the untempered
  // probabilities, then temperature over what is left.
  const size_t k = m_settings.topK > 0
                       ? std::min(candidates.size(), static_cast<size_t>(m_settings.topK))
                       : candidates.size();
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(k),
                    candidates.end(), moreLikely);
  candidates.resize(k);
  if (m_settings.topP < 1.0f) {
    const std::vector<double> p = probabilities(candidates, 1.0);
    double mass = 0.0;
    size_t keep = 0;
    while (keep < p.size() && mass < m_settings.topP) {
      mass += p[keep++];
    }
    candidates.resize(std::max<size_t>(1, keep));
  }
  const std::vector<double> p = probabilities(candidates, m_settings.temperature);
  std::vector<std::pair<int32_t, float>> result(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    result[i] = {candidates[i].id, static_cast<float>(p[i])};
  }
  return result;
}

int32_t Sampler::sample(std::span<const float> logits, std::span<const int32_t> history) {
  const auto choices = distribution(logits, history);
  if (choices.size() == 1) {
    return choices.front().first;
  }
  const double u = m_rng.uniform();
  double cumulative = 0.0;
  for (const auto& [id, probability] : choices) {
    cumulative += probability;
    if (u < cumulative) {
      return id;
    }
  }
  return choices.back().first; // u beyond the rounded total
}

std::vector<std::pair<int32_t, float>> topLogits(std::span<const float> logits, int k) {
  std::vector<Candidate> candidates(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) {
    candidates[i] = {static_cast<int32_t>(i), logits[i]};
  }
  const size_t count = std::min(candidates.size(), static_cast<size_t>(std::max(0, k)));
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(count),
                    candidates.end(), moreLikely);
  std::vector<std::pair<int32_t, float>> result(count);
  for (size_t i = 0; i < count; ++i) {
    result[i] = {candidates[i].id, candidates[i].logit};
  }
  return result;
}

} // namespace ws::core
