#include "core/synthetic_model.h"

#include "core/dequantize.h"
#include "core/gguf_writer.h"
#include "core/sampler.h"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace ws::core {
namespace {

class WeightSource {
public:
  explicit WeightSource(uint64_t seed) : m_rng(seed) {}

  // n values uniform in [center - spread, center + spread].
  std::vector<float> uniform(size_t n, float center, float spread) {
    std::vector<float> values(n);
    for (float& v : values) {
      v = center + spread * static_cast<float>(2.0 * m_rng.uniform() - 1.0);
    }
    return values;
  }

private:
  Xoshiro256 m_rng;
};

std::vector<std::byte> encodeRows(const std::vector<float>& values, uint64_t cols, GgmlType type) {
  const uint64_t rows = values.size() / cols;
  const uint64_t stride = rowBytes(type, cols);
  std::vector<std::byte> bytes(rows * stride);
  for (uint64_t r = 0; r < rows; ++r) {
    const float* src = values.data() + r * cols;
    std::byte* dst = bytes.data() + r * stride;
    switch (type) {
    case GgmlType::F32:
      std::memcpy(dst, src, stride);
      break;
    case GgmlType::F16:
      for (uint64_t c = 0; c < cols; ++c) {
        const uint16_t half = floatToHalf(src[c]);
        std::memcpy(dst + 2 * c, &half, 2);
      }
      break;
    case GgmlType::Q8_0:
      quantizeRowQ8_0(src, dst, static_cast<int64_t>(cols));
      break;
    default:
      throw std::invalid_argument("synthetic models store matrices as F32, F16 or Q8_0, not " +
                                  std::string(ggmlTypeName(type)));
    }
  }
  return bytes;
}

} // namespace

void writeSyntheticModel(const SyntheticModelShape& shape, uint64_t seed,
                         const std::filesystem::path& path) {
  if (shape.layers <= 0 || shape.hiddenSize <= 0 || shape.heads <= 0 || shape.kvHeads <= 0 ||
      shape.ffnSize <= 0 || shape.vocabSize <= 0 || shape.contextLength <= 0 ||
      shape.hiddenSize % shape.heads != 0 || shape.heads % shape.kvHeads != 0) {
    throw std::invalid_argument("synthetic model: inconsistent shape");
  }
  const std::string& arch = shape.architecture;
  const uint64_t hidden = static_cast<uint64_t>(shape.hiddenSize);
  const uint64_t headDim = hidden / static_cast<uint64_t>(shape.heads);
  const uint64_t kvDim = headDim * static_cast<uint64_t>(shape.kvHeads);
  const uint64_t ffn = static_cast<uint64_t>(shape.ffnSize);
  const uint64_t vocab = static_cast<uint64_t>(shape.vocabSize);

  GgufWriter writer;
  writer.setString("general.architecture", arch);
  writer.setString("general.name", "synthetic-" + arch);
  writer.setUInt32(arch + ".block_count", static_cast<uint32_t>(shape.layers));
  writer.setUInt32(arch + ".context_length", static_cast<uint32_t>(shape.contextLength));
  writer.setUInt32(arch + ".embedding_length", static_cast<uint32_t>(hidden));
  writer.setUInt32(arch + ".feed_forward_length", static_cast<uint32_t>(ffn));
  writer.setUInt32(arch + ".attention.head_count", static_cast<uint32_t>(shape.heads));
  writer.setUInt32(arch + ".attention.head_count_kv", static_cast<uint32_t>(shape.kvHeads));
  writer.setFloat32(arch + ".attention.layer_norm_rms_epsilon", shape.rmsNormEps);
  writer.setFloat32(arch + ".rope.freq_base", shape.ropeTheta);
  writer.setUInt32(arch + ".rope.dimension_count", static_cast<uint32_t>(headDim));
  writer.setUInt32(arch + ".vocab_size", static_cast<uint32_t>(vocab));

  WeightSource source(seed);
  const auto addMatrix = [&](const std::string& name, uint64_t cols, uint64_t rows) {
    const std::vector<float> values =
        source.uniform(cols * rows, 0.0f, 1.0f / std::sqrt(static_cast<float>(cols)));
    writer.addTensor(name, shape.matrixType, {cols, rows},
                     encodeRows(values, cols, shape.matrixType));
  };
  const auto addVector = [&](const std::string& name, uint64_t n, float center, float spread) {
    writer.addTensorF32(name, {n}, source.uniform(n, center, spread));
  };

  addMatrix("token_embd.weight", hidden, vocab);
  for (int layer = 0; layer < shape.layers; ++layer) {
    const std::string p = "blk." + std::to_string(layer) + ".";
    addVector(p + "attn_norm.weight", hidden, 1.0f, 0.1f);
    addMatrix(p + "attn_q.weight", hidden, hidden);
    addMatrix(p + "attn_k.weight", hidden, kvDim);
    addMatrix(p + "attn_v.weight", hidden, kvDim);
    if (arch == "qwen2") {
      addVector(p + "attn_q.bias", hidden, 0.0f, 0.1f);
      addVector(p + "attn_k.bias", kvDim, 0.0f, 0.1f);
      addVector(p + "attn_v.bias", kvDim, 0.0f, 0.1f);
    }
    addMatrix(p + "attn_output.weight", hidden, hidden);
    addVector(p + "ffn_norm.weight", hidden, 1.0f, 0.1f);
    addMatrix(p + "ffn_gate.weight", hidden, ffn);
    addMatrix(p + "ffn_up.weight", hidden, ffn);
    addMatrix(p + "ffn_down.weight", ffn, hidden);
  }
  addVector("output_norm.weight", hidden, 1.0f, 0.1f);
  if (!shape.tiedEmbeddings) {
    addMatrix("output.weight", hidden, vocab);
  }
  writer.write(path);
}

} // namespace ws::core
