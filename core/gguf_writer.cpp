#include "core/gguf_writer.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace ws::core {
namespace {

constexpr uint32_t kVersion = 3;
constexpr uint64_t kDefaultAlignment = 32;

// Serialises into a byte buffer in GGUF's little-endian encoding.
class ByteSink {
public:
  template <typename T> void scalar(T value) {
    const auto* p = reinterpret_cast<const std::byte*>(&value);
    m_bytes.insert(m_bytes.end(), p, p + sizeof(T));
  }
  void string(const std::string& s) {
    scalar<uint64_t>(s.size());
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    m_bytes.insert(m_bytes.end(), p, p + s.size());
  }
  void value(const GgufValue& v) {
    switch (v.type()) {
    case GgufValueType::UInt8:
      return scalar(static_cast<uint8_t>(v.asUInt()));
    case GgufValueType::Int8:
      return scalar(static_cast<int8_t>(v.asInt()));
    case GgufValueType::UInt16:
      return scalar(static_cast<uint16_t>(v.asUInt()));
    case GgufValueType::Int16:
      return scalar(static_cast<int16_t>(v.asInt()));
    case GgufValueType::UInt32:
      return scalar(static_cast<uint32_t>(v.asUInt()));
    case GgufValueType::Int32:
      return scalar(static_cast<int32_t>(v.asInt()));
    case GgufValueType::Float32:
      return scalar(static_cast<float>(v.asFloat()));
    case GgufValueType::Bool:
      return scalar(static_cast<uint8_t>(v.asBool() ? 1 : 0));
    case GgufValueType::String:
      return string(v.asString());
    case GgufValueType::Array: {
      const auto& a = v.asArray();
      scalar(static_cast<uint32_t>(a.elementType));
      scalar<uint64_t>(a.items.size());
      for (const auto& item : a.items) {
        value(item);
      }
      return;
    }
    case GgufValueType::UInt64:
      return scalar(v.asUInt());
    case GgufValueType::Int64:
      return scalar(v.asInt());
    case GgufValueType::Float64:
      return scalar(v.asFloat());
    }
  }
  void padTo(uint64_t alignment) {
    while (m_bytes.size() % alignment != 0) {
      m_bytes.push_back(std::byte{0});
    }
  }
  std::vector<std::byte>& bytes() { return m_bytes; }

private:
  std::vector<std::byte> m_bytes;
};

uint64_t alignUp(uint64_t n, uint64_t alignment) {
  return (n + alignment - 1) / alignment * alignment;
}

} // namespace

void GgufWriter::set(const std::string& key, GgufValue value) {
  if (key == "general.alignment") {
    const uint64_t a = value.type() == GgufValueType::UInt32 ? value.asUInt() : 0;
    if (a == 0 || (a & (a - 1)) != 0) {
      throw std::invalid_argument("general.alignment must be a UINT32 power of two");
    }
  }
  for (auto& [existing, v] : m_metadata) {
    if (existing == key) {
      v = std::move(value);
      return;
    }
  }
  m_metadata.emplace_back(key, std::move(value));
}

void GgufWriter::setString(const std::string& key, std::string value) {
  set(key, GgufValue::string(std::move(value)));
}
void GgufWriter::setUInt32(const std::string& key, uint32_t value) {
  set(key, GgufValue::unsignedInt(GgufValueType::UInt32, value));
}
void GgufWriter::setInt32(const std::string& key, int32_t value) {
  set(key, GgufValue::signedInt(GgufValueType::Int32, value));
}
void GgufWriter::setUInt64(const std::string& key, uint64_t value) {
  set(key, GgufValue::unsignedInt(GgufValueType::UInt64, value));
}
void GgufWriter::setFloat32(const std::string& key, float value) {
  set(key, GgufValue::floating(GgufValueType::Float32, value));
}
void GgufWriter::setBool(const std::string& key, bool value) {
  set(key, GgufValue::boolean(value));
}

void GgufWriter::setStringArray(const std::string& key, const std::vector<std::string>& values) {
  std::vector<GgufValue> items;
  items.reserve(values.size());
  for (const auto& v : values) {
    items.push_back(GgufValue::string(v));
  }
  set(key, GgufValue::array(GgufValueType::String, std::move(items)));
}

void GgufWriter::setFloat32Array(const std::string& key, const std::vector<float>& values) {
  std::vector<GgufValue> items;
  items.reserve(values.size());
  for (float v : values) {
    items.push_back(GgufValue::floating(GgufValueType::Float32, v));
  }
  set(key, GgufValue::array(GgufValueType::Float32, std::move(items)));
}

void GgufWriter::setInt32Array(const std::string& key, const std::vector<int32_t>& values) {
  std::vector<GgufValue> items;
  items.reserve(values.size());
  for (int32_t v : values) {
    items.push_back(GgufValue::signedInt(GgufValueType::Int32, v));
  }
  set(key, GgufValue::array(GgufValueType::Int32, std::move(items)));
}

void GgufWriter::addTensor(const std::string& name, GgmlType type, std::vector<uint64_t> dims,
                           std::span<const std::byte> bytes) {
  if (name.empty() || dims.empty() || dims.size() > 4) {
    throw std::invalid_argument(
        fmt::format("tensor '{}' needs a name and 1 to 4 dimensions", name));
  }
  for (const auto& t : m_tensors) {
    if (t.name == name) {
      throw std::invalid_argument(fmt::format("duplicate tensor name '{}'", name));
    }
  }
  uint64_t expected = rowBytes(type, dims[0]);
  for (size_t i = 1; i < dims.size(); ++i) {
    expected *= dims[i];
  }
  if (expected != bytes.size()) {
    throw std::invalid_argument(
        fmt::format("tensor '{}' has {} bytes, its shape needs {}", name, bytes.size(), expected));
  }
  m_tensors.push_back({name, type, std::move(dims), {bytes.begin(), bytes.end()}});
}

void GgufWriter::addTensorF32(const std::string& name, std::vector<uint64_t> dims,
                              std::span<const float> values) {
  addTensor(name, GgmlType::F32, std::move(dims), std::as_bytes(values));
}

uint64_t GgufWriter::alignment() const {
  for (const auto& [key, v] : m_metadata) {
    if (key == "general.alignment") {
      return v.asUInt();
    }
  }
  return kDefaultAlignment;
}

void GgufWriter::write(const std::filesystem::path& path) const {
  const uint64_t align = alignment();
  ByteSink sink;
  sink.bytes().insert(sink.bytes().end(),
                      {std::byte{'G'}, std::byte{'G'}, std::byte{'U'}, std::byte{'F'}});
  sink.scalar(kVersion);
  sink.scalar<uint64_t>(m_tensors.size());
  sink.scalar<uint64_t>(m_metadata.size());
  for (const auto& [key, value] : m_metadata) {
    sink.string(key);
    sink.scalar(static_cast<uint32_t>(value.type()));
    sink.value(value);
  }
  uint64_t offset = 0;
  for (const auto& t : m_tensors) {
    sink.string(t.name);
    sink.scalar<uint32_t>(static_cast<uint32_t>(t.dims.size()));
    for (uint64_t d : t.dims) {
      sink.scalar(d);
    }
    sink.scalar(static_cast<uint32_t>(t.type));
    sink.scalar(offset);
    offset = alignUp(offset + t.bytes.size(), align);
  }
  sink.padTo(align);
  for (const auto& t : m_tensors) {
    sink.bytes().insert(sink.bytes().end(), t.bytes.begin(), t.bytes.end());
    sink.padTo(align);
  }

  // Write beside the target, then rename: readers see the old file or the new one.
  std::filesystem::path temp = path;
  temp += fmt::format(".tmp{}", ::getpid());
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (f == nullptr) {
    throw std::runtime_error(
        fmt::format("{}: cannot write: {}", temp.string(), std::strerror(errno)));
  }
  const auto& bytes = sink.bytes();
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size() &&
                  std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  const int err = errno;
  if (std::fclose(f) != 0 || !ok) {
    std::filesystem::remove(temp);
    throw std::runtime_error(
        fmt::format("{}: write failed: {}", path.string(), std::strerror(ok ? errno : err)));
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::filesystem::remove(temp);
    throw std::runtime_error(
        fmt::format("{}: cannot rename into place: {}", path.string(), ec.message()));
  }
}

} // namespace ws::core
