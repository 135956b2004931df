#include "core/dequantize.h"
#include "core/format_error.h"
#include "core/safetensors.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>

namespace ws::core {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Writes a safetensors file: u64 header length, header JSON, data.
fs::path writeSafetensors(const fs::path& path, const std::string& header,
                          const std::vector<uint8_t>& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  const uint64_t n = header.size();
  out.write(reinterpret_cast<const char*>(&n), 8);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  return path;
}

// Three tensors: F32 [2,2], BF16 [3], F16 [1,2], plus metadata.
fs::path smallFile(const fs::path& path) {
  std::vector<uint8_t> data(16 + 6 + 4);
  const float f32[4] = {1.0f, -2.0f, 0.5f, 4.0f};
  std::memcpy(data.data(), f32, 16);
  const uint16_t bf16[3] = {floatToBfloat16(1.5f), floatToBfloat16(-3.0f), floatToBfloat16(8.0f)};
  std::memcpy(data.data() + 16, bf16, 6);
  const uint16_t f16[2] = {floatToHalf(0.25f), floatToHalf(-1.0f)};
  std::memcpy(data.data() + 22, f16, 4);
  const json header = {
      {"__metadata__", {{"format", "pt"}}},
      {"w", {{"dtype", "F32"}, {"shape", {2, 2}}, {"data_offsets", {0, 16}}}},
      {"b", {{"dtype", "BF16"}, {"shape", {3}}, {"data_offsets", {16, 22}}}},
      {"h", {{"dtype", "F16"}, {"shape", {1, 2}}, {"data_offsets", {22, 26}}}},
  };
  return writeSafetensors(path, header.dump(), data);
}

std::vector<float> toFloats(const SafetensorsTensor& t) {
  std::vector<float> out(t.elementCount());
  dequantizeRow(*t.ggmlType, t.data, out.data(), static_cast<int64_t>(out.size()));
  return out;
}

TEST(Safetensors, ReadsTensorsAndMetadata) {
  const SafetensorsFile f =
      SafetensorsFile::open(smallFile(test::outputDir() / "small.safetensors"));
  EXPECT_EQ(f.metadata().at("format"), "pt");
  ASSERT_EQ(f.tensors().size(), 3u);
  const SafetensorsTensor* w = f.findTensor("w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dtype, "F32");
  EXPECT_EQ(w->shape, (std::vector<uint64_t>{2, 2}));
  EXPECT_EQ(toFloats(*w), (std::vector<float>{1.0f, -2.0f, 0.5f, 4.0f}));
  const SafetensorsTensor* b = f.findTensor("b");
  EXPECT_EQ(b->ggmlType, GgmlType::BF16);
  EXPECT_EQ(toFloats(*b), (std::vector<float>{1.5f, -3.0f, 8.0f}));
  EXPECT_EQ(toFloats(*f.findTensor("h")), (std::vector<float>{0.25f, -1.0f}));
  EXPECT_EQ(f.findTensor("nope"), nullptr);
  EXPECT_EQ(safetensorsDtypeBytes("F8_E4M3"), 1u);
  EXPECT_FALSE(safetensorsDtypeBytes("F4").has_value());
}

std::string errorOf(const std::string& header, size_t dataBytes) {
  const auto path = writeSafetensors(test::outputDir() / "bad.safetensors", header,
                                     std::vector<uint8_t>(dataBytes));
  try {
    SafetensorsFile::open(path);
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos);
    return e.what();
  }
  ADD_FAILURE() << header << " parsed";
  return {};
}

TEST(Safetensors, HostileFiles) {
  auto has = [](const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  };
  EXPECT_TRUE(has(errorOf("{", 0), "invalid JSON header"));
  EXPECT_TRUE(has(errorOf("[1]", 0), "not a JSON object"));
  EXPECT_TRUE(has(errorOf(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4),
                  "outside the 4 data bytes"));
  EXPECT_TRUE(has(errorOf(R"({"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8),
                  "8 bytes for 3 elements"));
  EXPECT_TRUE(has(errorOf(R"({"t":{"dtype":"Q4","shape":[2],"data_offsets":[0,1]}})", 8),
                  "unknown dtype 'Q4'"));
  EXPECT_TRUE(has(errorOf(R"({"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8),
                  "not a non-negative integer"));
  EXPECT_TRUE(has(
      errorOf(R"({"t":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", 8),
      "overflows"));
  EXPECT_TRUE(
      has(errorOf(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8), "outside"));
  EXPECT_TRUE(has(errorOf(R"({"t":{"dtype":"F32","shape":[2]}})", 8), "needs dtype"));
  EXPECT_TRUE(has(errorOf(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
                               "b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                          12),
                  "overlap"));
  EXPECT_TRUE(has(errorOf(R"({"__metadata__":{"k":1}})", 0), "not a string"));

  // Header length beyond the file, and a file too short for the length.
  std::ofstream(test::outputDir() / "short.safetensors", std::ios::binary) << "abc";
  EXPECT_THROW(SafetensorsFile::open(test::outputDir() / "short.safetensors"), FormatError);
  {
    std::ofstream out(test::outputDir() / "huge.safetensors", std::ios::binary);
    const uint64_t n = 1ull << 60;
    out.write(reinterpret_cast<const char*>(&n), 8);
    out << "{}";
  }
  EXPECT_THROW(SafetensorsFile::open(test::outputDir() / "huge.safetensors"), FormatError);
}

TEST(Safetensors, EveryTruncationIsAFormatError) {
  const auto path = smallFile(test::outputDir() / "trunc_src.safetensors");
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  for (size_t n = 0; n < bytes.size(); ++n) {
    const auto cut = test::outputDir() / "trunc.safetensors";
    std::ofstream(cut, std::ios::binary | std::ios::trunc)
        .write(bytes.data(), static_cast<std::streamsize>(n));
    EXPECT_THROW(SafetensorsFile::open(cut), FormatError) << n;
  }
}

TEST(Safetensors, ShardedIndex) {
  const auto dir = test::outputDir() / "sharded";
  fs::create_directories(dir);
  std::vector<uint8_t> four(4);
  writeSafetensors(dir / "model-00001-of-00002.safetensors",
                   R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", four);
  writeSafetensors(dir / "model-00002-of-00002.safetensors",
                   R"({"b":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}})", four);
  std::ofstream(dir / "model.safetensors.index.json")
      << R"({"metadata":{"total_size":8},"weight_map":{"a":"model-00001-of-00002.safetensors",
            "b":"model-00002-of-00002.safetensors"}})";
  const SafetensorsModel m = SafetensorsModel::open(dir);
  EXPECT_EQ(m.shards().size(), 2u);
  EXPECT_EQ(m.tensors().size(), 2u);
  ASSERT_NE(m.findTensor("b"), nullptr);
  EXPECT_EQ(m.findTensor("b")->file.filename(), "model-00002-of-00002.safetensors");
  EXPECT_EQ(SafetensorsModel::open(dir / "model.safetensors.index.json").tensors().size(), 2u);

  std::ofstream(dir / "model.safetensors.index.json")
      << R"({"weight_map":{"a":"model-00002-of-00002.safetensors"}})";
  EXPECT_THROW(SafetensorsModel::open(dir), FormatError); // 'a' is not in that shard
  std::ofstream(dir / "model.safetensors.index.json")
      << R"({"weight_map":{"a":"../../etc/passwd"}})";
  EXPECT_THROW(SafetensorsModel::open(dir), FormatError);
  std::ofstream(dir / "model.safetensors.index.json")
      << R"({"weight_map":{"a":"missing.safetensors"}})";
  EXPECT_THROW(SafetensorsModel::open(dir), FormatError);
  std::ofstream(dir / "model.safetensors.index.json") << R"({"weight_map":[]})";
  EXPECT_THROW(SafetensorsModel::open(dir), FormatError);
  EXPECT_THROW(SafetensorsModel::open(test::outputDir() / "no-such-dir"), FormatError);
}

} // namespace
} // namespace ws::core
