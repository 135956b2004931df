#include "core/safetensors.h"

#include "core/format_error.h"
#include "core/json_fields.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <limits>

namespace ws::core {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The JSON header may not exceed this (the reference implementation's limit
// is 100 MB); a larger length is corruption, not a model.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

struct DtypeInfo {
  std::string_view name;
  uint64_t bytes;
  std::optional<GgmlType> ggml;
};

constexpr DtypeInfo kDtypes[] = {
    {"F64", 8, GgmlType::F64},   {"F32", 4, GgmlType::F32},    {"F16", 2, GgmlType::F16},
    {"BF16", 2, GgmlType::BF16}, {"I64", 8, GgmlType::I64},    {"I32", 4, GgmlType::I32},
    {"I16", 2, GgmlType::I16},   {"I8", 1, GgmlType::I8},      {"U64", 8, std::nullopt},
    {"U32", 4, std::nullopt},    {"U16", 2, std::nullopt},     {"U8", 1, std::nullopt},
    {"BOOL", 1, std::nullopt},   {"F8_E4M3", 1, std::nullopt}, {"F8_E5M2", 1, std::nullopt},
};

const DtypeInfo* findDtype(std::string_view name) {
  for (const auto& d : kDtypes) {
    if (d.name == name) {
      return &d;
    }
  }
  return nullptr;
}

} // namespace

uint64_t SafetensorsTensor::elementCount() const {
  uint64_t n = 1;
  for (uint64_t d : shape) {
    n *= d;
  }
  return n;
}

std::optional<uint64_t> safetensorsDtypeBytes(std::string_view dtype) {
  const DtypeInfo* d = findDtype(dtype);
  return d ? std::optional(d->bytes) : std::nullopt;
}

SafetensorsFile SafetensorsFile::open(const fs::path& path) {
  SafetensorsFile file;
  file.m_file = MappedFile::open(path);
  const auto fail = [&](std::optional<uint64_t> offset, const std::string& problem) {
    throw FormatError(path, offset, problem);
  };
  const uint64_t size = file.m_file.size();
  if (size < 8) {
    fail(0, "truncated: no 8-byte header length");
  }
  uint64_t headerBytes = 0;
  std::memcpy(&headerBytes, file.m_file.data(), 8);
  if (headerBytes > kMaxHeaderBytes || headerBytes > size - 8) {
    fail(0, fmt::format("header length {} exceeds the file ({} bytes)", headerBytes, size));
  }
  const char* headerText = reinterpret_cast<const char*>(file.m_file.data() + 8);
  json header;
  try {
    header = json::parse(headerText, headerText + headerBytes);
  } catch (const json::parse_error& e) {
    fail(8 + (e.byte > 0 ? e.byte - 1 : 0), "invalid JSON header");
  }
  if (!header.is_object()) {
    fail(8, "header is not a JSON object");
  }
  const uint64_t dataStart = 8 + headerBytes;
  const uint64_t dataBytes = size - dataStart;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) {
        fail(8, "__metadata__ is not an object");
      }
      for (const auto& [key, value] : entry.items()) {
        if (!value.is_string()) {
          fail(8, fmt::format("__metadata__ value '{}' is not a string", key));
        }
        file.m_metadata.emplace(key, value.get<std::string>());
      }
      continue;
    }
    // An init-capture: clang 14 cannot capture a structured binding.
    const auto bad = [&, &tensor = name](const std::string& problem) {
      fail(8, fmt::format("tensor '{}': {}", tensor, problem));
    };
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
        !entry.contains("data_offsets")) {
      bad("needs dtype, shape and data_offsets");
    }
    SafetensorsTensor t;
    t.name = name;
    t.file = path;
    if (!entry["dtype"].is_string()) {
      bad("dtype is not a string");
    }
    t.dtype = entry["dtype"].get<std::string>();
    const DtypeInfo* dtype = findDtype(t.dtype);
    if (dtype == nullptr) {
      bad(fmt::format("unknown dtype '{}'", t.dtype));
    }
    t.ggmlType = dtype->ggml;
    const json& shape = entry["shape"];
    if (!shape.is_array()) {
      bad("shape is not an array");
    }
    uint64_t elements = 1;
    for (const auto& dim : shape) {
      if (!dim.is_number_unsigned()) {
        bad("shape holds a value that is not a non-negative integer");
      }
      const auto d = dim.get<uint64_t>();
      if (d != 0 && elements > std::numeric_limits<uint64_t>::max() / dtype->bytes / d) {
        bad("element count overflows");
      }
      elements *= d;
      t.shape.push_back(d);
    }
    const json& offsets = entry["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
      bad("data_offsets is not [begin, end]");
    }
    const auto begin = offsets[0].get<uint64_t>();
    const auto end = offsets[1].get<uint64_t>();
    if (begin > end || end > dataBytes) {
      bad(fmt::format("data_offsets [{}, {}] outside the {} data bytes", begin, end, dataBytes));
    }
    t.byteSize = end - begin;
    if (t.byteSize != elements * dtype->bytes) {
      bad(fmt::format("{} bytes for {} elements of {}", t.byteSize, elements, t.dtype));
    }
    t.data = file.m_file.data() + dataStart + begin;
    ranges.emplace_back(begin, end);
    file.m_index.emplace(t.name, file.m_tensors.size());
    file.m_tensors.push_back(std::move(t));
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first < ranges[i - 1].second) {
      fail(8, fmt::format("tensor data ranges overlap at data byte {}", ranges[i].first));
    }
  }
  return file;
}

const SafetensorsTensor* SafetensorsFile::findTensor(std::string_view name) const {
  const auto it = m_index.find(std::string(name));
  return it == m_index.end() ? nullptr : &m_tensors[it->second];
}

SafetensorsModel SafetensorsModel::open(const fs::path& path) {
  SafetensorsModel model;
  fs::path target = path;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (fs::exists(path / "model.safetensors.index.json")) {
      target = path / "model.safetensors.index.json";
    } else if (fs::exists(path / "model.safetensors")) {
      target = path / "model.safetensors";
    } else {
      throw FormatError(path, "no model.safetensors or model.safetensors.index.json");
    }
  }
  if (target.extension() != ".json") {
    model.m_shards.push_back(SafetensorsFile::open(target));
    return model;
  }
  // An index lists every tensor: a few MB for the largest checkpoints.
  const json index = readJsonFile(target, uint64_t(64) << 20);
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
    throw FormatError(target, "no \"weight_map\" object");
  }
  std::vector<std::string> shardNames;
  for (const auto& [tensor, shard] : index["weight_map"].items()) {
    if (!shard.is_string()) {
      throw FormatError(target, fmt::format("weight_map entry '{}' is not a file name", tensor));
    }
    const auto name = shard.get<std::string>();
    const fs::path shardPath(name);
    if (shardPath.has_parent_path() || name.empty() || name == "." || name == "..") {
      throw FormatError(target, fmt::format("shard '{}' is not a plain file name", name));
    }
    if (std::find(shardNames.begin(), shardNames.end(), name) == shardNames.end()) {
      shardNames.push_back(name);
    }
  }
  std::sort(shardNames.begin(), shardNames.end());
  for (const auto& name : shardNames) {
    model.m_shards.push_back(SafetensorsFile::open(target.parent_path() / name));
  }
  for (const auto& [tensor, shard] : index["weight_map"].items()) {
    const SafetensorsTensor* t = model.findTensor(tensor);
    if (t == nullptr || t->file.filename() != shard.get<std::string>()) {
      throw FormatError(target, fmt::format("tensor '{}' is not in its shard '{}'", tensor,
                                            shard.get<std::string>()));
    }
  }
  return model;
}

std::vector<const SafetensorsTensor*> SafetensorsModel::tensors() const {
  std::vector<const SafetensorsTensor*> all;
  for (const auto& shard : m_shards) {
    for (const auto& t : shard.tensors()) {
      all.push_back(&t);
    }
  }
  return all;
}

const SafetensorsTensor* SafetensorsModel::findTensor(std::string_view name) const {
  for (const auto& shard : m_shards) {
    if (const SafetensorsTensor* t = shard.findTensor(name)) {
      return t;
    }
  }
  return nullptr;
}

} // namespace ws::core
