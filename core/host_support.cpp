#include "core/host_support.h"

#include "core/llama_model.h"
#include "core/matvec.h"
#include "core/tokenizer.h"

#include <fmt/format.h>

#include <map>
#include <stdexcept>

namespace ws::core {

HostSupport hostSupport(const GgufFile& file) {
  HostSupport support;
  const std::string arch = file.findString("general.architecture").value_or("");
  if (!isInferenceArchitecture(arch)) {
    support.gaps.push_back(
        {"architecture", arch, fmt::format("supported: {}", inferenceArchitectures())});
  }
  // Matrices (2-D and 3-D tensors) the kernels cannot read, by type.
  std::map<std::string, int> unsupported;
  for (const auto& t : file.tensors()) {
    if (t.dims.size() >= 2 && !isMatvecSupported(t.type)) {
      ++unsupported[std::string(ggmlTypeName(t.type))];
    }
  }
  for (const auto& [type, count] : unsupported) {
    support.gaps.push_back({"tensor type", type,
                            fmt::format("{} tensor{}; supported: {}", count, count == 1 ? "" : "s",
                                        matvecTypeNames())});
  }
  try {
    Tokenizer::fromGguf(file);
  } catch (const std::exception& e) {
    const std::string message = e.what();
    const bool pre = message.find("pre-tokenizer") != std::string::npos;
    support.gaps.push_back({pre ? "pre-tokenizer" : "tokenizer",
                            pre ? file.findString("tokenizer.ggml.pre").value_or("") : "",
                            message});
  }
  if (support.gaps.empty()) {
    try {
      LlamaModel::load(file.path());
    } catch (const std::exception& e) {
      support.gaps.push_back({"model", "", e.what()});
    }
  }
  return support;
}

} // namespace ws::core
