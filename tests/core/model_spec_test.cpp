#include "core/format_error.h"
#include "core/gguf.h"
#include "core/gguf_writer.h"
#include "core/model_spec.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <fstream>

namespace ws::core {
namespace {

ModelSpec tinyDense() {
  ModelSpec s;
  s.name = "tiny";
  s.architecture = "llama";
  s.layers = 2;
  s.hiddenSize = 8;
  s.heads = 2;
  s.kvHeads = 1;
  s.headDim = 4;
  s.ffnSize = 16;
  s.vocabSize = 10;
  s.source = "test";
  return s;
}

// Multi-head latent attention by hand: hidden 8, 2 heads, q rank 4, kv rank
// 3, qk nope 2, qk rope 2, v 3.
TEST(ModelSpec, LatentAttentionParamCountsAndCacheByHand) {
  ModelSpec s = tinyDense();
  s.kvHeads = 2;
  s.headDim = 4;
  s.qLoraRank = 4;
  s.kvLoraRank = 3;
  s.qkNopeHeadDim = 2;
  s.qkRopeHeadDim = 2;
  s.vHeadDim = 3;
  s.validate();
  // wq_a 8x4 + wq_b 4x(2x4) + wkv_a 8x(3+2) + wkv_b 3x(2x(2+3)) + wo (2x3)x8.
  EXPECT_EQ(s.attentionParamsPerLayer(), 32u + 32 + 40 + 30 + 48);
  const ParamCounts c = s.paramCounts();
  EXPECT_EQ(c.attention, 2u * 182);
  EXPECT_EQ(c.norms, 2u * (16 + 4 + 3) + 8);
  // Latent 3 + RoPE key 2 per layer, not 2 heads x 4 x 2.
  EXPECT_EQ(s.kvValuesPerTokenPerLayer(), 5u);
  EXPECT_DOUBLE_EQ(s.kvBytesPerToken(2.0), 2.0 * 5 * 2);
  // Without the query's low-rank step: wq 8x(2x4).
  s.qLoraRank = 0;
  EXPECT_EQ(s.attentionParamsPerLayer(), 64u + 40 + 30 + 48);

  ModelSpec bad = s;
  bad.kvLoraRank = 0; // the other MLA dims without the latent
  EXPECT_THROW(bad.validate(), std::invalid_argument);
  bad = s;
  bad.headDim = 8;
  EXPECT_THROW(bad.validate(), std::invalid_argument);
  bad = s;
  bad.kvLoraRank = 9; // more than the hidden size
  EXPECT_THROW(bad.validate(), std::invalid_argument);
}

// Llama 4 Maverick's pattern: after the leading dense layers, every
// moeLayerStep-th layer is MoE, the others dense with their own FFN size.
TEST(ModelSpec, InterleavedMoeLayers) {
  ModelSpec s = tinyDense();
  s.layers = 6;
  s.experts = 4;
  s.activeExperts = 1;
  s.expertFfnSize = 4;
  s.sharedExperts = 1;
  s.moeLayerStep = 2;
  s.validate();
  EXPECT_EQ(s.moeLayerCount(), 3u);
  for (uint64_t l = 0; l < 6; ++l) {
    EXPECT_EQ(s.isMoeLayer(l), l % 2 == 1) << l;
  }
  const ParamCounts c = s.paramCounts();
  // 3 dense FFNs of 16 and 3 shared experts of 4.
  EXPECT_EQ(c.ffn, 3u * 3 * 8 * 16 + 3u * 3 * 8 * 4);
  EXPECT_EQ(c.experts, 3u * 4 * 3 * 8 * 4);
  EXPECT_EQ(c.router, 3u * 8 * 4);
  s.denseLayers = 2; // layers 3 and 5 are MoE
  EXPECT_EQ(s.moeLayerCount(), 2u);
  EXPECT_FALSE(s.isMoeLayer(2));
  EXPECT_TRUE(s.isMoeLayer(3));
  s.ffnSize = 0; // dense layers without a size
  EXPECT_THROW(s.validate(), std::invalid_argument);
  s.ffnSize = 16;
  s.moeLayerStep = 0;
  EXPECT_THROW(s.validate(), std::invalid_argument);
}

TEST(ModelSpec, DenseParamCountsByHand) {
  ModelSpec s = tinyDense();
  const ParamCounts c = s.paramCounts();
  // Per layer: Q 8x8 + K 8x4 + V 8x4 + O 8x8 = 192; FFN 3x8x16 = 384; norms 16.
  EXPECT_EQ(c.attention, 2u * 192);
  EXPECT_EQ(c.ffn, 2u * 384);
  EXPECT_EQ(c.norms, 2u * 16 + 8);
  EXPECT_EQ(c.inputEmbedding, 80u);
  EXPECT_EQ(c.outputEmbedding, 80u);
  EXPECT_EQ(c.experts, 0u);
  EXPECT_EQ(c.total(), 384u + 768 + 40 + 160);
  EXPECT_EQ(c.active(), c.total());
  s.tiedEmbeddings = true;
  EXPECT_EQ(s.paramCounts().outputEmbedding, 0u);
  EXPECT_EQ(s.paramCounts().total(), 384u + 768 + 40 + 80);
  s.bytesPerWeight = 2.0;
  EXPECT_DOUBLE_EQ(s.weightBytes(), 2.0 * (384 + 768 + 40 + 80));
  // K and V: 2 layers x 1 KV head x 4 dims x 2 tensors x 2 bytes.
  EXPECT_DOUBLE_EQ(s.kvBytesPerToken(), 32.0);
  EXPECT_DOUBLE_EQ(s.kvBytesPerToken(1.0), 16.0);
}

TEST(ModelSpec, ExtrasAndMoeByHand) {
  ModelSpec s = tinyDense();
  s.attentionQkvBias = true; // + 8 + 4 + 4
  s.attentionOutBias = true; // + 8
  s.attentionSinks = true;   // + 2
  s.qkNorm = true;           // norms + 2 x 4
  s.ffnSize = 0;
  s.experts = 4;
  s.activeExperts = 2;
  s.expertFfnSize = 16;
  s.expertBias = true; // per expert + 2x16 + 8; router + 4
  s.sharedExperts = 1;
  const ParamCounts c = s.paramCounts();
  EXPECT_EQ(c.attention, 2u * (192 + 16 + 8 + 2));
  EXPECT_EQ(c.norms, 2u * (16 + 8) + 8);
  EXPECT_EQ(c.experts, 2u * 4 * (384 + 40));
  EXPECT_EQ(c.activeExperts, 2u * 2 * (384 + 40));
  EXPECT_EQ(c.router, 2u * (8 * 4 + 4));
  EXPECT_EQ(c.ffn, 2u * 384); // the shared expert
  EXPECT_EQ(c.active(), c.total() - c.experts + c.activeExperts);
  EXPECT_NO_THROW(s.validate());
  s.denseLayers = 1; // needs a dense FFN size
  EXPECT_THROW(s.validate(), std::invalid_argument);
  s.ffnSize = 32;
  EXPECT_NO_THROW(s.validate());
  EXPECT_EQ(s.paramCounts().experts, 1u * 4 * (384 + 40));
  EXPECT_EQ(s.paramCounts().ffn, 1u * 3 * 8 * 32 + 1u * 384);
}

TEST(ModelSpec, ValidateNamesTheProblem) {
  ModelSpec s = tinyDense();
  s.kvHeads = 0;
  try {
    s.validate();
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("KV heads is 0"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("test"), std::string::npos);
  }
  s = tinyDense();
  s.experts = 4;
  s.activeExperts = 5;
  s.expertFfnSize = 8;
  EXPECT_THROW(s.validate(), std::invalid_argument);
}

TEST(ModelSpec, FromReferenceGguf) {
  const auto dir = test::testdataDir() / "models";
  const ModelSpec f32 = modelSpecFromGguf(GgufFile::open(dir / "tiny-random-llama-f32.gguf"));
  EXPECT_EQ(f32.architecture, "llama");
  EXPECT_EQ(f32.name, "tiny-random-llama");
  EXPECT_EQ(f32.layers, 2u);
  EXPECT_EQ(f32.hiddenSize, 64u);
  EXPECT_EQ(f32.heads, 4u);
  EXPECT_EQ(f32.kvHeads, 2u);
  EXPECT_EQ(f32.headDim, 16u);
  EXPECT_EQ(f32.ffnSize, 192u);
  EXPECT_EQ(f32.vocabSize, 32000u);
  EXPECT_EQ(f32.contextLength, 512u);
  EXPECT_DOUBLE_EQ(f32.ropeTheta, 10000.0);
  EXPECT_NEAR(f32.rmsNormEps, 1e-6, 1e-12);
  EXPECT_FALSE(f32.ropeNeox);
  EXPECT_TRUE(f32.tiedEmbeddings);
  EXPECT_FALSE(f32.isMoe());
  EXPECT_DOUBLE_EQ(f32.bytesPerWeight, 4.0);
  // The spec's parameter count equals the elements actually stored.
  const GgufFile file = GgufFile::open(dir / "tiny-random-llama-f32.gguf");
  uint64_t stored = 0;
  for (const auto& t : file.tensors()) {
    stored += t.elementCount();
  }
  EXPECT_EQ(f32.paramCounts().total(), stored);

  const ModelSpec q8 = modelSpecFromGguf(GgufFile::open(dir / "tiny-random-llama-q8_0.gguf"));
  EXPECT_GT(q8.bytesPerWeight, 1.0625);
  EXPECT_LT(q8.bytesPerWeight, 1.2);
  const ModelSpec f16 = modelSpecFromGguf(GgufFile::open(dir / "tiny-random-llama-f16.gguf"));
  EXPECT_NEAR(f16.bytesPerWeight, 2.0, 0.01);
}

TEST(ModelSpec, FromGgufMissingKeyIsFormatError) {
  GgufWriter w;
  w.setString("general.architecture", "qwen2");
  w.setUInt32("qwen2.block_count", 2);
  const auto path = test::outputDir() / "spec_missing.gguf";
  w.write(path);
  try {
    modelSpecFromGguf(GgufFile::open(path));
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("missing metadata key 'qwen2.embedding_length'"),
              std::string::npos);
  }
}

TEST(ModelSpec, FromGgufMoeKeys) {
  GgufWriter w;
  w.setString("general.architecture", "qwen3moe");
  w.setUInt32("qwen3moe.block_count", 2);
  w.setUInt32("qwen3moe.embedding_length", 32);
  w.setUInt32("qwen3moe.attention.head_count", 4);
  w.setUInt32("qwen3moe.attention.head_count_kv", 2);
  w.setUInt32("qwen3moe.attention.key_length", 16);
  w.setUInt32("qwen3moe.feed_forward_length", 64);
  w.setUInt32("qwen3moe.expert_feed_forward_length", 24);
  w.setUInt32("qwen3moe.expert_count", 8);
  w.setUInt32("qwen3moe.expert_used_count", 2);
  w.setUInt32("qwen3moe.vocab_size", 50);
  w.setFloat32("qwen3moe.rope.freq_base", 1e6f);
  w.setString("qwen3moe.rope.scaling.type", "yarn");
  w.setFloat32("qwen3moe.rope.scaling.factor", 4.0f);
  w.setUInt32("qwen3moe.rope.scaling.original_context_length", 32768);
  const std::vector<float> norm(16, 1.0f);
  w.addTensorF32("blk.0.attn_q_norm.weight", {16}, norm);
  const auto path = test::outputDir() / "spec_moe.gguf";
  w.write(path);
  const ModelSpec s = modelSpecFromGguf(GgufFile::open(path));
  EXPECT_EQ(s.experts, 8u);
  EXPECT_EQ(s.activeExperts, 2u);
  EXPECT_EQ(s.expertFfnSize, 24u);
  EXPECT_EQ(s.ffnSize, 0u); // every layer is MoE
  EXPECT_EQ(s.headDim, 16u);
  EXPECT_EQ(s.vocabSize, 50u);
  EXPECT_TRUE(s.qkNorm);
  EXPECT_TRUE(s.ropeNeox);
  EXPECT_EQ(s.ropeScaling.type, "yarn");
  EXPECT_DOUBLE_EQ(s.ropeScaling.factor, 4.0);
  EXPECT_EQ(s.ropeScaling.originalContextLength, 32768u);
}

TEST(ModelSpec, LoadDispatchesByKind) {
  EXPECT_EQ(loadModelSpec("llama-3.1-8b").layers, 32u);
  EXPECT_EQ(
      loadModelSpec((test::assetsDir() / "models" / "cards" / "qwen3-32b.json").string()).heads,
      64u);
  EXPECT_EQ(loadModelSpec((test::testdataDir() / "models" / "tiny-random-llama-q4_0.gguf").string())
                .hiddenSize,
            64u);
  const auto dir = test::outputDir() / "hf_dispatch";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.json") << R"({"model_type":"llama","num_hidden_layers":3,
    "hidden_size":64,"num_attention_heads":4,"intermediate_size":128,"vocab_size":99})";
  EXPECT_EQ(loadModelSpec(dir.string()).layers, 3u);
  EXPECT_EQ(loadModelSpec((dir / "config.json").string()).vocabSize, 99u);

  try {
    loadModelSpec("llama-9000");
    FAIL();
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("unknown model 'llama-9000'"), std::string::npos);
    EXPECT_NE(what.find("llama-3.1-8b"), std::string::npos);
    EXPECT_EQ(what.find('\n'), std::string::npos);
  }
  try {
    loadModelSpec("missing/model.gguf");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "missing/model.gguf: no such file or directory");
  }
  EXPECT_EQ(loadModelSpec("qwen2.5-coder-7b").layers, 28u); // a dot in a card name
  const auto cards = listModelCards();
  EXPECT_TRUE(std::is_sorted(cards.begin(), cards.end()));
  EXPECT_NE(std::find(cards.begin(), cards.end(), "gpt-oss-120b"), cards.end());
}

} // namespace
} // namespace ws::core
