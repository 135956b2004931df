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
// (and QK-norms); attention includes Q/K/V/O weights, their biases and
// attention sinks; the router is the MoE gate (with its bias).
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
  // Mixture of experts (all 0 for a dense model).
  uint64_t experts = 0;
  uint64_t activeExperts = 0;
  uint64_t expertFfnSize = 0;
  uint64_t sharedExperts = 0;
  uint64_t sharedExpertFfnSize = 0; // 0: same as expertFfnSize
  bool expertBias = false;          // biases on expert projections and router (gpt-oss)
  uint64_t denseLayers = 0;         // leading layers with a dense FFN instead of experts
  double bytesPerWeight = 2.0;      // average storage per parameter (2 for bf16, 1.0625 Q8_0)
  std::string source;               // path of the file, or the citation of a card

  bool isMoe() const { return experts > 0; }
  ParamCounts paramCounts() const;
  double weightBytes() const; // paramCounts().total() * bytesPerWeight
  // K and V for one token over all layers.
  double kvBytesPerToken(double bytesPerElement = 2.0) const;
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
