#pragma once
// Random-weight llama-family models written as GGUF files with llama.cpp's
// tensor names and metadata keys: for tests and benchmarks of the inference
// engine at any shape (e.g. Qwen2.5-Coder-0.5B's or Qwen3-Coder-30B-A3B's
// layers) without shipping weights.
#include "core/ggml_type.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace ws::core {

struct SyntheticModelShape {
  // llama, mistral, qwen2 (adds Q/K/V biases), qwen3 (adds per-head QK-norms)
  // or qwen3moe (qwen3 with `experts` experts in every layer).
  std::string architecture = "llama";
  int layers = 2;
  int hiddenSize = 64;
  int heads = 4;
  int kvHeads = 2;
  int headDim = 0; // 0: hiddenSize / heads; otherwise written as attention.key_length
  int ffnSize = 192;
  int experts = 0;
  int expertsUsed = 0;
  int expertFfnSize = 0;
  int vocabSize = 256;
  int contextLength = 512;
  float ropeTheta = 10000.0f;
  float rmsNormEps = 1e-6f;
  bool tiedEmbeddings = true;
  // F32, F16, BF16, Q8_0 or a k-quant; norms, biases and the router are F32.
  GgmlType matrixType = GgmlType::F32;
  // With a k-quant matrixType: llama.cpp's "_M" mix (llama-quant.cpp): the
  // LM head (or the tied embedding) and attn_v / ffn_down of the layers
  // use_more_bits picks in Q6_K. Either way rows that are not a multiple of
  // 256 fall back as llama.cpp does (Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0,
  // Q2_K/Q3_K -> Q4_0 here, IQ4_NL in llama.cpp).
  bool mediumMix = false;
};

// Writes the model with weights drawn uniformly from +-1/sqrt(fan-in) (norm
// weights near 1) by a generator seeded with `seed`: the same arguments give
// the same file. Throws std::invalid_argument for an unsupported type or
// inconsistent shape, std::runtime_error when the file cannot be written.
void writeSyntheticModel(const SyntheticModelShape& shape, uint64_t seed,
                         const std::filesystem::path& path);

} // namespace ws::core
