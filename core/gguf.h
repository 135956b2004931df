#pragma once
// GGUF (v2 and v3) reader: the file is memory-mapped read-only; metadata is
// parsed into GgufValues and tensor data is left in place. Every read is
// bounds-checked: any malformed, truncated or hostile file throws FormatError
// naming the file, the byte offset and the problem.
//
// Layout (ggml docs/gguf.md): magic "GGUF", u32 version, u64 tensor count,
// u64 metadata count, metadata key/values, tensor infos (name, u32 n_dims,
// u64 dims[n_dims], u32 ggml type, u64 offset), padding to general.alignment
// (default 32), tensor data. All little-endian.
#include "core/ggml_type.h"
#include "core/mapped_file.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace ws::core {

// The metadata value types with their ids in the file.
enum class GgufValueType : uint32_t {
  UInt8 = 0,
  Int8 = 1,
  UInt16 = 2,
  Int16 = 3,
  UInt32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  UInt64 = 10,
  Int64 = 11,
  Float64 = 12,
};

// "UINT8", "STRING", "ARRAY", ... as the GGUF spec names them.
std::string_view ggufValueTypeName(GgufValueType type);

// One metadata value: a scalar, a string or an array (whose elements all share
// one type, possibly arrays themselves). The exact stored type is kept so a
// value written back is byte-identical.
class GgufValue {
public:
  struct Array {
    GgufValueType elementType = GgufValueType::UInt8;
    std::vector<GgufValue> items;
    bool operator==(const Array& other) const;
  };

  // Factories check the type matches the kind of value (std::invalid_argument).
  static GgufValue unsignedInt(GgufValueType type, uint64_t value); // UInt8..UInt64
  static GgufValue signedInt(GgufValueType type, int64_t value);    // Int8..Int64
  static GgufValue floating(GgufValueType type, double value);      // Float32/64
  static GgufValue boolean(bool value);
  static GgufValue string(std::string value);
  static GgufValue array(GgufValueType elementType, std::vector<GgufValue> items);

  GgufValueType type() const { return m_type; }
  bool isUnsigned() const;
  bool isSigned() const;
  bool isInteger() const { return isUnsigned() || isSigned(); }
  bool isFloat() const;
  bool isString() const { return m_type == GgufValueType::String; }
  bool isArray() const { return m_type == GgufValueType::Array; }

  // Typed accessors. They throw std::runtime_error (naming both types) when the
  // value is of another kind: asUInt/asInt accept any integer that fits,
  // asFloat any number, asBool only Bool.
  uint64_t asUInt() const;
  int64_t asInt() const;
  double asFloat() const;
  bool asBool() const;
  const std::string& asString() const;
  const Array& asArray() const;

  // A short human-readable rendering; arrays longer than maxItems are
  // summarised as "[a, b, c, ... (N items of TYPE)]".
  std::string toDisplayString(size_t maxItems = 8) const;

  bool operator==(const GgufValue& other) const;

private:
  GgufValueType m_type = GgufValueType::UInt8;
  std::variant<uint64_t, int64_t, double, bool, std::string, Array> m_value;
};

struct GgufKeyValue {
  std::string key;
  GgufValue value;
  uint64_t offset = 0; // byte offset of the key in the file
};

struct GgufTensorInfo {
  std::string name;
  std::vector<uint64_t> dims; // ggml order: dims[0] is the contiguous (row) length
  GgmlType type = GgmlType::F32;
  uint64_t offset = 0;             // relative to the start of the tensor data section
  uint64_t byteSize = 0;           // rowBytes(type, dims[0]) * product of the other dims
  const std::byte* data = nullptr; // into the mapping; valid while the GgufFile lives

  uint64_t elementCount() const;
};

class GgufFile {
public:
  // Maps and parses the file. Throws FormatError for anything malformed.
  static GgufFile open(const std::filesystem::path& path);

  GgufFile(GgufFile&&) noexcept = default;
  GgufFile& operator=(GgufFile&&) noexcept = default;
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  const std::filesystem::path& path() const { return m_file.path(); }
  uint64_t fileSize() const { return m_file.size(); }
  uint32_t version() const { return m_version; }
  uint64_t alignment() const { return m_alignment; }
  uint64_t dataOffset() const { return m_dataOffset; } // start of the tensor data section

  const std::vector<GgufKeyValue>& metadata() const { return m_metadata; }
  const GgufValue* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }

  // Getters throw FormatError (naming the key and its offset) when the key is
  // missing or holds another kind of value; the optional variants return
  // nullopt when the key is missing but still throw on a wrong kind.
  std::string getString(std::string_view key) const;
  uint64_t getUInt(std::string_view key) const;
  int64_t getInt(std::string_view key) const;
  double getFloat(std::string_view key) const;
  bool getBool(std::string_view key) const;
  std::optional<std::string> findString(std::string_view key) const;
  std::optional<uint64_t> findUInt(std::string_view key) const;
  std::optional<int64_t> findInt(std::string_view key) const;
  std::optional<double> findFloat(std::string_view key) const;
  std::optional<bool> findBool(std::string_view key) const;
  // Arrays (e.g. tokenizer.ggml.tokens / scores / token_type / merges): the
  // key must be an array of strings / numbers / integers fitting int32.
  std::vector<std::string> getStringArray(std::string_view key) const;
  std::vector<float> getFloatArray(std::string_view key) const;
  std::vector<int32_t> getIntArray(std::string_view key) const;

  const std::vector<GgufTensorInfo>& tensors() const { return m_tensors; }
  const GgufTensorInfo* findTensor(std::string_view name) const;

private:
  GgufFile() = default;
  const GgufKeyValue& entry(std::string_view key) const;
  const GgufKeyValue* findEntry(std::string_view key) const;
  [[noreturn]] void wrongKind(const GgufKeyValue& kv, std::string_view expected) const;

  MappedFile m_file;
  uint32_t m_version = 0;
  uint64_t m_alignment = 32;
  uint64_t m_dataOffset = 0;
  std::vector<GgufKeyValue> m_metadata;
  std::unordered_map<std::string, size_t> m_metadataIndex;
  std::vector<GgufTensorInfo> m_tensors;
  std::unordered_map<std::string, size_t> m_tensorIndex;

  friend class GgufParser;
};

} // namespace ws::core
