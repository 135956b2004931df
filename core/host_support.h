#pragma once
// Whether a GGUF file runs on the host (LlamaModel + InferenceContext +
// Tokenizer) and, when not, exactly what is missing: the architecture, the
// tensor types the matvec kernels lack, the tokenizer or pre-tokenizer, or
// another problem the loader names (a missing or mis-shaped tensor, a bad key).
#include "core/gguf.h"

#include <string>
#include <vector>

namespace ws::core {

struct HostSupportGap {
  std::string what;   // "architecture", "tensor type", "pre-tokenizer", "tokenizer", "model"
  std::string name;   // the architecture, type or pre-tokenizer name ("" for "model")
  std::string detail; // one line: what is supported, how many tensors, the loader's message
};

struct HostSupport {
  std::vector<HostSupportGap> gaps; // empty: the model runs

  bool runs() const { return gaps.empty(); }
};

// Checks the architecture and tensor types first (so every unsupported type is
// listed, not only the first the loader meets), then the tokenizer, and when
// those pass loads the model to catch anything else.
HostSupport hostSupport(const GgufFile& file);

} // namespace ws::core
