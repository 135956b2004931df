#pragma once
// A llama-family model (llama, mistral, qwen2, qwen3, qwen3moe) ready to run:
// the mapped GGUF file and views of its tensors under llama.cpp's names.
// Matrices stay in the file in their stored encoding; only the small vectors
// (norm weights, biases, RoPE frequency factors) are decoded to float.
//
// Loads: architectures llama, mistral, qwen2, qwen3 (per-head RMSNorm of Q
// and K before RoPE) and qwen3moe (qwen3 with a mixture-of-experts FFN:
// softmax router, top-k experts, chosen weights renormalised); matrix types
// F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 and Q2_K..Q6_K
// (isMatvecSupported); RoPE without scaling, with linear scaling, or with
// llama3-style frequency factors (the rope_freqs.weight tensor llama.cpp's
// converter writes).
#include "core/gguf.h"
#include "core/matvec.h"
#include "core/model_spec.h"
#include "core/rope.h"

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ws::core {

// True for the architectures LlamaModel runs.
bool isInferenceArchitecture(const std::string& architecture);
// True for qwen3 and qwen3moe (per-head QK-norm).
bool isQwen3(const std::string& architecture);
// The architectures LlamaModel runs, as a list for messages: "llama, ...".
std::string_view inferenceArchitectures();

// `count` matrices of one shape stored one after another, as llama.cpp's
// 3-D expert tensors (ggml dims [cols, rows, count]).
struct ExpertMatrices {
  WeightMatrix first;
  int64_t count = 0;

  WeightMatrix expert(int64_t index) const {
    WeightMatrix m = first;
    m.data += static_cast<uint64_t>(index) * static_cast<uint64_t>(first.rows) * first.rowStride();
    return m;
  }
};

struct LlamaLayer {
  std::vector<float> attentionNorm;
  WeightMatrix query;
  WeightMatrix key;
  WeightMatrix value;
  WeightMatrix attentionOutput;
  std::vector<float> queryBias; // empty when the architecture has none
  std::vector<float> keyBias;
  std::vector<float> valueBias;
  std::vector<float> queryNorm; // per-head RMSNorm weights (qwen3); empty when none
  std::vector<float> keyNorm;
  std::vector<float> ffnNorm;
  // Dense FFN (empty matrices in a mixture-of-experts layer).
  WeightMatrix ffnGate;
  WeightMatrix ffnUp;
  WeightMatrix ffnDown;
  // Mixture of experts (qwen3moe): router logits = router x, one matrix per
  // expert in each stack.
  WeightMatrix router;
  ExpertMatrices gateExperts;
  ExpertMatrices upExperts;
  ExpertMatrices downExperts;

  bool isMoe() const { return gateExperts.count > 0; }
};

class LlamaModel {
public:
  // Maps and checks the file. Throws FormatError naming the file for an
  // unsupported architecture, tensor type or RoPE scaling, a missing tensor or
  // a tensor of the wrong shape.
  static std::unique_ptr<LlamaModel> load(const std::filesystem::path& path);

  LlamaModel(const LlamaModel&) = delete;
  LlamaModel& operator=(const LlamaModel&) = delete;

  const GgufFile& file() const { return m_file; }
  const ModelSpec& spec() const { return m_spec; }
  const RopeConfig& ropeConfig() const { return m_rope; }

  int layerCount() const { return static_cast<int>(m_layers.size()); }
  int hiddenSize() const { return static_cast<int>(m_spec.hiddenSize); }
  int heads() const { return static_cast<int>(m_spec.heads); }
  int kvHeads() const { return static_cast<int>(m_spec.kvHeads); }
  int headDim() const { return static_cast<int>(m_spec.headDim); }
  int ffnSize() const { return static_cast<int>(m_spec.ffnSize); }
  int expertCount() const { return static_cast<int>(m_spec.experts); }
  int expertsUsed() const { return static_cast<int>(m_spec.activeExperts); }
  int expertFfnSize() const { return static_cast<int>(m_spec.expertFfnSize); }
  int vocabSize() const { return static_cast<int>(m_tokenEmbedding.rows); }
  int contextLength() const { return static_cast<int>(m_spec.contextLength); }
  float rmsNormEps() const { return static_cast<float>(m_spec.rmsNormEps); }

  const WeightMatrix& tokenEmbedding() const { return m_tokenEmbedding; }
  const std::vector<LlamaLayer>& layers() const { return m_layers; }
  const std::vector<float>& outputNorm() const { return m_outputNorm; }
  // The LM head: output.weight, or token_embd.weight when the file ties them.
  const WeightMatrix& output() const { return m_output; }

private:
  explicit LlamaModel(GgufFile file);

  GgufFile m_file;
  ModelSpec m_spec;
  RopeConfig m_rope;
  WeightMatrix m_tokenEmbedding;
  std::vector<LlamaLayer> m_layers;
  std::vector<float> m_outputNorm;
  WeightMatrix m_output;
};

} // namespace ws::core
