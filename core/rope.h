#pragma once
// Rotary position embedding as llama.cpp applies it (ggml_rope_ext without
// YaRN): pair i of the first `rotaryDims` dimensions of each head is rotated
// by position * freqScale * theta^(-2i/rotaryDims) / freqFactors[i].
//  - Normal layout (llama, mistral: llama.cpp's converter permutes Q and K so
//    that) pairs are adjacent dimensions (2i, 2i+1);
//  - NeoX layout (qwen2) pairs dimension i with i + rotaryDims/2.
// Dimensions past rotaryDims are left as they are.
#include <cstdint>
#include <span>
#include <vector>

namespace ws::core {

enum class RopeLayout { Normal, Neox };

struct RopeConfig {
  int headDim = 0;
  int rotaryDims = 0; // even, <= headDim
  RopeLayout layout = RopeLayout::Normal;
  float theta = 10000.0f;
  float freqScale = 1.0f;         // 1 / linear scaling factor
  std::vector<float> freqFactors; // per pair divisors (llama3 rope_freqs), empty = all 1
};

class Rope {
public:
  // Throws std::invalid_argument for inconsistent dimensions.
  explicit Rope(RopeConfig config);

  const RopeConfig& config() const { return m_config; }

  // The cos/sin of every pair at `position`, to rotate several vectors.
  struct Angles {
    std::vector<float> cos;
    std::vector<float> sin;
  };
  Angles angles(int32_t position) const;

  // Rotates each of the heads.size() / headDim heads in place.
  void apply(const Angles& angles, std::span<float> heads) const;

private:
  RopeConfig m_config;
};

} // namespace ws::core
