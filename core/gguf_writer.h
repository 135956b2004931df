#pragma once
// Writes GGUF v3 files: metadata of every type and tensors, aligned to
// general.alignment (default 32). The file is written to a temporary beside
// the target and renamed into place, so readers never see a partial file.
#include "core/gguf.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace ws::core {

class GgufWriter {
public:
  // Sets (or replaces, keeping its position) a metadata key.
  void set(const std::string& key, GgufValue value);
  void setString(const std::string& key, std::string value);
  void setUInt32(const std::string& key, uint32_t value);
  void setInt32(const std::string& key, int32_t value);
  void setUInt64(const std::string& key, uint64_t value);
  void setFloat32(const std::string& key, float value);
  void setBool(const std::string& key, bool value);
  void setStringArray(const std::string& key, const std::vector<std::string>& values);
  void setFloat32Array(const std::string& key, const std::vector<float>& values);
  void setInt32Array(const std::string& key, const std::vector<int32_t>& values);

  // Adds a tensor; dims in ggml order (dims[0] contiguous). bytes must hold
  // exactly rowBytes(type, dims[0]) * (product of the other dims) bytes.
  // Throws std::invalid_argument for a duplicate name or a size mismatch.
  void addTensor(const std::string& name, GgmlType type, std::vector<uint64_t> dims,
                 std::span<const std::byte> bytes);
  // Convenience: an F32 tensor from floats.
  void addTensorF32(const std::string& name, std::vector<uint64_t> dims,
                    std::span<const float> values);

  // Writes the file (temp file + rename). Throws std::runtime_error naming the
  // path on I/O failure.
  void write(const std::filesystem::path& path) const;

private:
  struct PendingTensor {
    std::string name;
    GgmlType type;
    std::vector<uint64_t> dims;
    std::vector<std::byte> bytes;
  };
  uint64_t alignment() const;

  std::vector<std::pair<std::string, GgufValue>> m_metadata;
  std::vector<PendingTensor> m_tensors;
};

} // namespace ws::core
