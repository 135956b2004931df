#include "core/gguf_convert.h"

#include "core/dequantize.h"
#include "core/format_error.h"
#include "core/gguf_writer.h"
#include "core/safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <span>
#include <stdexcept>
#include <string_view>

namespace ws::core {
namespace {

using Json = nlohmann::json;

struct SidecarType {
  std::string_view name;
  GgufValueType type;
};

constexpr std::array<SidecarType, 13> kSidecarTypes{{
    {"uint8", GgufValueType::UInt8},
    {"int8", GgufValueType::Int8},
    {"uint16", GgufValueType::UInt16},
    {"int16", GgufValueType::Int16},
    {"uint32", GgufValueType::UInt32},
    {"int32", GgufValueType::Int32},
    {"uint64", GgufValueType::UInt64},
    {"int64", GgufValueType::Int64},
    {"float32", GgufValueType::Float32},
    {"float64", GgufValueType::Float64},
    {"bool", GgufValueType::Bool},
    {"string", GgufValueType::String},
    {"array", GgufValueType::Array},
}};

std::optional<GgufValueType> sidecarType(std::string_view name) {
  for (const SidecarType& t : kSidecarTypes) {
    if (t.name == name) {
      return t.type;
    }
  }
  return std::nullopt;
}

// The largest value of an unsigned / the range of a signed GGUF integer type.
uint64_t unsignedMax(GgufValueType type) {
  switch (type) {
  case GgufValueType::UInt8:
    return std::numeric_limits<uint8_t>::max();
  case GgufValueType::UInt16:
    return std::numeric_limits<uint16_t>::max();
  case GgufValueType::UInt32:
    return std::numeric_limits<uint32_t>::max();
  default:
    return std::numeric_limits<uint64_t>::max();
  }
}

std::pair<int64_t, int64_t> signedRange(GgufValueType type) {
  switch (type) {
  case GgufValueType::Int8:
    return {std::numeric_limits<int8_t>::min(), std::numeric_limits<int8_t>::max()};
  case GgufValueType::Int16:
    return {std::numeric_limits<int16_t>::min(), std::numeric_limits<int16_t>::max()};
  case GgufValueType::Int32:
    return {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
  default:
    return {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  }
}

// A scalar of `type` from JSON; throws std::runtime_error describing the problem.
GgufValue scalarFromJson(GgufValueType type, const Json& value) {
  switch (type) {
  case GgufValueType::UInt8:
  case GgufValueType::UInt16:
  case GgufValueType::UInt32:
  case GgufValueType::UInt64:
    if (!value.is_number_unsigned() || value.get<uint64_t>() > unsignedMax(type)) {
      throw std::runtime_error("value " + value.dump() + " is not a " +
                               std::string(ggufValueTypeName(type)));
    }
    return GgufValue::unsignedInt(type, value.get<uint64_t>());
  case GgufValueType::Int8:
  case GgufValueType::Int16:
  case GgufValueType::Int32:
  case GgufValueType::Int64: {
    const auto [lo, hi] = signedRange(type);
    if (!value.is_number_integer() ||
        (value.is_number_unsigned() &&
         value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) ||
        value.get<int64_t>() < lo || value.get<int64_t>() > hi) {
      throw std::runtime_error("value " + value.dump() + " is not a " +
                               std::string(ggufValueTypeName(type)));
    }
    return GgufValue::signedInt(type, value.get<int64_t>());
  }
  case GgufValueType::Float32:
  case GgufValueType::Float64:
    if (!value.is_number()) {
      throw std::runtime_error("value " + value.dump() + " is not a number");
    }
    return GgufValue::floating(type, value.get<double>());
  case GgufValueType::Bool:
    if (!value.is_boolean()) {
      throw std::runtime_error("value " + value.dump() + " is not a bool");
    }
    return GgufValue::boolean(value.get<bool>());
  case GgufValueType::String:
    if (!value.is_string()) {
      throw std::runtime_error("value is not a string");
    }
    return GgufValue::string(value.get<std::string>());
  case GgufValueType::Array:
    break;
  }
  throw std::runtime_error("nested arrays are not supported");
}

GgufValue valueFromEntry(const Json& entry) {
  const Json& typeName = entry.at("type");
  const std::optional<GgufValueType> type =
      typeName.is_string() ? sidecarType(typeName.get<std::string>()) : std::nullopt;
  if (!type) {
    throw std::runtime_error("unknown type " + typeName.dump());
  }
  const Json& value = entry.at("value");
  if (*type != GgufValueType::Array) {
    return scalarFromJson(*type, value);
  }
  const Json& elementName = entry.at("element_type");
  const std::optional<GgufValueType> elementType =
      elementName.is_string() ? sidecarType(elementName.get<std::string>()) : std::nullopt;
  if (!elementType || *elementType == GgufValueType::Array) {
    throw std::runtime_error("unsupported element_type " + elementName.dump());
  }
  if (!value.is_array()) {
    throw std::runtime_error("value is not a JSON array");
  }
  std::vector<GgufValue> items;
  items.reserve(value.size());
  for (const Json& item : value) {
    items.push_back(scalarFromJson(*elementType, item));
  }
  return GgufValue::array(*elementType, std::move(items));
}

// Whole-file bytes starting with "GGUF" mark a GGUF file; anything else is
// taken as a safetensors checkpoint (file, index or directory).
bool looksLikeGguf(const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path)) {
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  std::array<char, 4> magic{};
  in.read(magic.data(), magic.size());
  return in.gcount() == 4 && std::string_view(magic.data(), 4) == "GGUF";
}

// The tensor's elements in `target`'s encoding, decoded from `source`.
std::vector<std::byte> encodeTensor(GgmlType source, const std::byte* data, uint64_t sourceBytes,
                                    GgmlType target, const std::vector<uint64_t>& dims) {
  if (source == target) {
    return {data, data + sourceBytes};
  }
  uint64_t count = 1;
  for (uint64_t d : dims) {
    count *= d;
  }
  std::vector<float> values(count);
  dequantizeRow(source, data, values.data(), static_cast<int64_t>(count));
  std::vector<std::byte> out(rowBytes(target, dims[0]) * (count / dims[0]));
  switch (target) {
  case GgmlType::F32:
    std::memcpy(out.data(), values.data(), out.size());
    break;
  case GgmlType::F16:
  case GgmlType::BF16:
    for (uint64_t i = 0; i < count; ++i) {
      const uint16_t bits =
          target == GgmlType::F16 ? floatToHalf(values[i]) : floatToBfloat16(values[i]);
      std::memcpy(out.data() + 2 * i, &bits, 2);
    }
    break;
  case GgmlType::Q8_0:
    quantizeRowQ8_0(values.data(), out.data(), static_cast<int64_t>(count));
    break;
  default:
    throw std::invalid_argument("cannot convert to " + std::string(ggmlTypeName(target)));
  }
  return out;
}

void addConverted(GgufWriter& writer, const std::filesystem::path& file, const std::string& name,
                  GgmlType source, const std::byte* data, uint64_t bytes,
                  const std::vector<uint64_t>& dims, GgmlType target) {
  if (!isSupportedForCompute(source)) {
    throw FormatError(file, "tensor " + name + " is " + std::string(ggmlTypeName(source)) +
                                ", which the converter cannot decode");
  }
  if (dims.empty() || std::find(dims.begin(), dims.end(), 0U) != dims.end()) {
    throw FormatError(file, "tensor " + name + " has no elements");
  }
  const GgmlType type = convertedTensorType(target, dims);
  writer.addTensor(name, type, dims, encodeTensor(source, data, bytes, type, dims));
}

void setFileType(GgufWriter& writer, GgmlType target) {
  writer.setUInt32("general.file_type", llamaFileType(target));
  // llama.cpp's writers record the quantisation format version (2 since the
  // ggml block layouts of May 2023).
  writer.setUInt32("general.quantization_version", 2);
}

size_t addSafetensors(GgufWriter& writer, const std::filesystem::path& input, GgmlType target) {
  const SafetensorsModel model = SafetensorsModel::open(input);
  size_t count = 0;
  for (const SafetensorsTensor* tensor : model.tensors()) {
    if (!tensor->ggmlType ||
        (*tensor->ggmlType != GgmlType::F32 && *tensor->ggmlType != GgmlType::F16 &&
         *tensor->ggmlType != GgmlType::BF16)) {
      throw FormatError(tensor->file, "tensor " + tensor->name + " has dtype " + tensor->dtype +
                                          "; the converter reads F32, F16 and BF16");
    }
    // safetensors shapes are row-major (last dim contiguous); ggml's order is
    // the reverse.
    std::vector<uint64_t> dims(tensor->shape.rbegin(), tensor->shape.rend());
    if (dims.empty()) {
      dims.push_back(1);
    }
    addConverted(writer, tensor->file, tensor->name, *tensor->ggmlType, tensor->data,
                 tensor->byteSize, dims, target);
    ++count;
  }
  return count;
}

size_t addGguf(GgufWriter& writer, const GgufFile& file, GgmlType target) {
  for (const GgufTensorInfo& tensor : file.tensors()) {
    addConverted(writer, file.path(), tensor.name, tensor.type, tensor.data, tensor.byteSize,
                 tensor.dims, target);
  }
  return file.tensors().size();
}

} // namespace

GgufMetadata readGgufMetadataSidecar(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw FormatError(path, "cannot open the metadata file");
  }
  Json doc;
  try {
    doc = Json::parse(in);
  } catch (const Json::exception& e) {
    throw FormatError(path, std::string("broken JSON: ") + e.what());
  }
  if (!doc.is_object() || !doc.contains("metadata") || !doc["metadata"].is_array()) {
    throw FormatError(path, "expected an object with a \"metadata\" array");
  }
  GgufMetadata out;
  size_t index = 0;
  for (const Json& entry : doc["metadata"]) {
    std::string key;
    try {
      if (!entry.is_object() || !entry.contains("key") || !entry["key"].is_string()) {
        throw std::runtime_error("no \"key\" string");
      }
      key = entry["key"].get<std::string>();
      if (key.empty()) {
        throw std::runtime_error("empty key");
      }
      out.emplace_back(key, valueFromEntry(entry));
    } catch (const std::exception& e) {
      throw FormatError(path, "metadata entry " + std::to_string(index) +
                                  (key.empty() ? "" : " (" + key + ")") + ": " + e.what());
    }
    ++index;
  }
  return out;
}

bool isConvertTarget(GgmlType type) {
  return type == GgmlType::F32 || type == GgmlType::F16 || type == GgmlType::BF16 ||
         type == GgmlType::Q8_0;
}

GgmlType convertedTensorType(GgmlType target, const std::vector<uint64_t>& dims) {
  const bool matrix = std::count_if(dims.begin(), dims.end(), [](uint64_t d) { return d > 1; }) > 1;
  if (!matrix || dims.empty() || dims[0] % ggmlBlockSize(target) != 0) {
    return GgmlType::F32;
  }
  return target;
}

uint32_t llamaFileType(GgmlType target) {
  // llama.h: LLAMA_FTYPE_ALL_F32 = 0, MOSTLY_F16 = 1, MOSTLY_Q8_0 = 7,
  // MOSTLY_BF16 = 32.
  switch (target) {
  case GgmlType::F32:
    return 0;
  case GgmlType::F16:
    return 1;
  case GgmlType::Q8_0:
    return 7;
  case GgmlType::BF16:
    return 32;
  default:
    throw std::invalid_argument("no llama.cpp file type for " + std::string(ggmlTypeName(target)));
  }
}

ConvertResult convertModel(const ConvertRequest& request) {
  if (!isConvertTarget(request.target)) {
    throw std::invalid_argument("cannot convert to " + std::string(ggmlTypeName(request.target)) +
                                "; targets are F32, F16, BF16 and Q8_0");
  }
  GgufWriter writer;
  ConvertResult result;
  const GgufMetadata sidecar =
      request.metadata ? readGgufMetadataSidecar(*request.metadata) : GgufMetadata{};
  if (looksLikeGguf(request.input)) {
    const GgufFile file = GgufFile::open(request.input);
    for (const GgufKeyValue& kv : file.metadata()) {
      writer.set(kv.key, kv.value);
    }
    for (const auto& [key, value] : sidecar) {
      writer.set(key, value);
    }
    setFileType(writer, request.target);
    result.tensorCount = addGguf(writer, file, request.target);
    writer.write(request.output);
  } else {
    if (!request.metadata) {
      throw std::invalid_argument(request.input.string() +
                                  ": a safetensors input needs a metadata sidecar (--metadata)");
    }
    for (const auto& [key, value] : sidecar) {
      writer.set(key, value);
    }
    setFileType(writer, request.target);
    result.tensorCount = addSafetensors(writer, request.input, request.target);
    writer.write(request.output);
  }
  result.outputBytes = std::filesystem::file_size(request.output);
  return result;
}

} // namespace ws::core
