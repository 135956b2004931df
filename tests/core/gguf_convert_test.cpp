#include "core/dequantize.h"
#include "core/format_error.h"
#include "core/gguf.h"
#include "core/gguf_convert.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace ws::core {
namespace {

void writeText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

struct FloatTensor {
  std::string name;
  std::vector<uint64_t> shape; // row-major, as safetensors stores it
  std::vector<float> values;
};

// A safetensors file as the training script writes it: u64 header length,
// JSON header, raw little-endian F32 data.
void writeSafetensors(const std::filesystem::path& path, const std::vector<FloatTensor>& tensors) {
  std::string header = "{";
  uint64_t offset = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const FloatTensor& t = tensors[i];
    std::string shape;
    for (uint64_t d : t.shape) {
      shape += (shape.empty() ? "" : ",") + std::to_string(d);
    }
    const uint64_t bytes = t.values.size() * sizeof(float);
    header += (i ? "," : "") + std::string("\"") + t.name + "\":{\"dtype\":\"F32\",\"shape\":[" +
              shape + "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + bytes) + "]}";
    offset += bytes;
  }
  header += "}";
  std::ofstream out(path, std::ios::binary);
  const uint64_t length = header.size();
  out.write(reinterpret_cast<const char*>(&length), sizeof length);
  out << header;
  for (const FloatTensor& t : tensors) {
    out.write(reinterpret_cast<const char*>(t.values.data()),
              static_cast<std::streamsize>(t.values.size() * sizeof(float)));
  }
}

std::vector<float> ramp(size_t n, float scale) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    v[i] = scale * std::sin(0.37f * static_cast<float>(i) + 0.1f);
  }
  return v;
}

std::vector<float> decode(const GgufTensorInfo& t) {
  std::vector<float> out(t.elementCount());
  dequantizeRow(t.type, t.data, out.data(), static_cast<int64_t>(out.size()));
  return out;
}

const char* kSidecar = R"({"metadata": [
  {"key": "general.architecture", "type": "string", "value": "llama"},
  {"key": "llama.block_count", "type": "uint32", "value": 1},
  {"key": "llama.rope.freq_base", "type": "float32", "value": 10000.0},
  {"key": "tokenizer.ggml.add_bos_token", "type": "bool", "value": true},
  {"key": "tokenizer.ggml.tokens", "type": "array", "element_type": "string", "value": ["a", "b"]},
  {"key": "tokenizer.ggml.token_type", "type": "array", "element_type": "int32", "value": [1, -6]},
  {"key": "general.file_type", "type": "uint32", "value": 99}
]})";

class GgufConvert : public ::testing::Test {
protected:
  void SetUp() override {
    // One folder per test: ctest runs them as parallel processes, and a
    // shared meta.json was read half-written by another test's SetUp.
    dir = test::outputDir() / "gguf_convert" /
          ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::create_directories(dir);
    matrix = {"blk.0.attn_q.weight", {3, 64}, ramp(3 * 64, 1.5f)};
    norm = {"blk.0.attn_norm.weight", {64}, ramp(64, 0.5f)};
    writeSafetensors(dir / "model.safetensors", {matrix, norm});
    writeText(dir / "meta.json", kSidecar);
  }

  std::filesystem::path convert(GgmlType type, const std::string& name) {
    ConvertRequest request{dir / "model.safetensors", dir / "meta.json", type, dir / name};
    convertModel(request);
    return request.output;
  }

  std::filesystem::path dir;
  FloatTensor matrix;
  FloatTensor norm;
};

TEST_F(GgufConvert, SafetensorsToF32KeepsValuesAndReversesShapes) {
  const GgufFile f = GgufFile::open(convert(GgmlType::F32, "f32.gguf"));
  const GgufTensorInfo* q = f.findTensor("blk.0.attn_q.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->type, GgmlType::F32);
  EXPECT_EQ(q->dims, (std::vector<uint64_t>{64, 3}));
  EXPECT_EQ(decode(*q), matrix.values);
  const GgufTensorInfo* n = f.findTensor("blk.0.attn_norm.weight");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->dims, (std::vector<uint64_t>{64}));
  EXPECT_EQ(decode(*n), norm.values);
  EXPECT_EQ(f.getUInt("general.file_type"), 0u);
}

TEST_F(GgufConvert, SidecarMetadataIsWrittenWithItsTypes) {
  const GgufFile f = GgufFile::open(convert(GgmlType::F16, "meta.gguf"));
  EXPECT_EQ(f.getString("general.architecture"), "llama");
  EXPECT_EQ(f.find("llama.block_count")->type(), GgufValueType::UInt32);
  EXPECT_EQ(f.find("llama.rope.freq_base")->type(), GgufValueType::Float32);
  EXPECT_EQ(f.getFloat("llama.rope.freq_base"), 10000.0);
  EXPECT_TRUE(f.getBool("tokenizer.ggml.add_bos_token"));
  EXPECT_EQ(f.getStringArray("tokenizer.ggml.tokens"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(f.getIntArray("tokenizer.ggml.token_type"), (std::vector<int32_t>{1, -6}));
  // The converter, not the sidecar, decides the file type.
  EXPECT_EQ(f.getUInt("general.file_type"), 1u);
  EXPECT_EQ(f.getUInt("general.quantization_version"), 2u);
}

TEST_F(GgufConvert, F16RoundsMatricesAndKeepsNormsF32) {
  const GgufFile f = GgufFile::open(convert(GgmlType::F16, "f16.gguf"));
  const GgufTensorInfo* q = f.findTensor("blk.0.attn_q.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->type, GgmlType::F16);
  const std::vector<float> values = decode(*q);
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(values[i], halfToFloat(floatToHalf(matrix.values[i]))) << i;
  }
  EXPECT_EQ(f.findTensor("blk.0.attn_norm.weight")->type, GgmlType::F32);
}

TEST_F(GgufConvert, Q8_0IsWithinHalfAStepOfEachBlock) {
  const GgufFile f = GgufFile::open(convert(GgmlType::Q8_0, "q8.gguf"));
  const GgufTensorInfo* q = f.findTensor("blk.0.attn_q.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->type, GgmlType::Q8_0);
  EXPECT_EQ(f.getUInt("general.file_type"), 7u);
  const std::vector<float> values = decode(*q);
  for (size_t block = 0; block < values.size() / 32; ++block) {
    float amax = 0.0f;
    for (size_t i = 0; i < 32; ++i) {
      amax = std::max(amax, std::fabs(matrix.values[block * 32 + i]));
    }
    const float step = amax / 127.0f;
    for (size_t i = 0; i < 32; ++i) {
      const size_t k = block * 32 + i;
      ASSERT_NEAR(values[k], matrix.values[k], 0.5f * step + 1e-3f * amax) << k;
    }
  }
}

TEST_F(GgufConvert, GgufF16ToF32IsLosslessAndKeepsMetadata) {
  const auto f16 = convert(GgmlType::F16, "src16.gguf");
  ConvertRequest request{f16, std::nullopt, GgmlType::F32, dir / "back32.gguf"};
  const ConvertResult result = convertModel(request);
  EXPECT_EQ(result.tensorCount, 2u);
  const GgufFile a = GgufFile::open(f16);
  const GgufFile b = GgufFile::open(request.output);
  EXPECT_EQ(b.getUInt("general.file_type"), 0u);
  EXPECT_EQ(b.getStringArray("tokenizer.ggml.tokens"), a.getStringArray("tokenizer.ggml.tokens"));
  for (const GgufTensorInfo& t : a.tensors()) {
    const GgufTensorInfo* u = b.findTensor(t.name);
    ASSERT_NE(u, nullptr) << t.name;
    EXPECT_EQ(u->type, GgmlType::F32);
    EXPECT_EQ(u->dims, t.dims);
    EXPECT_EQ(decode(*u), decode(t)) << t.name;
  }
}

TEST_F(GgufConvert, SameTypeCopiesTensorBytes) {
  const auto f16 = convert(GgmlType::F16, "same_a.gguf");
  convertModel({f16, std::nullopt, GgmlType::F16, dir / "same_b.gguf"});
  const GgufFile a = GgufFile::open(f16);
  const GgufFile b = GgufFile::open(dir / "same_b.gguf");
  for (const GgufTensorInfo& t : a.tensors()) {
    const GgufTensorInfo* u = b.findTensor(t.name);
    ASSERT_NE(u, nullptr);
    ASSERT_EQ(u->byteSize, t.byteSize);
    EXPECT_EQ(std::memcmp(u->data, t.data, t.byteSize), 0) << t.name;
  }
}

TEST_F(GgufConvert, SafetensorsWithoutMetadataIsRejected) {
  ConvertRequest request{dir / "model.safetensors", std::nullopt, GgmlType::F16, dir / "x.gguf"};
  EXPECT_THROW(convertModel(request), std::invalid_argument);
}

TEST_F(GgufConvert, UnsupportedTargetIsRejected) {
  ConvertRequest request{dir / "model.safetensors", dir / "meta.json", GgmlType::Q4_K,
                         dir / "x.gguf"};
  EXPECT_THROW(convertModel(request), std::invalid_argument);
}

TEST_F(GgufConvert, IntegerSafetensorsTensorIsAFormatError) {
  const std::string header = R"({"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})";
  std::ofstream out(dir / "ints.safetensors", std::ios::binary);
  const uint64_t length = header.size();
  out.write(reinterpret_cast<const char*>(&length), sizeof length);
  out << header << std::string(16, '\0');
  out.close();
  ConvertRequest request{dir / "ints.safetensors", dir / "meta.json", GgmlType::F16,
                         dir / "x.gguf"};
  try {
    convertModel(request);
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("ids"), std::string::npos) << e.what();
  }
}

TEST_F(GgufConvert, EmptyTensorIsAFormatError) {
  writeSafetensors(dir / "empty.safetensors", {{"blk.0.attn_q.weight", {0, 64}, {}}});
  ConvertRequest request{dir / "empty.safetensors", dir / "meta.json", GgmlType::F16,
                         dir / "x.gguf"};
  EXPECT_THROW(convertModel(request), FormatError);
}

TEST(GgufConvertRules, TensorTypesFollowLlamaCpp) {
  EXPECT_EQ(convertedTensorType(GgmlType::F16, {64}), GgmlType::F32);
  EXPECT_EQ(convertedTensorType(GgmlType::F16, {64, 3}), GgmlType::F16);
  EXPECT_EQ(convertedTensorType(GgmlType::Q8_0, {64, 3}), GgmlType::Q8_0);
  EXPECT_EQ(convertedTensorType(GgmlType::Q8_0, {48, 3}), GgmlType::F32);
  EXPECT_EQ(convertedTensorType(GgmlType::BF16, {64, 1}), GgmlType::F32);
  EXPECT_EQ(llamaFileType(GgmlType::BF16), 32u);
  EXPECT_TRUE(isConvertTarget(GgmlType::Q8_0));
  EXPECT_FALSE(isConvertTarget(GgmlType::Q4_0));
}

class GgufSidecar : public ::testing::Test {
protected:
  // The FormatError message for a sidecar holding `text`.
  std::string errorFor(const std::string& text) {
    const auto path = test::outputDir() / "bad_sidecar.json";
    writeText(path, text);
    try {
      readGgufMetadataSidecar(path);
    } catch (const FormatError& e) {
      EXPECT_EQ(e.file(), path);
      return e.what();
    }
    ADD_FAILURE() << "no error for " << text;
    return {};
  }
};

TEST_F(GgufSidecar, BadInputNamesTheProblem) {
  EXPECT_NE(errorFor("{\"metadata\": [").find("broken JSON"), std::string::npos);
  EXPECT_NE(errorFor("[]").find("metadata"), std::string::npos);
  EXPECT_NE(errorFor(R"({"metadata":[{"key":"a","type":"uint8","value":256}]})").find("(a)"),
            std::string::npos);
  EXPECT_NE(errorFor(R"({"metadata":[{"key":"b","type":"int8","value":-129}]})").find("INT8"),
            std::string::npos);
  EXPECT_NE(errorFor(R"({"metadata":[{"key":"c","type":"float16","value":1}]})").find("type"),
            std::string::npos);
  EXPECT_NE(errorFor(R"({"metadata":[{"key":"d","type":"string","value":1}]})").find("(d)"),
            std::string::npos);
  EXPECT_NE(errorFor(R"({"metadata":[{"key":"e","type":"array","value":[1]}]})").find("(e)"),
            std::string::npos);
  EXPECT_NE(errorFor(R"({"metadata":[{"type":"bool","value":true}]})").find("key"),
            std::string::npos);
}

TEST_F(GgufSidecar, MissingFileIsAFormatError) {
  EXPECT_THROW(readGgufMetadataSidecar(test::outputDir() / "no_such_sidecar.json"), FormatError);
}

} // namespace
} // namespace ws::core
