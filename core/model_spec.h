#pragma once
// The shape of a transformer language model: everything the simulator needs to
// place and time it, read from a GGUF file, a Hugging Face config.json or a
// model card (assets/models/cards/*.json), with parameter and byte counts.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ws::core {

class GgufFile;

struct RopeScaling {
  std::string type = "none"; // "none", "linear", "yarn", "llama3", ... as the file says
  double factor = 1.0;
  uint64_t originalContextLength = 0; // 0 when the file gives none
};

// Parameters per tensor class. Norms include every RMSNorm/LayerNorm weight
// (and QK-norms, MLA's latent norms); attention includes Q/K/V/O weights (or
// MLA's down and up projections), their biases and attention sinks; the
// router is the MoE gate (with its bias).
struct ParamCounts {
  uint64_t attention = 0;
  uint64_t ffn = 0;           // dense FFN and shared experts: always active
  uint64_t experts = 0;       // all routed experts (with their biases)
  uint64_t activeExperts = 0; // the routed experts one token uses
  uint64_t router = 0;
  uint64_t inputEmbedding = 0;  // token embedding table
  uint64_t outputEmbedding = 0; // LM head; 0 when tied to the input embedding
  uint64_t norms = 0;

  uint64_t embeddings() const { return inputEmbedding + outputEmbedding; }
  uint64_t total() const;
  // Parameters one token touches: all but the routed experts it does not use.
  // Counts both embedding tables, as Mixtral and Qwen publish active counts.
  uint64_t active() const;
};

// Physical bounds on a shape, checked by ModelSpec::validate whatever file it
// came from: far above any published model (the largest have 126 layers,
// hidden 18432, FFN 53248, 384 experts, a 262144-token vocabulary and 10M
// tokens of context), low enough that every product paramCounts() forms is
// exact in 64 bits and a mapping's work stays bounded.
struct ShapeLimits {
  static constexpr uint64_t kLayers = 4096;
  static constexpr uint64_t kWidth = uint64_t(1) << 20; // hidden, FFN and expert FFN sizes
  static constexpr uint64_t kHeads = uint64_t(1) << 14; // heads, KV heads
  static constexpr uint64_t kHeadDim = uint64_t(1) << 14;
  static constexpr uint64_t kVocab = uint64_t(1) << 24;
  static constexpr uint64_t kExperts = uint64_t(1) << 14; // routed and shared
  static constexpr uint64_t kContext = uint64_t(1) << 30;
  static constexpr double kParams = 1e15; // total parameters
};

struct ModelSpec {
  std::string name;
  std::string architecture; // "llama", "qwen2", "mistral", "qwen3", "qwen3moe", "gpt-oss", ...
  uint64_t layers = 0;
  uint64_t hiddenSize = 0;
  uint64_t heads = 0;
  uint64_t kvHeads = 0;
  uint64_t headDim = 0;
  uint64_t ffnSize = 0; // dense FFN intermediate size (0 when every layer is MoE)
  uint64_t vocabSize = 0;
  uint64_t contextLength = 0;
  double ropeTheta = 10000.0;
  RopeScaling ropeScaling;
  bool ropeNeox = false; // rotate halves (NeoX/Qwen) instead of adjacent pairs (llama)
  double rmsNormEps = 1e-5;
  bool tiedEmbeddings = false;
  // Attention extras, counted in ParamCounts::attention / norms.
  bool attentionQkvBias = false; // biases on Q, K and V (Qwen2, gpt-oss)
  bool attentionOutBias = false; // bias on the output projection (gpt-oss)
  bool attentionSinks = false;   // one learned sink logit per head (gpt-oss)
  bool qkNorm = false;           // RMSNorm of headDim on Q and K (Qwen3)
  // Multi-head latent attention (DeepSeek-V2/V3, Kimi K2), on when
  // kvLoraRank > 0. Each token caches one latent vector (kvLoraRank) and one
  // shared RoPE key (qkRopeHeadDim) per layer, not K and V per head. Weights
  // (DeepSeek's names): wq_a (hidden -> qLoraRank), q norm, wq_b (qLoraRank ->
  // heads x (qkNope + qkRope)), or wq (hidden -> heads x (qkNope + qkRope))
  // when qLoraRank is 0; wkv_a (hidden -> kvLoraRank + qkRope), kv norm,
  // wkv_b (kvLoraRank -> heads x (qkNope + vHeadDim)), wo (heads x vHeadDim
  // -> hidden). headDim is qkNope + qkRope and kvHeads equals heads.
  uint64_t qLoraRank = 0;
  uint64_t kvLoraRank = 0;
  uint64_t qkNopeHeadDim = 0;
  uint64_t qkRopeHeadDim = 0;
  uint64_t vHeadDim = 0;
  // Mixture of experts (all 0 for a dense model).
  uint64_t experts = 0;
  uint64_t activeExperts = 0;
  uint64_t expertFfnSize = 0;
  uint64_t sharedExperts = 0;
  uint64_t sharedExpertFfnSize = 0; // 0: same as expertFfnSize
  bool expertBias = false;          // biases on expert projections and router (gpt-oss)
  uint64_t denseLayers = 0;         // leading layers with a dense FFN instead of experts
  // After the leading dense layers, every moeLayerStep-th layer is MoE and the
  // others are dense (Llama 4 Maverick: 2, layers 1, 3, 5, ... are MoE).
  uint64_t moeLayerStep = 1;
  double bytesPerWeight = 2.0; // average storage per parameter (2 for bf16, 1.0625 Q8_0)
  // Storage of the routed experts when it differs from the rest (gpt-oss:
  // MXFP4 experts, BF16 elsewhere); 0: bytesPerWeight.
  double expertBytesPerWeight = 0.0;
  std::string source; // path of the file, or the citation of a card

  bool isMoe() const { return experts > 0; }
  bool isMla() const { return kvLoraRank > 0; }
  // Whether a layer (0-based) routes its FFN through experts.
  bool isMoeLayer(uint64_t layer) const;
  uint64_t moeLayerCount() const;
  // Parameters of one layer's attention (projections, biases, sinks; not its
  // norms), of one dense FFN, one routed expert, and one layer's shared
  // experts.
  uint64_t attentionParamsPerLayer() const;
  uint64_t denseFfnParams() const;
  uint64_t expertParams() const;
  uint64_t sharedExpertParamsPerLayer() const;
  ParamCounts paramCounts() const;
  double weightBytes() const; // each tensor class at its own bytes per weight
  // Storage per parameter of everything but the routed experts.
  double nonExpertBytesPerWeight() const;
  double routedExpertBytesPerWeight() const {
    return expertBytesPerWeight > 0 ? expertBytesPerWeight : bytesPerWeight;
  }
  // What one token adds to the KV cache over all layers: K and V per KV head,
  // or with MLA the latent and the shared RoPE key.
  double kvBytesPerToken(double bytesPerElement = 2.0) const;
  // Values cached per token per layer (kvHeads x headDim x 2, or
  // kvLoraRank + qkRopeHeadDim with MLA).
  uint64_t kvValuesPerTokenPerLayer() const;
  // Throws std::invalid_argument (naming `source`) when a required field is
  // zero, a field is outside ShapeLimits, the parameter count is above
  // ShapeLimits::kParams, or the shape is inconsistent (e.g. heads not a
  // multiple of kvHeads).
  void validate() const;
};

// From llama.cpp's GGUF keys ({arch}.block_count, .embedding_length, ...).
// Tied = no output.weight tensor; bytesPerWeight measured from the tensors.
// Throws FormatError naming the file and key when something required is missing.
ModelSpec modelSpecFromGguf(const GgufFile& file);
// From a Hugging Face config.json (or a directory holding one). bytesPerWeight
// from torch_dtype; when safetensors sit beside it, measured from them.
ModelSpec modelSpecFromHfConfig(const std::filesystem::path& path);
// From a model card (assets/models/cards/NAME.json).
ModelSpec modelSpecFromCard(const std::filesystem::path& path);
// Dispatches: a .gguf file, a config.json or a directory with one, a card
// .json file, or a card name (e.g. "llama-3.1-8b") in assetsDir()/models/cards.
// An unknown name throws std::runtime_error listing the available cards.
ModelSpec loadModelSpec(const std::string& nameOrPath);
// Card names (file stems) in assetsDir()/models/cards, sorted.
std::vector<std::string> listModelCards();

} // namespace ws::core
