#include "core/format_error.h"
#include "core/gguf_writer.h"
#include "core/llama_model.h"
#include "core/synthetic_model.h"
#include "tests/core/model_test_support.h"

#include <gtest/gtest.h>

#include <string>

namespace ws::core {
namespace {

using test::editedTinyLlama;

void expectLoadError(const std::filesystem::path& path, const std::string& fragment) {
  try {
    LlamaModel::load(path);
    ADD_FAILURE() << "loaded " << path;
  } catch (const FormatError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path.filename().string()), std::string::npos) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
  }
}

TEST(LlamaModelTest, LoadsTheReferenceLlama) {
  const auto model = LlamaModel::load(test::tinyLlamaF32());
  EXPECT_EQ(model->spec().architecture, "llama");
  EXPECT_EQ(model->layerCount(), 2);
  EXPECT_EQ(model->hiddenSize(), 64);
  EXPECT_EQ(model->heads(), 4);
  EXPECT_EQ(model->kvHeads(), 2);
  EXPECT_EQ(model->headDim(), 16);
  EXPECT_EQ(model->ffnSize(), 192);
  EXPECT_EQ(model->vocabSize(), 32000);
  EXPECT_EQ(model->contextLength(), 512);
  EXPECT_EQ(model->ropeConfig().layout, RopeLayout::Normal);
  EXPECT_EQ(model->ropeConfig().rotaryDims, 16);
  EXPECT_FLOAT_EQ(model->ropeConfig().theta, 10000.0f);
  EXPECT_EQ(model->output().data, model->tokenEmbedding().data); // tied
  EXPECT_EQ(model->layers()[1].ffnDown.rows, 64);
  EXPECT_EQ(model->layers()[1].ffnDown.cols, 192);
  EXPECT_TRUE(model->layers()[0].queryBias.empty());
}

TEST(LlamaModelTest, Qwen2UsesNeoxRopeAndBiases) {
  SyntheticModelShape shape;
  shape.architecture = "qwen2";
  shape.matrixType = GgmlType::Q8_0;
  shape.tiedEmbeddings = false;
  const auto path = test::outputDir() / "synthetic-qwen2.gguf";
  writeSyntheticModel(shape, 3, path);
  const auto model = LlamaModel::load(path);
  EXPECT_EQ(model->ropeConfig().layout, RopeLayout::Neox);
  EXPECT_EQ(model->layers()[0].queryBias.size(), 64u);
  EXPECT_EQ(model->layers()[0].keyBias.size(), 32u);
  EXPECT_EQ(model->layers()[0].valueBias.size(), 32u);
  EXPECT_NE(model->output().data, model->tokenEmbedding().data);
  EXPECT_EQ(model->output().type, GgmlType::Q8_0);
}

TEST(LlamaModelTest, RejectsUnsupportedArchitecture) {
  SyntheticModelShape shape;
  shape.architecture = "falcon";
  const auto path = test::outputDir() / "synthetic-falcon.gguf";
  writeSyntheticModel(shape, 1, path);
  expectLoadError(path, "falcon");
}

TEST(LlamaModelTest, RejectsMissingTensor) {
  const auto path =
      editedTinyLlama("missing-tensor.gguf", [](const GgufTensorInfo& t, GgufWriter&) {
        return t.name != "blk.1.ffn_up.weight";
      });
  expectLoadError(path, "blk.1.ffn_up.weight");
}

TEST(LlamaModelTest, RejectsWrongShape) {
  const auto path =
      editedTinyLlama("wrong-shape.gguf", [](const GgufTensorInfo& t, GgufWriter& writer) {
        if (t.name != "blk.0.attn_k.weight") {
          return true;
        }
        const std::vector<float> values(64 * 64, 0.0f);
        writer.addTensorF32(t.name, {64, 64}, values);
        return false;
      });
  expectLoadError(path, "blk.0.attn_k.weight");
}

TEST(LlamaModelTest, RejectsUnsupportedTensorType) {
  const auto path =
      editedTinyLlama("unsupported-type.gguf", [](const GgufTensorInfo& t, GgufWriter& writer) {
        if (t.name != "blk.0.ffn_gate.weight") {
          return true;
        }
        const std::vector<std::byte> bytes(rowBytes(GgmlType::Q8_1, 64) * 192);
        writer.addTensor(t.name, GgmlType::Q8_1, {64, 192}, bytes);
        return false;
      });
  expectLoadError(path, "Q8_1");
}

TEST(LlamaModelTest, MissingFileNamesIt) {
  EXPECT_THROW(LlamaModel::load(test::outputDir() / "no-such-model.gguf"), std::runtime_error);
}

} // namespace
} // namespace ws::core
