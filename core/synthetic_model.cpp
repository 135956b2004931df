#include "core/synthetic_model.h"

#include "core/dequantize.h"
#include "core/gguf_writer.h"
#include "core/kquant.h"
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

void encodeRow(const float* src, std::byte* dst, uint64_t cols, GgmlType type) {
  const auto n = static_cast<int64_t>(cols);
  switch (type) {
  case GgmlType::F32:
    std::memcpy(dst, src, cols * sizeof(float));
    return;
  case GgmlType::F16:
  case GgmlType::BF16:
    for (uint64_t c = 0; c < cols; ++c) {
      const uint16_t half = type == GgmlType::F16 ? floatToHalf(src[c]) : floatToBfloat16(src[c]);
      std::memcpy(dst + 2 * c, &half, 2);
    }
    return;
  case GgmlType::Q8_0:
    quantizeRowQ8_0(src, dst, n);
    return;
  case GgmlType::Q5_0:
    quantizeRowQ5_0(src, dst, n);
    return;
  case GgmlType::Q5_1:
    quantizeRowQ5_1(src, dst, n);
    return;
  default:
    if (isKQuant(type)) {
      quantizeKQuantRow(type, src, dst, n);
      return;
    }
    throw std::invalid_argument("synthetic models store matrices as F32, F16, BF16, Q8_0 or a "
                                "k-quant, not " +
                                std::string(ggmlTypeName(type)));
  }
}

// llama.cpp's replacement for a k-quant whose rows are not a multiple of 256.
GgmlType withFallback(GgmlType type, uint64_t cols) {
  if (!isKQuant(type) || cols % 256 == 0) {
    return type;
  }
  switch (type) {
  case GgmlType::Q4_K:
    return GgmlType::Q5_0;
  case GgmlType::Q5_K:
    return GgmlType::Q5_1;
  case GgmlType::Q6_K:
    return GgmlType::Q8_0;
  default:
    throw std::invalid_argument(std::string(ggmlTypeName(type)) + " rows of " +
                                std::to_string(cols) + " elements have no fallback here");
  }
}

// llama-quant.cpp's use_more_bits: the first and last eighth of the layers
// and every third one between.
bool usesMoreBits(int layer, int layers) {
  return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
}

} // namespace

void writeSyntheticModel(const SyntheticModelShape& shape, uint64_t seed,
                         const std::filesystem::path& path) {
  const std::string& arch = shape.architecture;
  const bool moe = arch == "qwen3moe";
  const bool qkNorm = arch == "qwen3" || moe;
  const int headDim = shape.headDim > 0 ? shape.headDim
                      : shape.heads > 0 ? shape.hiddenSize / shape.heads
                                        : 0;
  if (shape.layers <= 0 || shape.hiddenSize <= 0 || shape.heads <= 0 || shape.kvHeads <= 0 ||
      shape.vocabSize <= 0 || shape.contextLength <= 0 || headDim <= 0 ||
      (shape.headDim == 0 && shape.hiddenSize % shape.heads != 0) ||
      shape.heads % shape.kvHeads != 0 || (!moe && shape.ffnSize <= 0) ||
      (moe && (shape.experts <= 0 || shape.expertsUsed <= 0 || shape.expertsUsed > shape.experts ||
               shape.expertFfnSize <= 0))) {
    throw std::invalid_argument("synthetic model: inconsistent shape");
  }
  const uint64_t hidden = static_cast<uint64_t>(shape.hiddenSize);
  const uint64_t qDim = static_cast<uint64_t>(headDim) * static_cast<uint64_t>(shape.heads);
  const uint64_t kvDim = static_cast<uint64_t>(headDim) * static_cast<uint64_t>(shape.kvHeads);
  const uint64_t ffn = static_cast<uint64_t>(moe ? shape.expertFfnSize : shape.ffnSize);
  const uint64_t vocab = static_cast<uint64_t>(shape.vocabSize);
  const uint64_t experts = static_cast<uint64_t>(shape.experts);

  GgufWriter writer;
  writer.setString("general.architecture", arch);
  writer.setString("general.name", "synthetic-" + arch);
  writer.setUInt32(arch + ".block_count", static_cast<uint32_t>(shape.layers));
  writer.setUInt32(arch + ".context_length", static_cast<uint32_t>(shape.contextLength));
  writer.setUInt32(arch + ".embedding_length", static_cast<uint32_t>(hidden));
  writer.setUInt32(arch + ".feed_forward_length", static_cast<uint32_t>(ffn));
  writer.setUInt32(arch + ".attention.head_count", static_cast<uint32_t>(shape.heads));
  writer.setUInt32(arch + ".attention.head_count_kv", static_cast<uint32_t>(shape.kvHeads));
  if (shape.headDim > 0) {
    writer.setUInt32(arch + ".attention.key_length", static_cast<uint32_t>(headDim));
    writer.setUInt32(arch + ".attention.value_length", static_cast<uint32_t>(headDim));
  }
  if (moe) {
    writer.setUInt32(arch + ".expert_count", static_cast<uint32_t>(shape.experts));
    writer.setUInt32(arch + ".expert_used_count", static_cast<uint32_t>(shape.expertsUsed));
    writer.setUInt32(arch + ".expert_feed_forward_length", static_cast<uint32_t>(ffn));
  }
  writer.setFloat32(arch + ".attention.layer_norm_rms_epsilon", shape.rmsNormEps);
  writer.setFloat32(arch + ".rope.freq_base", shape.ropeTheta);
  writer.setUInt32(arch + ".rope.dimension_count", static_cast<uint32_t>(headDim));
  writer.setUInt32(arch + ".vocab_size", static_cast<uint32_t>(vocab));

  WeightSource source(seed);
  // `count` matrices of rows x cols in one tensor (3-D when count > 1 or for
  // expert stacks), encoded a row at a time so only one row of floats exists.
  const auto addMatrices = [&](const std::string& name, uint64_t cols, uint64_t rows,
                               uint64_t count, GgmlType wanted) {
    const GgmlType type = withFallback(wanted, cols);
    const float spread = 1.0f / std::sqrt(static_cast<float>(cols));
    const uint64_t stride = rowBytes(type, cols);
    std::vector<std::byte> bytes(stride * rows * count);
    for (uint64_t r = 0; r < rows * count; ++r) {
      const std::vector<float> row = source.uniform(cols, 0.0f, spread);
      encodeRow(row.data(), bytes.data() + r * stride, cols, type);
    }
    std::vector<uint64_t> dims{cols, rows};
    if (count > 1 || name.find("_exps") != std::string::npos) {
      dims.push_back(count);
    }
    writer.addTensor(name, type, dims, bytes);
  };
  const auto addMatrix = [&](const std::string& name, uint64_t cols, uint64_t rows, GgmlType type) {
    addMatrices(name, cols, rows, 1, type);
  };
  const auto addVector = [&](const std::string& name, uint64_t n, float center, float spread) {
    writer.addTensorF32(name, {n}, source.uniform(n, center, spread));
  };

  const GgmlType base = shape.matrixType;
  const bool mix = shape.mediumMix && isKQuant(base);
  const GgmlType head = mix ? GgmlType::Q6_K : base;
  addMatrix("token_embd.weight", hidden, vocab, shape.tiedEmbeddings ? head : base);
  for (int layer = 0; layer < shape.layers; ++layer) {
    const std::string p = "blk." + std::to_string(layer) + ".";
    const GgmlType moreBits = mix && usesMoreBits(layer, shape.layers) ? GgmlType::Q6_K : base;
    addVector(p + "attn_norm.weight", hidden, 1.0f, 0.1f);
    addMatrix(p + "attn_q.weight", hidden, qDim, base);
    addMatrix(p + "attn_k.weight", hidden, kvDim, base);
    addMatrix(p + "attn_v.weight", hidden, kvDim, moreBits);
    if (arch == "qwen2") {
      addVector(p + "attn_q.bias", qDim, 0.0f, 0.1f);
      addVector(p + "attn_k.bias", kvDim, 0.0f, 0.1f);
      addVector(p + "attn_v.bias", kvDim, 0.0f, 0.1f);
    }
    if (qkNorm) {
      addVector(p + "attn_q_norm.weight", static_cast<uint64_t>(headDim), 1.0f, 0.1f);
      addVector(p + "attn_k_norm.weight", static_cast<uint64_t>(headDim), 1.0f, 0.1f);
    }
    addMatrix(p + "attn_output.weight", qDim, hidden, base);
    addVector(p + "ffn_norm.weight", hidden, 1.0f, 0.1f);
    if (moe) {
      addMatrix(p + "ffn_gate_inp.weight", hidden, experts, GgmlType::F32);
      addMatrices(p + "ffn_gate_exps.weight", hidden, ffn, experts, base);
      addMatrices(p + "ffn_up_exps.weight", hidden, ffn, experts, base);
      addMatrices(p + "ffn_down_exps.weight", ffn, hidden, experts, moreBits);
    } else {
      addMatrix(p + "ffn_gate.weight", hidden, ffn, base);
      addMatrix(p + "ffn_up.weight", hidden, ffn, base);
      addMatrix(p + "ffn_down.weight", ffn, hidden, moreBits);
    }
  }
  addVector("output_norm.weight", hidden, 1.0f, 0.1f);
  if (!shape.tiedEmbeddings) {
    addMatrix("output.weight", hidden, vocab, head);
  }
  writer.write(path);
}

} // namespace ws::core
