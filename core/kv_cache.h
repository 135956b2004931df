#pragma once
// Keys and values of one sequence, per layer, position-major
// ([position][kvHeads * headDim] floats). Storage grows with the positions
// used, so a model with a long context limit costs memory only for the
// context actually filled.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ws::core {

class KvCache {
public:
  KvCache(int layers, int kvDim, int maxPositions);

  int layers() const { return static_cast<int>(m_keys.size()); }
  int kvDim() const { return m_kvDim; }
  int maxPositions() const { return m_maxPositions; }

  // Makes room for positions [0, positions); positions <= maxPositions.
  void reserve(int positions);

  float* key(int layer, int position);
  float* value(int layer, int position);
  const float* keys(int layer) const { return m_keys[static_cast<size_t>(layer)].data(); }
  const float* values(int layer) const { return m_values[static_cast<size_t>(layer)].data(); }

  // Bytes held now.
  uint64_t bytes() const;

private:
  int m_kvDim;
  int m_maxPositions;
  int m_capacity = 0;
  std::vector<std::vector<float>> m_keys;
  std::vector<std::vector<float>> m_values;
};

} // namespace ws::core
