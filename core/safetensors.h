#pragma once
// safetensors reader: u64 little-endian header length, a JSON header mapping
// tensor names to {dtype, shape, data_offsets} (plus optional "__metadata__"
// of string values), then the data. Memory-mapped, bounds-checked; malformed
// files throw FormatError. Sharded checkpoints are read through their
// model.safetensors.index.json ("weight_map": tensor name -> shard file).
#include "core/ggml_type.h"
#include "core/mapped_file.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ws::core {

struct SafetensorsTensor {
  std::string name;
  std::string dtype;                // as in the header: "F32", "BF16", "I64", ...
  std::optional<GgmlType> ggmlType; // F32/F16/BF16 (and F64/I8..I64); nullopt for others
  std::vector<uint64_t> shape;      // row-major: shape.back() is contiguous
  uint64_t byteSize = 0;
  const std::byte* data = nullptr; // into the mapping
  std::filesystem::path file;      // the shard holding it

  uint64_t elementCount() const;
};

// Bytes per element of a safetensors dtype ("F32" -> 4, "F8_E4M3" -> 1), or
// nullopt for a dtype this reader does not know.
std::optional<uint64_t> safetensorsDtypeBytes(std::string_view dtype);

class SafetensorsFile {
public:
  static SafetensorsFile open(const std::filesystem::path& path);

  SafetensorsFile(SafetensorsFile&&) noexcept = default;
  SafetensorsFile& operator=(SafetensorsFile&&) noexcept = default;

  const std::filesystem::path& path() const { return m_file.path(); }
  const std::map<std::string, std::string>& metadata() const { return m_metadata; }
  const std::vector<SafetensorsTensor>& tensors() const { return m_tensors; }
  const SafetensorsTensor* findTensor(std::string_view name) const;

private:
  SafetensorsFile() = default;
  MappedFile m_file;
  std::map<std::string, std::string> m_metadata;
  std::vector<SafetensorsTensor> m_tensors;
  std::unordered_map<std::string, size_t> m_index;
};

// One checkpoint: a single .safetensors file, a model.safetensors.index.json,
// or a directory holding either.
class SafetensorsModel {
public:
  static SafetensorsModel open(const std::filesystem::path& path);

  const std::vector<SafetensorsFile>& shards() const { return m_shards; }
  // Every tensor of every shard, in shard order.
  std::vector<const SafetensorsTensor*> tensors() const;
  const SafetensorsTensor* findTensor(std::string_view name) const;

private:
  std::vector<SafetensorsFile> m_shards;
};

} // namespace ws::core
