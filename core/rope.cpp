#include "core/rope.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace ws::core {

Rope::Rope(RopeConfig config) : m_config(std::move(config)) {
  const int pairs = m_config.rotaryDims / 2;
  if (m_config.headDim <= 0 || m_config.rotaryDims <= 0 || m_config.rotaryDims % 2 != 0 ||
      m_config.rotaryDims > m_config.headDim) {
    throw std::invalid_argument("RoPE: rotary dimensions " + std::to_string(m_config.rotaryDims) +
                                " must be even and within the head size " +
                                std::to_string(m_config.headDim));
  }
  if (!m_config.freqFactors.empty() && m_config.freqFactors.size() != static_cast<size_t>(pairs)) {
    throw std::invalid_argument("RoPE: " + std::to_string(m_config.freqFactors.size()) +
                                " frequency factors for " + std::to_string(pairs) +
                                " rotated pairs");
  }
}

Rope::Angles Rope::angles(int32_t position) const {
  const int pairs = m_config.rotaryDims / 2;
  Angles result;
  result.cos.resize(static_cast<size_t>(pairs));
  result.sin.resize(static_cast<size_t>(pairs));
  // The angle advances by a constant factor per pair; computed by repeated
  // multiplication in float exactly as ggml does, so results match its
  // rounding.
  const float thetaScale =
      std::pow(m_config.theta, -2.0f / static_cast<float>(m_config.rotaryDims));
  float theta = static_cast<float>(position);
  for (int i = 0; i < pairs; ++i) {
    const float factor =
        m_config.freqFactors.empty() ? 1.0f : m_config.freqFactors[static_cast<size_t>(i)];
    const float angle = m_config.freqScale * (theta / factor);
    result.cos[static_cast<size_t>(i)] = std::cos(angle);
    result.sin[static_cast<size_t>(i)] = std::sin(angle);
    theta *= thetaScale;
  }
  return result;
}

void Rope::apply(const Angles& angles, std::span<float> heads) const {
  const size_t headDim = static_cast<size_t>(m_config.headDim);
  const size_t pairs = static_cast<size_t>(m_config.rotaryDims / 2);
  // In the normal layout pair i is (2i, 2i+1); in NeoX it is (i, i + pairs).
  const size_t firstStride = m_config.layout == RopeLayout::Normal ? 2 : 1;
  const size_t secondOffset = m_config.layout == RopeLayout::Normal ? 1 : pairs;
  for (size_t head = 0; head + headDim <= heads.size(); head += headDim) {
    float* x = heads.data() + head;
    for (size_t i = 0; i < pairs; ++i) {
      float& a = x[i * firstStride];
      float& b = x[i * firstStride + secondOffset];
      const float x0 = a;
      const float x1 = b;
      a = x0 * angles.cos[i] - x1 * angles.sin[i];
      b = x0 * angles.sin[i] + x1 * angles.cos[i];
    }
  }
}

} // namespace ws::core
