#pragma once
// Edited copies of the tiny reference model for the inference tests.
#include "core/gguf.h"
#include "core/gguf_writer.h"
#include "tests/test_paths.h"

#include <functional>
#include <string>

namespace ws::test {

inline std::filesystem::path tinyLlamaF32() {
  return testdataDir() / "models" / "tiny-random-llama-f32.gguf";
}

inline std::filesystem::path tinyQwen3MoeF16() {
  return testdataDir() / "models" / "tiny-random-qwen3moe-f16.gguf";
}

// Writes outputDir()/name: the model at `sourcePath` with `editMetadata`
// applied to the writer after the original keys are set, and each tensor kept
// unless `editTensor` returns false (it may add its own replacement).
inline std::filesystem::path
editedModel(const std::filesystem::path& sourcePath, const std::string& name,
            const std::function<bool(const core::GgufTensorInfo&, core::GgufWriter&)>& editTensor,
            const std::function<void(core::GgufWriter&)>& editMetadata = {}) {
  const core::GgufFile source = core::GgufFile::open(sourcePath);
  core::GgufWriter writer;
  for (const auto& kv : source.metadata()) {
    writer.set(kv.key, kv.value);
  }
  if (editMetadata) {
    editMetadata(writer);
  }
  for (const auto& tensor : source.tensors()) {
    if (!editTensor || editTensor(tensor, writer)) {
      writer.addTensor(tensor.name, tensor.type, tensor.dims,
                       {tensor.data, static_cast<size_t>(tensor.byteSize)});
    }
  }
  const auto path = outputDir() / name;
  writer.write(path);
  return path;
}

// editedModel of the tiny F32 llama.
inline std::filesystem::path editedTinyLlama(
    const std::string& name,
    const std::function<bool(const core::GgufTensorInfo&, core::GgufWriter&)>& editTensor,
    const std::function<void(core::GgufWriter&)>& editMetadata = {}) {
  return editedModel(tinyLlamaF32(), name, editTensor, editMetadata);
}

} // namespace ws::test
