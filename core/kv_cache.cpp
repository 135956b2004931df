#include "core/kv_cache.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ws::core {

KvCache::KvCache(int layers, int kvDim, int maxPositions)
    : m_kvDim(kvDim), m_maxPositions(maxPositions), m_keys(static_cast<size_t>(layers)),
      m_values(static_cast<size_t>(layers)) {
  if (layers <= 0 || kvDim <= 0 || maxPositions <= 0) {
    throw std::invalid_argument("KV cache: layers, width and positions must be positive");
  }
}

void KvCache::reserve(int positions) {
  if (positions <= m_capacity) {
    return;
  }
  if (positions > m_maxPositions) {
    throw std::out_of_range("KV cache: " + std::to_string(positions) + " positions exceed its " +
                            std::to_string(m_maxPositions));
  }
  // Doubling keeps the copies of a growing cache linear in total.
  m_capacity = std::min(m_maxPositions, std::max({positions, 2 * m_capacity, 64}));
  const size_t floats = static_cast<size_t>(m_capacity) * static_cast<size_t>(m_kvDim);
  for (auto& layer : m_keys) {
    layer.resize(floats);
  }
  for (auto& layer : m_values) {
    layer.resize(floats);
  }
}

float* KvCache::key(int layer, int position) {
  return m_keys[static_cast<size_t>(layer)].data() +
         static_cast<size_t>(position) * static_cast<size_t>(m_kvDim);
}

float* KvCache::value(int layer, int position) {
  return m_values[static_cast<size_t>(layer)].data() +
         static_cast<size_t>(position) * static_cast<size_t>(m_kvDim);
}

uint64_t KvCache::bytes() const {
  return 2ull * m_keys.size() * static_cast<uint64_t>(m_capacity) * static_cast<uint64_t>(m_kvDim) *
         sizeof(float);
}

} // namespace ws::core
