#include "core/format_error.h"
#include "core/hf_config.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace ws::core {
namespace {

using nlohmann::json;

// Abridged from https://huggingface.co/meta-llama/Llama-3.1-8B/blob/main/config.json
const char* kLlama31_8B = R"({
  "architectures": ["LlamaForCausalLM"], "bos_token_id": 128000, "eos_token_id": 128001,
  "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02,
  "intermediate_size": 14336, "max_position_embeddings": 131072, "mlp_bias": false,
  "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32,
  "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
  "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
  "attention_bias": false, "vocab_size": 128256})";

// Abridged from https://huggingface.co/openai/gpt-oss-120b/blob/main/config.json
const char* kGptOss120B = R"({
  "architectures": ["GptOssForCausalLM"], "attention_bias": true, "head_dim": 64,
  "hidden_size": 2880, "intermediate_size": 2880, "max_position_embeddings": 131072,
  "model_type": "gpt_oss", "num_attention_heads": 64, "num_experts_per_tok": 4,
  "num_hidden_layers": 36, "num_key_value_heads": 8, "num_local_experts": 128,
  "rms_norm_eps": 1e-05, "rope_scaling": {"beta_fast": 32.0, "beta_slow": 1.0, "factor": 32.0,
  "original_max_position_embeddings": 4096, "rope_type": "yarn", "truncate": false},
  "rope_theta": 150000, "sliding_window": 128, "tie_word_embeddings": false,
  "torch_dtype": "bfloat16", "vocab_size": 201088})";

// Abridged from https://huggingface.co/Qwen/Qwen3-Coder-480B-A35B-Instruct/blob/main/config.json
const char* kQwen3Coder = R"({
  "architectures": ["Qwen3MoeForCausalLM"], "decoder_sparse_step": 1, "head_dim": 128,
  "hidden_size": 6144, "intermediate_size": 8192, "max_position_embeddings": 262144,
  "mlp_only_layers": [], "model_type": "qwen3_moe", "moe_intermediate_size": 2560,
  "num_attention_heads": 96, "num_experts": 160, "num_experts_per_tok": 8,
  "num_hidden_layers": 62, "num_key_value_heads": 8, "rms_norm_eps": 1e-06,
  "rope_scaling": null, "rope_theta": 10000000, "tie_word_embeddings": false,
  "torch_dtype": "bfloat16", "vocab_size": 151936})";

TEST(HfConfig, Llama31) {
  const ModelSpec s = modelSpecFromHfConfigJson(json::parse(kLlama31_8B), "llama/config.json");
  EXPECT_EQ(s.architecture, "llama");
  EXPECT_EQ(s.layers, 32u);
  EXPECT_EQ(s.hiddenSize, 4096u);
  EXPECT_EQ(s.heads, 32u);
  EXPECT_EQ(s.kvHeads, 8u);
  EXPECT_EQ(s.headDim, 128u);
  EXPECT_EQ(s.ffnSize, 14336u);
  EXPECT_EQ(s.vocabSize, 128256u);
  EXPECT_EQ(s.contextLength, 131072u);
  EXPECT_DOUBLE_EQ(s.ropeTheta, 500000.0);
  EXPECT_EQ(s.ropeScaling.type, "llama3");
  EXPECT_DOUBLE_EQ(s.ropeScaling.factor, 8.0);
  EXPECT_EQ(s.ropeScaling.originalContextLength, 8192u);
  EXPECT_DOUBLE_EQ(s.rmsNormEps, 1e-5);
  EXPECT_FALSE(s.tiedEmbeddings);
  EXPECT_FALSE(s.attentionQkvBias);
  EXPECT_DOUBLE_EQ(s.bytesPerWeight, 2.0);
  EXPECT_EQ(s.paramCounts().total(), 8030261248u);
  EXPECT_EQ(s.source, "llama/config.json");
}

TEST(HfConfig, GptOssCountsBiasesAndSinks) {
  const ModelSpec s = modelSpecFromHfConfigJson(json::parse(kGptOss120B), "oss");
  EXPECT_EQ(s.architecture, "gpt-oss");
  EXPECT_EQ(s.experts, 128u);
  EXPECT_EQ(s.activeExperts, 4u);
  EXPECT_EQ(s.expertFfnSize, 2880u);
  EXPECT_EQ(s.ffnSize, 0u);
  EXPECT_EQ(s.headDim, 64u);
  EXPECT_TRUE(s.attentionQkvBias && s.attentionOutBias && s.attentionSinks && s.expertBias);
  EXPECT_EQ(s.ropeScaling.type, "yarn");
  // 116.83B total per OpenAI's model card (arXiv:2508.10925, Table 1).
  EXPECT_NEAR(static_cast<double>(s.paramCounts().total()) / 1e9, 116.83, 0.01);
}

TEST(HfConfig, Qwen3MoeCoder) {
  const ModelSpec s = modelSpecFromHfConfigJson(json::parse(kQwen3Coder), "coder");
  EXPECT_EQ(s.architecture, "qwen3moe");
  EXPECT_EQ(s.experts, 160u);
  EXPECT_EQ(s.activeExperts, 8u);
  EXPECT_EQ(s.expertFfnSize, 2560u);
  EXPECT_EQ(s.ffnSize, 0u);
  EXPECT_TRUE(s.qkNorm);
  EXPECT_EQ(s.ropeScaling.type, "none");
  EXPECT_NEAR(static_cast<double>(s.paramCounts().total()) / 1e9, 480.2, 0.1);
}

// Abridged from https://huggingface.co/deepseek-ai/DeepSeek-V3/blob/main/config.json
const char* kDeepSeekV3 = R"({
  "architectures": ["DeepseekV3ForCausalLM"], "attention_bias": false,
  "first_k_dense_replace": 3, "hidden_size": 7168, "intermediate_size": 18432,
  "kv_lora_rank": 512, "max_position_embeddings": 163840, "model_type": "deepseek_v3",
  "moe_intermediate_size": 2048, "moe_layer_freq": 1, "n_routed_experts": 256,
  "n_shared_experts": 1, "num_attention_heads": 128, "num_experts_per_tok": 8,
  "num_hidden_layers": 61, "num_key_value_heads": 128, "q_lora_rank": 1536,
  "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "rms_norm_eps": 1e-06,
  "rope_theta": 10000, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
  "v_head_dim": 128, "vocab_size": 129280})";

TEST(HfConfig, DeepSeekV3LatentAttention) {
  const ModelSpec s = modelSpecFromHfConfigJson(json::parse(kDeepSeekV3), "deepseek");
  EXPECT_TRUE(s.isMla());
  EXPECT_EQ(s.headDim, 192u);
  EXPECT_EQ(s.experts, 256u);
  EXPECT_EQ(s.sharedExperts, 1u);
  EXPECT_EQ(s.denseLayers, 3u);
  EXPECT_EQ(s.ffnSize, 18432u);
  EXPECT_DOUBLE_EQ(s.kvBytesPerToken(2.0), 61.0 * (512 + 64) * 2);
  EXPECT_NEAR(static_cast<double>(s.paramCounts().total()) / 1e9, 671.0, 0.1);
}

TEST(HfConfig, Qwen2HasQkvBias) {
  json c = json::parse(kLlama31_8B);
  c["model_type"] = "qwen2";
  c.erase("attention_bias");
  EXPECT_TRUE(modelSpecFromHfConfigJson(c, "q").attentionQkvBias);
}

TEST(HfConfig, ErrorsNameFileAndKey) {
  json c = json::parse(kLlama31_8B);
  c.erase("hidden_size");
  try {
    modelSpecFromHfConfigJson(c, "dir/config.json");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), "dir/config.json: missing key 'hidden_size'");
  }
  c = json::parse(kLlama31_8B);
  c["num_attention_heads"] = "32";
  EXPECT_THROW(modelSpecFromHfConfigJson(c, "x"), FormatError);
  c = json::parse(kLlama31_8B);
  c["num_key_value_heads"] = 5;
  EXPECT_THROW(modelSpecFromHfConfigJson(c, "x"), FormatError);
  EXPECT_THROW(modelSpecFromHfConfigJson(json::array(), "x"), FormatError);
  c = json::parse(kQwen3Coder);
  c["mlp_only_layers"] = {0, 1};
  EXPECT_THROW(modelSpecFromHfConfigJson(c, "x"), FormatError);

  const auto dir = test::outputDir() / "hf_broken";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.json") << "{\"model_type\": ";
  EXPECT_THROW(modelSpecFromHfConfig(dir), FormatError);
  EXPECT_THROW(modelSpecFromHfConfig(dir / "missing.json"), FormatError);
}

TEST(HfConfig, MeasuresBytesPerWeightFromSafetensorsBeside) {
  const auto dir = test::outputDir() / "hf_with_weights";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.json") << R"({"model_type":"llama","num_hidden_layers":1,
    "hidden_size":4,"num_attention_heads":1,"intermediate_size":8,"vocab_size":4,
    "torch_dtype":"bfloat16"})";
  const std::string header = R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  std::ofstream out(dir / "model.safetensors", std::ios::binary);
  const uint64_t n = header.size();
  out.write(reinterpret_cast<const char*>(&n), 8);
  out << header << std::string(16, '\0');
  out.close();
  EXPECT_DOUBLE_EQ(modelSpecFromHfConfig(dir).bytesPerWeight, 4.0);
  EXPECT_DOUBLE_EQ(bytesPerWeightForTorchDtype("bfloat16"), 2.0);
  EXPECT_DOUBLE_EQ(bytesPerWeightForTorchDtype("float32"), 4.0);
  EXPECT_DOUBLE_EQ(bytesPerWeightForTorchDtype("complex64"), 0.0);
}

} // namespace
} // namespace ws::core
