#pragma once
// Writes a GGUF model file from a .safetensors checkpoint whose tensors
// already carry llama.cpp's GGUF names (plus a JSON sidecar holding the GGUF
// metadata), or re-encodes an existing GGUF file to another weight type.
//
// Tensor types follow llama.cpp's converter and quantiser: 1-D tensors (norm
// weights, biases) stay F32; matrices take the requested type, or F32 when
// their row length is not a multiple of the type's block size. A tensor
// already stored in its target type is copied byte for byte, so F16 -> F16
// and F16 -> F32 are lossless.
//
// Metadata sidecar (JSON):
//   {"metadata": [
//     {"key": "general.architecture", "type": "string", "value": "llama"},
//     {"key": "llama.block_count", "type": "uint32", "value": 4},
//     {"key": "tokenizer.ggml.scores", "type": "array", "element_type": "float32",
//      "value": [0.0, -1.0]}, ...]}
// type / element_type: uint8 int8 uint16 int16 uint32 int32 uint64 int64
// float32 float64 bool string, and array (of one of those).
#include "core/ggml_type.h"
#include "core/gguf.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ws::core {

using GgufMetadata = std::vector<std::pair<std::string, GgufValue>>;

// Reads a metadata sidecar. Throws FormatError naming the file and the entry
// for broken JSON, an unknown type or a value that does not fit its type.
GgufMetadata readGgufMetadataSidecar(const std::filesystem::path& path);

// The weight types a conversion may target: F32, F16, BF16, Q8_0.
bool isConvertTarget(GgmlType type);

// The type a tensor of these ggml-order dims is written in for `target`.
GgmlType convertedTensorType(GgmlType target, const std::vector<uint64_t>& dims);

// llama.cpp's general.file_type (llama_ftype) for a whole-file target type.
uint32_t llamaFileType(GgmlType target);

struct ConvertRequest {
  std::filesystem::path input;                   // .safetensors (file, index or directory) or .gguf
  std::optional<std::filesystem::path> metadata; // required for safetensors input
  GgmlType target = GgmlType::F16;
  std::filesystem::path output;
};

struct ConvertResult {
  size_t tensorCount = 0;
  uint64_t outputBytes = 0;
};

// Converts request.input into request.output. For GGUF input the file's own
// metadata is kept and sidecar entries replace or add keys; general.file_type
// and general.quantization_version are set for the new file. Throws
// FormatError (bad input file) or std::invalid_argument (bad request).
ConvertResult convertModel(const ConvertRequest& request);

} // namespace ws::core
