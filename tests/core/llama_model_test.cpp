#include "core/builtin_model.h"
#include "core/format_error.h"
#include "core/gguf_writer.h"
#include "core/inference_context.h"
#include "core/llama_model.h"
#include "core/synthetic_model.h"
#include "tests/core/model_test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
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

TEST(LlamaModelTest, LoadsQwen3MoeExperts) {
  const auto model = LlamaModel::load(test::tinyQwen3MoeF16());
  EXPECT_EQ(model->spec().architecture, "qwen3moe");
  EXPECT_EQ(model->headDim(), 64);
  EXPECT_EQ(model->expertCount(), 4);
  EXPECT_EQ(model->expertsUsed(), 2);
  const LlamaLayer& layer = model->layers()[1];
  ASSERT_TRUE(layer.isMoe());
  EXPECT_EQ(layer.queryNorm.size(), 64u);
  EXPECT_EQ(layer.router.rows, 4);
  EXPECT_EQ(layer.gateExperts.count, 4);
  EXPECT_EQ(layer.gateExperts.first.rows, 256);
  // Expert e starts e matrices into the stacked tensor.
  EXPECT_EQ(layer.downExperts.expert(3).data - layer.downExperts.expert(0).data,
            static_cast<ptrdiff_t>(3 * 256 * rowBytes(GgmlType::F16, 256)));
}

// A qwen3moe file with one metadata key replaced.
std::filesystem::path qwen3MoeWithKey(const std::string& name, const std::string& key,
                                      uint32_t value) {
  return test::editedModel(
      test::tinyQwen3MoeF16(), name, [](const GgufTensorInfo&, GgufWriter&) { return true; },
      [&](GgufWriter& writer) { writer.setUInt32(key, value); });
}

TEST(LlamaModelTest, RejectsMissingQkNorm) {
  const auto path = test::editedModel(
      test::tinyQwen3MoeF16(), "missing-k-norm.gguf",
      [](const GgufTensorInfo& t, GgufWriter&) { return t.name != "blk.1.attn_k_norm.weight"; });
  expectLoadError(path, "missing tensor blk.1.attn_k_norm.weight");
}

TEST(LlamaModelTest, RejectsMisShapedExperts) {
  const auto path = test::editedModel(test::tinyQwen3MoeF16(), "short-experts.gguf",
                                      [](const GgufTensorInfo& t, GgufWriter& w) {
                                        if (t.name != "blk.1.ffn_up_exps.weight") {
                                          return true;
                                        }
                                        const std::vector<float> values(256 * 256 * 3, 0.0f);
                                        w.addTensorF32(t.name, {256, 256, 3}, values);
                                        return false;
                                      });
  expectLoadError(path, "tensor blk.1.ffn_up_exps.weight has shape [256, 256, 3]");
}

TEST(LlamaModelTest, RejectsZeroExperts) {
  expectLoadError(qwen3MoeWithKey("zero-experts.gguf", "qwen3moe.expert_count", 0),
                  "qwen3moe.expert_count is missing or 0");
}

TEST(LlamaModelTest, RejectsMoreExpertsThanStored) {
  expectLoadError(qwen3MoeWithKey("eight-experts.gguf", "qwen3moe.expert_count", 8),
                  "tensor blk.0.ffn_gate_inp.weight has shape [256, 4], expected [256, 8]");
}

TEST(LlamaModelTest, RejectsMoreExpertsUsedThanExist) {
  expectLoadError(qwen3MoeWithKey("five-of-four.gguf", "qwen3moe.expert_used_count", 5),
                  "qwen3moe.expert_used_count = 5 must be 1..qwen3moe.expert_count = 4");
}

TEST(LlamaModelTest, RejectsHeadSizeNotDividingQueryRows) {
  const auto path = test::editedModel(
      test::tinyQwen3MoeF16(), "head-96.gguf",
      [](const GgufTensorInfo&, GgufWriter&) { return true; },
      [](GgufWriter& writer) {
        writer.setUInt32("qwen3moe.attention.key_length", 96);
        writer.setUInt32("qwen3moe.attention.value_length", 96);
      });
  expectLoadError(path, "head size 96 (qwen3moe.attention.key_length) does not divide the 256 "
                        "rows of tensor blk.0.attn_q.weight");
}

TEST(LlamaModelTest, RejectsValueHeadSizeUnlikeKeyHeadSize) {
  expectLoadError(qwen3MoeWithKey("value-32.gguf", "qwen3moe.attention.value_length", 32),
                  "qwen3moe.attention.value_length = 32 differs from the key head size 64");
}

TEST(LlamaModelTest, RejectsHiddenSizeNotSplittingIntoHeads) {
  const auto path = editedTinyLlama(
      "three-heads.gguf", [](const GgufTensorInfo&, GgufWriter&) { return true; },
      [](GgufWriter& writer) {
        writer.setUInt32("llama.attention.head_count", 3);
        writer.setUInt32("llama.attention.head_count_kv", 3);
      });
  expectLoadError(path, "llama.embedding_length = 64 is not a multiple of "
                        "llama.attention.head_count = 3");
}

TEST(LlamaModelTest, SyntheticModelsAreReproducible) {
  SyntheticModelShape shape;
  shape.matrixType = GgmlType::F16;
  const auto a = test::outputDir() / "synthetic-a.gguf";
  const auto b = test::outputDir() / "synthetic-b.gguf";
  const auto c = test::outputDir() / "synthetic-c.gguf";
  writeSyntheticModel(shape, 5, a);
  writeSyntheticModel(shape, 5, b);
  writeSyntheticModel(shape, 6, c);
  const auto read = [](const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(read(a), read(b));
  EXPECT_NE(read(a), read(c));
  EXPECT_EQ(LlamaModel::load(a)->layers()[0].query.type, GgmlType::F16);
  shape.matrixType = GgmlType::IQ2_XXS;
  EXPECT_THROW(writeSyntheticModel(shape, 5, c), std::invalid_argument);
  shape.matrixType = GgmlType::F32;
  shape.heads = 3;
  EXPECT_THROW(writeSyntheticModel(shape, 5, c), std::invalid_argument);
}

// A qwen3moe in llama.cpp's Q4_K_M mix runs close to the same random weights
// in F32 (the generator draws the same floats whatever the storage type).
TEST(LlamaModelTest, SyntheticQwen3MoeInQ4KMixRunsCloseToF32) {
  SyntheticModelShape shape;
  shape.architecture = "qwen3moe";
  shape.hiddenSize = 256;
  shape.heads = 4;
  shape.kvHeads = 2;
  shape.headDim = 96; // not hidden / heads
  shape.experts = 6;
  shape.expertsUsed = 2;
  shape.expertFfnSize = 256;
  shape.vocabSize = 512;
  shape.matrixType = GgmlType::F32;
  const auto f32 = test::outputDir() / "synthetic-moe-f32.gguf";
  writeSyntheticModel(shape, 3, f32);
  shape.matrixType = GgmlType::Q4_K;
  shape.mediumMix = true;
  const auto q4 = test::outputDir() / "synthetic-moe-q4_k_m.gguf";
  writeSyntheticModel(shape, 3, q4);

  const auto exact = LlamaModel::load(f32);
  const auto quantized = LlamaModel::load(q4);
  EXPECT_EQ(quantized->headDim(), 96);
  EXPECT_EQ(quantized->layers()[0].attentionOutput.type, GgmlType::Q5_0); // 384 columns
  EXPECT_EQ(quantized->layers()[0].gateExperts.first.type, GgmlType::Q4_K);
  EXPECT_EQ(quantized->layers()[0].downExperts.first.type, GgmlType::Q4_K);
  EXPECT_EQ(quantized->layers()[1].downExperts.first.type, GgmlType::Q6_K); // use_more_bits
  EXPECT_EQ(quantized->tokenEmbedding().type, GgmlType::Q6_K);
  InferenceContext a(*exact, {1, 8});
  InferenceContext b(*quantized, {2, 8});
  for (int32_t token : {1, 7, 300, 42}) {
    const auto la = a.forward(token);
    const std::vector<float> want(la.begin(), la.end());
    const auto lb = b.forward(token);
    // Cosine similarity of the two logit vectors: 4-bit weights move each
    // logit by several percent, never the vector's direction.
    double dot = 0.0;
    double normA = 0.0;
    double normB = 0.0;
    for (size_t i = 0; i < want.size(); ++i) {
      dot += static_cast<double>(want[i]) * lb[i];
      normA += static_cast<double>(want[i]) * want[i];
      normB += static_cast<double>(lb[i]) * lb[i];
    }
    EXPECT_GT(dot / std::sqrt(normA * normB), 0.98) << "token " << token;
  }
}

TEST(BuiltinModelTest, BuiltinResolvesToTheAssetsModel) {
  EXPECT_EQ(builtinModelPath().filename(), "builtin-coder.gguf");
  EXPECT_EQ(builtinModelPath().parent_path().filename(), "models");
  EXPECT_EQ(resolveModelPath("builtin"), builtinModelPath());
  EXPECT_EQ(resolveModelPath("some/model.gguf"), std::filesystem::path("some/model.gguf"));
}

TEST(LlamaModelTest, ReadsRopeScalingAndFrequencyFactors) {
  const auto linear = editedTinyLlama(
      "rope-linear.gguf", [](const GgufTensorInfo&, GgufWriter&) { return true; },
      [](GgufWriter& writer) {
        writer.setString("llama.rope.scaling.type", "linear");
        writer.setFloat32("llama.rope.scaling.factor", 4.0f);
      });
  EXPECT_FLOAT_EQ(LlamaModel::load(linear)->ropeConfig().freqScale, 0.25f);

  const auto factors =
      editedTinyLlama("rope-freqs.gguf", [](const GgufTensorInfo& t, GgufWriter& writer) {
        if (t.name == "output_norm.weight") {
          writer.addTensorF32("rope_freqs.weight", {8}, std::vector<float>(8, 2.0f));
        }
        return true;
      });
  EXPECT_EQ(LlamaModel::load(factors)->ropeConfig().freqFactors, std::vector<float>(8, 2.0f));

  const auto yarn = editedTinyLlama(
      "rope-yarn.gguf", [](const GgufTensorInfo&, GgufWriter&) { return true; },
      [](GgufWriter& writer) { writer.setString("llama.rope.scaling.type", "yarn"); });
  expectLoadError(yarn, "yarn");
}

TEST(LlamaModelTest, MissingFileNamesIt) {
  EXPECT_THROW(LlamaModel::load(test::outputDir() / "no-such-model.gguf"), std::runtime_error);
}

} // namespace
} // namespace ws::core
