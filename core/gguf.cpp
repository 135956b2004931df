#include "core/gguf.h"

#include "core/format_error.h"
#include "core/utf8.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>

namespace ws::core {
namespace {

constexpr uint64_t kDefaultAlignment = 32;
constexpr uint32_t kMaxDims = 4;                 // GGML_MAX_DIMS
constexpr int kMaxArrayNesting = 16;             // deeper nesting is hostile, not data
constexpr uint64_t kMaxArrayElements = 1u << 23; // all metadata arrays together

bool isValidValueType(uint32_t id) {
  return id <= static_cast<uint32_t>(GgufValueType::Float64);
}

// Bytes one element of the type takes at least in the file (for capping
// counts by the bytes left before allocating anything).
uint64_t minEncodedSize(GgufValueType type) {
  switch (type) {
  case GgufValueType::UInt8:
  case GgufValueType::Int8:
  case GgufValueType::Bool:
    return 1;
  case GgufValueType::UInt16:
  case GgufValueType::Int16:
    return 2;
  case GgufValueType::UInt32:
  case GgufValueType::Int32:
  case GgufValueType::Float32:
    return 4;
  case GgufValueType::UInt64:
  case GgufValueType::Int64:
  case GgufValueType::Float64:
  case GgufValueType::String:
    return 8;
  case GgufValueType::Array:
    return 12;
  }
  return 1;
}

} // namespace

// ---------------------------------------------------------------- GgufValue

std::string_view ggufValueTypeName(GgufValueType type) {
  switch (type) {
  case GgufValueType::UInt8:
    return "UINT8";
  case GgufValueType::Int8:
    return "INT8";
  case GgufValueType::UInt16:
    return "UINT16";
  case GgufValueType::Int16:
    return "INT16";
  case GgufValueType::UInt32:
    return "UINT32";
  case GgufValueType::Int32:
    return "INT32";
  case GgufValueType::Float32:
    return "FLOAT32";
  case GgufValueType::Bool:
    return "BOOL";
  case GgufValueType::String:
    return "STRING";
  case GgufValueType::Array:
    return "ARRAY";
  case GgufValueType::UInt64:
    return "UINT64";
  case GgufValueType::Int64:
    return "INT64";
  case GgufValueType::Float64:
    return "FLOAT64";
  }
  return "UNKNOWN";
}

GgufValue GgufValue::unsignedInt(GgufValueType type, uint64_t value) {
  GgufValue v;
  v.m_type = type;
  if (!v.isUnsigned()) {
    throw std::invalid_argument("GgufValue::unsignedInt needs an unsigned type, got " +
                                std::string(ggufValueTypeName(type)));
  }
  v.m_value = value;
  return v;
}

GgufValue GgufValue::signedInt(GgufValueType type, int64_t value) {
  GgufValue v;
  v.m_type = type;
  if (!v.isSigned()) {
    throw std::invalid_argument("GgufValue::signedInt needs a signed type, got " +
                                std::string(ggufValueTypeName(type)));
  }
  v.m_value = value;
  return v;
}

GgufValue GgufValue::floating(GgufValueType type, double value) {
  GgufValue v;
  v.m_type = type;
  if (!v.isFloat()) {
    throw std::invalid_argument("GgufValue::floating needs a float type, got " +
                                std::string(ggufValueTypeName(type)));
  }
  v.m_value = value;
  return v;
}

GgufValue GgufValue::boolean(bool value) {
  GgufValue v;
  v.m_type = GgufValueType::Bool;
  v.m_value = value;
  return v;
}

GgufValue GgufValue::string(std::string value) {
  GgufValue v;
  v.m_type = GgufValueType::String;
  v.m_value = std::move(value);
  return v;
}

GgufValue GgufValue::array(GgufValueType elementType, std::vector<GgufValue> items) {
  for (const auto& item : items) {
    if (item.type() != elementType) {
      throw std::invalid_argument("GgufValue::array: an element of type " +
                                  std::string(ggufValueTypeName(item.type())) + " in an array of " +
                                  std::string(ggufValueTypeName(elementType)));
    }
  }
  GgufValue v;
  v.m_type = GgufValueType::Array;
  v.m_value = Array{elementType, std::move(items)};
  return v;
}

bool GgufValue::isUnsigned() const {
  return m_type == GgufValueType::UInt8 || m_type == GgufValueType::UInt16 ||
         m_type == GgufValueType::UInt32 || m_type == GgufValueType::UInt64;
}

bool GgufValue::isSigned() const {
  return m_type == GgufValueType::Int8 || m_type == GgufValueType::Int16 ||
         m_type == GgufValueType::Int32 || m_type == GgufValueType::Int64;
}

bool GgufValue::isFloat() const {
  return m_type == GgufValueType::Float32 || m_type == GgufValueType::Float64;
}

namespace {
[[noreturn]] void throwKind(GgufValueType actual, std::string_view expected) {
  throw std::runtime_error("value is " + std::string(ggufValueTypeName(actual)) + ", expected " +
                           std::string(expected));
}
} // namespace

uint64_t GgufValue::asUInt() const {
  if (isUnsigned()) {
    return std::get<uint64_t>(m_value);
  }
  if (isSigned() && std::get<int64_t>(m_value) >= 0) {
    return static_cast<uint64_t>(std::get<int64_t>(m_value));
  }
  throwKind(m_type, "a non-negative integer");
}

int64_t GgufValue::asInt() const {
  if (isSigned()) {
    return std::get<int64_t>(m_value);
  }
  if (isUnsigned() &&
      std::get<uint64_t>(m_value) <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return static_cast<int64_t>(std::get<uint64_t>(m_value));
  }
  throwKind(m_type, "an integer fitting INT64");
}

double GgufValue::asFloat() const {
  if (isFloat()) {
    return std::get<double>(m_value);
  }
  if (isUnsigned()) {
    return static_cast<double>(std::get<uint64_t>(m_value));
  }
  if (isSigned()) {
    return static_cast<double>(std::get<int64_t>(m_value));
  }
  throwKind(m_type, "a number");
}

bool GgufValue::asBool() const {
  if (m_type != GgufValueType::Bool) {
    throwKind(m_type, "BOOL");
  }
  return std::get<bool>(m_value);
}

const std::string& GgufValue::asString() const {
  if (m_type != GgufValueType::String) {
    throwKind(m_type, "STRING");
  }
  return std::get<std::string>(m_value);
}

const GgufValue::Array& GgufValue::asArray() const {
  if (m_type != GgufValueType::Array) {
    throwKind(m_type, "ARRAY");
  }
  return std::get<Array>(m_value);
}

std::string GgufValue::toDisplayString(size_t maxItems) const {
  switch (m_type) {
  case GgufValueType::Bool:
    return asBool() ? "true" : "false";
  case GgufValueType::String: {
    std::string quoted = "\"";
    for (char c : asString()) {
      if (c == '\n') {
        quoted += "\\n";
      } else if (c == '"' || c == '\\') {
        quoted += '\\';
        quoted += c;
      } else {
        quoted += c;
      }
    }
    return quoted + "\"";
  }
  case GgufValueType::Array: {
    const Array& a = asArray();
    std::string text = "[";
    const size_t shown = std::min(maxItems, a.items.size());
    for (size_t i = 0; i < shown; ++i) {
      text += (i ? ", " : "") + a.items[i].toDisplayString(maxItems);
    }
    if (shown < a.items.size()) {
      text +=
          fmt::format(", ... ({} items of {})", a.items.size(), ggufValueTypeName(a.elementType));
    }
    return text + "]";
  }
  case GgufValueType::Float32:
  case GgufValueType::Float64:
    return fmt::format("{}", asFloat());
  default:
    return isSigned() ? std::to_string(asInt()) : std::to_string(asUInt());
  }
}

bool GgufValue::Array::operator==(const Array& other) const {
  return elementType == other.elementType && items == other.items;
}

bool GgufValue::operator==(const GgufValue& other) const {
  return m_type == other.m_type && m_value == other.m_value;
}

uint64_t GgufTensorInfo::elementCount() const {
  uint64_t n = 1;
  for (uint64_t d : dims) {
    n *= d;
  }
  return n;
}

// ---------------------------------------------------------------- parsing

class GgufParser {
public:
  GgufParser(GgufFile& file)
      : m_out(file), m_data(reinterpret_cast<const uint8_t*>(file.m_file.data())),
        m_size(file.m_file.size()) {}

  void parse() {
    if (m_size < 4 || std::memcmp(m_data, "GGUF", 4) != 0) {
      fail(0, "not a GGUF file (bad magic)");
    }
    m_pos = 4;
    const uint32_t version = readU32("version");
    if (version == 1) {
      fail(4, "GGUF version 1 is not supported (only 2 and 3)");
    }
    if (version != 2 && version != 3) {
      if ((version & 0xFFFF) == 0 && (version >> 24) <= 3) {
        fail(4, "big-endian GGUF is not supported");
      }
      fail(4, fmt::format("unsupported GGUF version {}", version));
    }
    m_out.m_version = version;
    const uint64_t tensorCountOffset = m_pos;
    const uint64_t tensorCount = readU64("tensor count");
    const uint64_t kvCountOffset = m_pos;
    const uint64_t kvCount = readU64("metadata count");
    // Smallest possible encodings: a key/value is 8 + 4 + 1 bytes, a tensor
    // info 8 + 4 + 4 + 8 bytes. Larger counts cannot fit in the file.
    if (kvCount > remaining() / 13) {
      fail(kvCountOffset,
           fmt::format("metadata count {} cannot fit in the {} bytes left", kvCount, remaining()));
    }
    if (tensorCount > remaining() / 24) {
      fail(tensorCountOffset, fmt::format("tensor count {} cannot fit in the {} bytes left",
                                          tensorCount, remaining()));
    }
    m_out.m_metadata.reserve(kvCount);
    for (uint64_t i = 0; i < kvCount; ++i) {
      readKeyValue();
    }
    readAlignment();
    m_out.m_tensors.reserve(tensorCount);
    for (uint64_t i = 0; i < tensorCount; ++i) {
      readTensorInfo();
    }
    const uint64_t alignment = m_out.m_alignment;
    uint64_t dataOffset = m_pos;
    if (dataOffset % alignment != 0) {
      dataOffset += alignment - dataOffset % alignment;
    }
    if (m_out.m_tensors.empty()) {
      dataOffset = std::min(dataOffset, m_size); // files without tensors may end unpadded
    }
    if (dataOffset > m_size) {
      fail(m_pos, "file ends before the tensor data section");
    }
    m_out.m_dataOffset = dataOffset;
    const uint64_t dataBytes = m_size - dataOffset;
    for (size_t i = 0; i < m_out.m_tensors.size(); ++i) {
      GgufTensorInfo& t = m_out.m_tensors[i];
      if (t.offset > dataBytes || t.byteSize > dataBytes - t.offset) {
        fail(m_tensorInfoOffsets[i],
             fmt::format("tensor '{}' data [{}, +{}) runs past the end of the file ({} data bytes)",
                         t.name, t.offset, t.byteSize, dataBytes));
      }
      t.data = m_out.m_file.data() + dataOffset + t.offset;
    }
  }

private:
  [[noreturn]] void fail(uint64_t offset, const std::string& problem) const {
    throw FormatError(m_out.path(), offset, problem);
  }

  uint64_t remaining() const { return m_size - m_pos; }

  void need(uint64_t bytes, std::string_view what) const {
    if (bytes > remaining()) {
      fail(m_pos, fmt::format("truncated: {} needs {} bytes, {} left", what, bytes, remaining()));
    }
  }

  template <typename T> T readScalar(std::string_view what) {
    need(sizeof(T), what);
    T value;
    std::memcpy(&value, m_data + m_pos, sizeof(T)); // GGUF is little-endian, as is the host
    m_pos += sizeof(T);
    return value;
  }
  uint32_t readU32(std::string_view what) { return readScalar<uint32_t>(what); }
  uint64_t readU64(std::string_view what) { return readScalar<uint64_t>(what); }

  std::string readString(std::string_view what) {
    const uint64_t start = m_pos;
    const uint64_t length = readU64(what);
    if (length > remaining()) {
      fail(start, fmt::format("{} length {} exceeds the {} bytes left", what, length, remaining()));
    }
    std::string text(reinterpret_cast<const char*>(m_data + m_pos), length);
    if (auto bad = findInvalidUtf8(text)) {
      fail(m_pos + *bad, fmt::format("{} is not valid UTF-8", what));
    }
    m_pos += length;
    return text;
  }

  GgufValueType readValueType(std::string_view what) {
    const uint64_t start = m_pos;
    const uint32_t id = readU32(what);
    if (!isValidValueType(id)) {
      fail(start, fmt::format("unknown {} {}", what, id));
    }
    return static_cast<GgufValueType>(id);
  }

  GgufValue readValue(GgufValueType type, int depth) {
    switch (type) {
    case GgufValueType::UInt8:
      return GgufValue::unsignedInt(type, readScalar<uint8_t>("UINT8 value"));
    case GgufValueType::Int8:
      return GgufValue::signedInt(type, readScalar<int8_t>("INT8 value"));
    case GgufValueType::UInt16:
      return GgufValue::unsignedInt(type, readScalar<uint16_t>("UINT16 value"));
    case GgufValueType::Int16:
      return GgufValue::signedInt(type, readScalar<int16_t>("INT16 value"));
    case GgufValueType::UInt32:
      return GgufValue::unsignedInt(type, readScalar<uint32_t>("UINT32 value"));
    case GgufValueType::Int32:
      return GgufValue::signedInt(type, readScalar<int32_t>("INT32 value"));
    case GgufValueType::Float32:
      return GgufValue::floating(type, readScalar<float>("FLOAT32 value"));
    case GgufValueType::UInt64:
      return GgufValue::unsignedInt(type, readScalar<uint64_t>("UINT64 value"));
    case GgufValueType::Int64:
      return GgufValue::signedInt(type, readScalar<int64_t>("INT64 value"));
    case GgufValueType::Float64:
      return GgufValue::floating(type, readScalar<double>("FLOAT64 value"));
    case GgufValueType::Bool: {
      const uint64_t start = m_pos;
      const auto b = readScalar<uint8_t>("BOOL value");
      if (b > 1) {
        fail(start, fmt::format("BOOL value {} is neither 0 nor 1", b));
      }
      return GgufValue::boolean(b != 0);
    }
    case GgufValueType::String:
      return GgufValue::string(readString("string value"));
    case GgufValueType::Array:
      return readArray(depth);
    }
    fail(m_pos, "unknown value type");
  }

  GgufValue readArray(int depth) {
    const uint64_t start = m_pos;
    if (depth >= kMaxArrayNesting) {
      fail(start, fmt::format("arrays nested deeper than {}", kMaxArrayNesting));
    }
    const GgufValueType elementType = readValueType("array element type");
    const uint64_t countOffset = m_pos;
    const uint64_t count = readU64("array length");
    if (count > remaining() / minEncodedSize(elementType)) {
      fail(countOffset, fmt::format("array of {} {} cannot fit in the {} bytes left", count,
                                    ggufValueTypeName(elementType), remaining()));
    }
    m_arrayElements += count;
    if (m_arrayElements > kMaxArrayElements) {
      fail(countOffset,
           fmt::format("metadata arrays hold more than {} elements in all", kMaxArrayElements));
    }
    std::vector<GgufValue> items;
    items.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      items.push_back(readValue(elementType, depth + 1));
    }
    return GgufValue::array(elementType, std::move(items));
  }

  void readKeyValue() {
    const uint64_t start = m_pos;
    std::string key = readString("metadata key");
    if (key.empty()) {
      fail(start, "empty metadata key");
    }
    const GgufValueType type = readValueType("metadata value type");
    GgufValue value = readValue(type, 0);
    if (m_out.m_metadataIndex.count(key)) {
      fail(start, fmt::format("duplicate metadata key '{}'", key));
    }
    m_out.m_metadataIndex.emplace(key, m_out.m_metadata.size());
    m_out.m_metadata.push_back({std::move(key), std::move(value), start});
  }

  void readAlignment() {
    const GgufKeyValue* kv = m_out.findEntry("general.alignment");
    if (kv == nullptr) {
      m_out.m_alignment = kDefaultAlignment;
      return;
    }
    if (kv->value.type() != GgufValueType::UInt32) {
      fail(kv->offset, fmt::format("general.alignment is {}, expected UINT32",
                                   ggufValueTypeName(kv->value.type())));
    }
    const uint64_t alignment = kv->value.asUInt();
    if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
      fail(kv->offset,
           fmt::format("general.alignment {} is not a non-zero power of two", alignment));
    }
    m_out.m_alignment = alignment;
  }

  void readTensorInfo() {
    const uint64_t start = m_pos;
    GgufTensorInfo t;
    t.name = readString("tensor name");
    if (t.name.empty()) {
      fail(start, "empty tensor name");
    }
    const uint64_t dimsOffset = m_pos;
    const uint32_t nDims = readU32("tensor dimension count");
    if (nDims == 0 || nDims > kMaxDims) {
      fail(dimsOffset,
           fmt::format("tensor '{}' has {} dimensions (1 to {} allowed)", t.name, nDims, kMaxDims));
    }
    uint64_t elements = 1;
    for (uint32_t d = 0; d < nDims; ++d) {
      const uint64_t dimOffset = m_pos;
      const uint64_t dim = readU64("tensor dimension");
      if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
          (dim != 0 &&
           elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / dim)) {
        fail(dimOffset, fmt::format("tensor '{}' element count overflows", t.name));
      }
      elements *= dim;
      t.dims.push_back(dim);
    }
    const uint64_t typeOffset = m_pos;
    const uint32_t typeId = readU32("tensor type");
    const auto type = ggmlTypeFromId(typeId);
    if (!type) {
      fail(typeOffset, fmt::format("tensor '{}' has unknown ggml type {}", t.name, typeId));
    }
    t.type = *type;
    const uint64_t block = ggmlBlockSize(t.type);
    if (t.dims[0] % block != 0) {
      fail(dimsOffset,
           fmt::format("tensor '{}' row of {} is not a multiple of the {} block size {}", t.name,
                       t.dims[0], ggmlTypeName(t.type), block));
    }
    const uint64_t blocks = elements / block;
    if (blocks > std::numeric_limits<uint64_t>::max() / ggmlBlockBytes(t.type)) {
      fail(dimsOffset, fmt::format("tensor '{}' byte size overflows", t.name));
    }
    t.byteSize = blocks * ggmlBlockBytes(t.type);
    const uint64_t offsetOffset = m_pos;
    t.offset = readU64("tensor data offset");
    if (t.offset % m_out.m_alignment != 0) {
      fail(offsetOffset, fmt::format("tensor '{}' data offset {} is not aligned to {}", t.name,
                                     t.offset, m_out.m_alignment));
    }
    if (m_out.m_tensorIndex.count(t.name)) {
      fail(start, fmt::format("duplicate tensor name '{}'", t.name));
    }
    m_out.m_tensorIndex.emplace(t.name, m_out.m_tensors.size());
    m_tensorInfoOffsets.push_back(start);
    m_out.m_tensors.push_back(std::move(t));
  }

  GgufFile& m_out;
  const uint8_t* m_data;
  uint64_t m_size;
  uint64_t m_pos = 0;
  uint64_t m_arrayElements = 0;
  std::vector<uint64_t> m_tensorInfoOffsets;
};

// ---------------------------------------------------------------- GgufFile

GgufFile GgufFile::open(const std::filesystem::path& path) {
  GgufFile file;
  file.m_file = MappedFile::open(path);
  GgufParser(file).parse();
  return file;
}

const GgufKeyValue* GgufFile::findEntry(std::string_view key) const {
  const auto it = m_metadataIndex.find(std::string(key));
  return it == m_metadataIndex.end() ? nullptr : &m_metadata[it->second];
}

const GgufKeyValue& GgufFile::entry(std::string_view key) const {
  if (const GgufKeyValue* kv = findEntry(key)) {
    return *kv;
  }
  throw FormatError(path(), fmt::format("missing metadata key '{}'", key));
}

const GgufValue* GgufFile::find(std::string_view key) const {
  const GgufKeyValue* kv = findEntry(key);
  return kv ? &kv->value : nullptr;
}

void GgufFile::wrongKind(const GgufKeyValue& kv, std::string_view expected) const {
  std::string actual(ggufValueTypeName(kv.value.type()));
  if (kv.value.isArray()) {
    actual += " of " + std::string(ggufValueTypeName(kv.value.asArray().elementType));
  }
  throw FormatError(path(), kv.offset,
                    fmt::format("metadata key '{}' is {}, expected {}", kv.key, actual, expected));
}

namespace {
// Runs an accessor, turning its kind error into FormatError via `onWrong`.
template <typename F, typename W> auto convert(F&& access, W&& onWrong) {
  try {
    return access();
  } catch (const std::runtime_error&) {
    onWrong();
    throw; // onWrong always throws; keeps the compiler content
  }
}
} // namespace

std::string GgufFile::getString(std::string_view key) const {
  const GgufKeyValue& kv = entry(key);
  if (!kv.value.isString()) {
    wrongKind(kv, "STRING");
  }
  return kv.value.asString();
}

uint64_t GgufFile::getUInt(std::string_view key) const {
  const GgufKeyValue& kv = entry(key);
  return convert([&] { return kv.value.asUInt(); },
                 [&] { wrongKind(kv, "a non-negative integer"); });
}

int64_t GgufFile::getInt(std::string_view key) const {
  const GgufKeyValue& kv = entry(key);
  return convert([&] { return kv.value.asInt(); }, [&] { wrongKind(kv, "an integer"); });
}

double GgufFile::getFloat(std::string_view key) const {
  const GgufKeyValue& kv = entry(key);
  return convert([&] { return kv.value.asFloat(); }, [&] { wrongKind(kv, "a number"); });
}

bool GgufFile::getBool(std::string_view key) const {
  const GgufKeyValue& kv = entry(key);
  if (kv.value.type() != GgufValueType::Bool) {
    wrongKind(kv, "BOOL");
  }
  return kv.value.asBool();
}

std::optional<std::string> GgufFile::findString(std::string_view key) const {
  return has(key) ? std::optional(getString(key)) : std::nullopt;
}
std::optional<uint64_t> GgufFile::findUInt(std::string_view key) const {
  return has(key) ? std::optional(getUInt(key)) : std::nullopt;
}
std::optional<int64_t> GgufFile::findInt(std::string_view key) const {
  return has(key) ? std::optional(getInt(key)) : std::nullopt;
}
std::optional<double> GgufFile::findFloat(std::string_view key) const {
  return has(key) ? std::optional(getFloat(key)) : std::nullopt;
}
std::optional<bool> GgufFile::findBool(std::string_view key) const {
  return has(key) ? std::optional(getBool(key)) : std::nullopt;
}

std::vector<std::string> GgufFile::getStringArray(std::string_view key) const {
  const GgufKeyValue& kv = entry(key);
  if (!kv.value.isArray() || kv.value.asArray().elementType != GgufValueType::String) {
    wrongKind(kv, "ARRAY of STRING");
  }
  std::vector<std::string> out;
  out.reserve(kv.value.asArray().items.size());
  for (const auto& item : kv.value.asArray().items) {
    out.push_back(item.asString());
  }
  return out;
}

std::vector<float> GgufFile::getFloatArray(std::string_view key) const {
  const GgufKeyValue& kv = entry(key);
  if (!kv.value.isArray()) {
    wrongKind(kv, "ARRAY of numbers");
  }
  const auto& items = kv.value.asArray().items;
  std::vector<float> out;
  out.reserve(items.size());
  for (const auto& item : items) {
    out.push_back(static_cast<float>(
        convert([&] { return item.asFloat(); }, [&] { wrongKind(kv, "ARRAY of numbers"); })));
  }
  return out;
}

std::vector<int32_t> GgufFile::getIntArray(std::string_view key) const {
  const GgufKeyValue& kv = entry(key);
  if (!kv.value.isArray()) {
    wrongKind(kv, "ARRAY of INT32-range integers");
  }
  const auto& items = kv.value.asArray().items;
  std::vector<int32_t> out;
  out.reserve(items.size());
  for (const auto& item : items) {
    const int64_t v = convert([&] { return item.asInt(); },
                              [&] { wrongKind(kv, "ARRAY of INT32-range integers"); });
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
      wrongKind(kv, "ARRAY of INT32-range integers");
    }
    out.push_back(static_cast<int32_t>(v));
  }
  return out;
}

const GgufTensorInfo* GgufFile::findTensor(std::string_view name) const {
  const auto it = m_tensorIndex.find(std::string(name));
  return it == m_tensorIndex.end() ? nullptr : &m_tensors[it->second];
}

} // namespace ws::core
