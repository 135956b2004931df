#pragma once
// Random-weight llama-family models written as GGUF files with llama.cpp's
// tensor names and metadata keys: for tests and benchmarks of the inference
// engine at any shape (e.g. Qwen2.5-Coder-0.5B's) without shipping weights.
#include "core/ggml_type.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace ws::core {

struct SyntheticModelShape {
  std::string architecture = "llama"; // llama, mistral or qwen2 (qwen2 adds Q/K/V biases)
  int layers = 2;
  int hiddenSize = 64;
  int heads = 4;
  int kvHeads = 2;
  int ffnSize = 192;
  int vocabSize = 256;
  int contextLength = 512;
  float ropeTheta = 10000.0f;
  float rmsNormEps = 1e-6f;
  bool tiedEmbeddings = true;
  GgmlType matrixType = GgmlType::F32; // F32, F16 or Q8_0; norms and biases are F32
};

// Writes the model with weights drawn uniformly from +-1/sqrt(fan-in) (norm
// weights near 1) by a generator seeded with `seed`: the same arguments give
// the same file. Throws std::invalid_argument for an unsupported type or
// inconsistent shape, std::runtime_error when the file cannot be written.
void writeSyntheticModel(const SyntheticModelShape& shape, uint64_t seed,
                         const std::filesystem::path& path);

} // namespace ws::core
