#include "core/format_error.h"
#include "core/model_card.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

namespace ws::core {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> cardFiles() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(test::assetsDir() / "models" / "cards")) {
    if (e.path().extension() == ".json") {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool matchesPublished(double computedB, double publishedB, double roundingB) {
  const double tolerance = std::max(0.01 * publishedB, roundingB / 2);
  return std::fabs(computedB - publishedB) <= tolerance;
}

TEST(ModelCards, RequiredCardsExist) {
  for (const char* name :
       {"llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "qwen2.5-coder-7b", "qwen2.5-coder-32b",
        "qwen3-32b", "qwen3-coder-480b-a35b", "gpt-oss-120b", "deepseek-v3", "kimi-k2",
        "llama-4-scout", "llama-4-maverick", "glm-4.6"}) {
    EXPECT_TRUE(fs::exists(test::assetsDir() / "models" / "cards" / (std::string(name) + ".json")))
        << name;
  }
}

// The parameter counts computed from every card's shape reproduce the figures
// their publishers state, within 1 % (or half the unit a figure is rounded to).
TEST(ModelCards, ParameterCountsMatchPublishedFigures) {
  const auto files = cardFiles();
  ASSERT_GE(files.size(), 8u);
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    const ModelCard card = readModelCard(file);
    EXPECT_FALSE(card.spec.source.empty());
    EXPECT_FALSE(card.publishedParamsSource.empty());
    if (card.publishedParamsNotModelledB > 0) {
      EXPECT_FALSE(card.publishedParamsNotModelledSource.empty());
    }
    const double totalB = static_cast<double>(card.spec.paramCounts().total()) / 1e9 +
                          card.publishedParamsNotModelledB;
    EXPECT_TRUE(matchesPublished(totalB, card.publishedParamsB, card.publishedRoundingB))
        << "total " << totalB << "B vs published " << card.publishedParamsB << "B";
    EXPECT_EQ(card.spec.isMoe(), card.publishedActiveParamsB.has_value());
    if (card.publishedActiveParamsB) {
      EXPECT_FALSE(card.publishedActiveParamsSource.empty());
      const double activeB = static_cast<double>(publishedStyleActiveParams(card)) / 1e9;
      EXPECT_TRUE(matchesPublished(activeB, *card.publishedActiveParamsB, card.publishedRoundingB))
          << "active " << activeB << "B vs published " << *card.publishedActiveParamsB << "B";
    }
  }
}

TEST(ModelCards, ToleranceCanFail) {
  EXPECT_FALSE(matchesPublished(8.2, 8.0, 0.0));
  EXPECT_TRUE(matchesPublished(8.07, 8.0, 0.0));
  EXPECT_FALSE(matchesPublished(35.6, 35.0, 1.0));
}

TEST(ModelCards, KnownShapes) {
  const auto dir = test::assetsDir() / "models" / "cards";
  const ModelSpec oss = readModelCard(dir / "gpt-oss-120b.json").spec;
  EXPECT_EQ(oss.layers, 36u);
  EXPECT_EQ(oss.hiddenSize, 2880u);
  EXPECT_EQ(oss.heads, 64u);
  EXPECT_EQ(oss.headDim, 64u);
  EXPECT_EQ(oss.kvHeads, 8u);
  EXPECT_EQ(oss.experts, 128u);
  EXPECT_EQ(oss.activeExperts, 4u);
  EXPECT_EQ(oss.vocabSize, 201088u);
  EXPECT_TRUE(oss.attentionSinks);
  // OpenAI's breakdown (arXiv:2508.10925): attention 0.96B, MLP 114.71B, embed+unembed 1.16B.
  const ParamCounts c = oss.paramCounts();
  EXPECT_NEAR(static_cast<double>(c.attention) / 1e9, 0.96, 0.005);
  EXPECT_NEAR(static_cast<double>(c.experts + c.router) / 1e9, 114.71, 0.005);
  EXPECT_NEAR(static_cast<double>(c.embeddings()) / 1e9, 1.16, 0.005);
  // MXFP4 experts and BF16 elsewhere: about 65 GB.
  EXPECT_NEAR(oss.weightBytes() / 1e9, 65.2, 0.2);

  const ModelSpec coder = readModelCard(dir / "qwen3-coder-480b-a35b.json").spec;
  EXPECT_EQ(coder.layers, 62u);
  EXPECT_EQ(coder.hiddenSize, 6144u);
  EXPECT_EQ(coder.heads, 96u);
  EXPECT_EQ(coder.expertFfnSize, 2560u);
  EXPECT_EQ(coder.experts, 160u);
  EXPECT_DOUBLE_EQ(coder.bytesPerWeight, 2.0);

  const ModelSpec llama = readModelCard(dir / "llama-3.1-8b.json").spec;
  EXPECT_EQ(llama.paramCounts().total(), 8030261248u);
  EXPECT_EQ(llama.ropeScaling.type, "llama3");
  EXPECT_EQ(llama.ropeScaling.originalContextLength, 8192u);
}

// Multi-head latent attention, counted projection by projection from
// DeepSeek-V3's config.json.
TEST(ModelCards, LatentAttentionCountsEveryProjectionAndCachesTheLatent) {
  const auto dir = test::assetsDir() / "models" / "cards";
  const ModelSpec ds = readModelCard(dir / "deepseek-v3.json").spec;
  ASSERT_TRUE(ds.isMla());
  EXPECT_EQ(ds.headDim, 192u); // qk_nope 128 + qk_rope 64
  EXPECT_EQ(ds.kvHeads, 128u);
  const uint64_t wqA = 7168ull * 1536, wqB = 1536ull * 128 * 192;
  const uint64_t wkvA = 7168ull * (512 + 64), wkvB = 512ull * 128 * (128 + 128);
  const uint64_t wo = 128ull * 128 * 7168;
  EXPECT_EQ(ds.attentionParamsPerLayer(), wqA + wqB + wkvA + wkvB + wo);
  const ParamCounts c = ds.paramCounts();
  EXPECT_EQ(c.attention, 61 * (wqA + wqB + wkvA + wkvB + wo));
  // Two RMSNorms, the q and kv latent norms per layer, the final norm.
  EXPECT_EQ(c.norms, 61ull * (2 * 7168 + 1536 + 512) + 7168);
  // 3 dense layers, 58 MoE layers with one shared expert.
  EXPECT_EQ(ds.moeLayerCount(), 58u);
  EXPECT_EQ(c.ffn, 3ull * 3 * 7168 * 18432 + 58ull * 3 * 7168 * 2048);
  EXPECT_EQ(c.experts, 58ull * 256 * 3 * 7168 * 2048);
  // The cache holds the 512-value latent and the 64-value RoPE key per layer,
  // not 128 heads x 192 x 2.
  EXPECT_EQ(ds.kvValuesPerTokenPerLayer(), 576u);
  EXPECT_DOUBLE_EQ(ds.kvBytesPerToken(2.0), 61.0 * 576 * 2);

  const ModelSpec kimi = readModelCard(dir / "kimi-k2.json").spec;
  EXPECT_EQ(kimi.moeLayerCount(), 60u);
  EXPECT_DOUBLE_EQ(kimi.kvBytesPerToken(2.0), 61.0 * 576 * 2);
  EXPECT_NEAR(static_cast<double>(kimi.paramCounts().total()) / 1e9, 1026.4, 0.05);
}

TEST(ModelCards, InterleavedMoeLayersAndDenseFfnSize) {
  const auto dir = test::assetsDir() / "models" / "cards";
  const ModelSpec mav = readModelCard(dir / "llama-4-maverick.json").spec;
  EXPECT_EQ(mav.moeLayerCount(), 24u);
  EXPECT_FALSE(mav.isMoeLayer(0));
  EXPECT_TRUE(mav.isMoeLayer(1));
  EXPECT_FALSE(mav.isMoeLayer(46));
  EXPECT_TRUE(mav.isMoeLayer(47));
  const ParamCounts c = mav.paramCounts();
  // 24 dense FFNs of 16384 and 24 shared experts of 8192.
  EXPECT_EQ(c.ffn, 24ull * 3 * 5120 * 16384 + 24ull * 3 * 5120 * 8192);
  EXPECT_EQ(c.experts, 24ull * 128 * 3 * 5120 * 8192);
  EXPECT_EQ(c.router, 24ull * 128 * 5120);

  const ModelSpec scout = readModelCard(dir / "llama-4-scout.json").spec;
  EXPECT_EQ(scout.moeLayerCount(), 48u);
  EXPECT_EQ(scout.paramCounts().ffn, 48ull * 3 * 5120 * 8192); // shared experts only

  const ModelSpec glm = readModelCard(dir / "glm-4.6.json").spec;
  EXPECT_EQ(glm.moeLayerCount(), 89u);
  EXPECT_FALSE(glm.isMoeLayer(2));
  EXPECT_TRUE(glm.isMoeLayer(3));
}

// gpt-oss: the experts at MXFP4 (17 bytes per 32), the rest at BF16, each
// class at its own width (the average is what the total takes).
TEST(ModelCards, PerTensorPrecision) {
  const auto dir = test::assetsDir() / "models" / "cards";
  const ModelSpec oss = readModelCard(dir / "gpt-oss-120b.json").spec;
  EXPECT_DOUBLE_EQ(oss.routedExpertBytesPerWeight(), 17.0 / 32.0);
  EXPECT_NEAR(oss.nonExpertBytesPerWeight(), 2.0, 1e-9);
  const ModelSpec ds = readModelCard(dir / "deepseek-v3.json").spec;
  EXPECT_DOUBLE_EQ(ds.expertBytesPerWeight, 0.0); // one type for all
  EXPECT_DOUBLE_EQ(ds.nonExpertBytesPerWeight(), 2.0);
}

void writeText(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(ModelCards, BadCardsGiveOneLineErrors) {
  const auto dir = test::outputDir();
  const std::string base =
      R"("name":"x","architecture":"llama","layers":2,"hidden_size":64,"heads":4,
    "vocab_size":100,"context_length":128,"rope_theta":10000,"rms_norm_eps":1e-5,"ffn_size":128,
    "source":"test","published_params_b":1,"published_params_source":"test")";
  writeText(dir / "card_ok.json", "{" + base + "}");
  EXPECT_EQ(readModelCard(dir / "card_ok.json").spec.kvHeads, 4u);

  writeText(dir / "card_typo.json", "{" + base + R"(,"kv_head":2})");
  try {
    readModelCard(dir / "card_typo.json");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown key 'kv_head'"), std::string::npos);
  }
  writeText(dir / "card_type.json", "{" + base + R"(,"kv_heads":"two"})");
  EXPECT_THROW(readModelCard(dir / "card_type.json"), FormatError);
  writeText(dir / "card_broken.json", "{" + base);
  EXPECT_THROW(readModelCard(dir / "card_broken.json"), FormatError);
  writeText(dir / "card_gqa.json", "{" + base + R"(,"kv_heads":3})");
  try {
    readModelCard(dir / "card_gqa.json");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("not a multiple of 3 KV heads"), std::string::npos);
  }
  // Multi-head latent attention that does not add up: one line naming the
  // file and the key.
  const std::string mla =
      R"(,"mla":true,"q_lora_rank":16,"qk_nope_head_dim":8,"qk_rope_head_dim":8,"v_head_dim":8)";
  writeText(dir / "card_mla_ok.json", "{" + base + mla + R"(,"kv_lora_rank":32})");
  const ModelSpec ok = readModelCard(dir / "card_mla_ok.json").spec;
  EXPECT_TRUE(ok.isMla());
  EXPECT_EQ(ok.headDim, 16u);
  EXPECT_DOUBLE_EQ(ok.kvBytesPerToken(2.0), 2.0 * (32 + 8) * 2);
  const std::pair<std::string, std::string> badMla[] = {
      {mla + R"(,"kv_lora_rank":0})", "field 'kv_lora_rank' must be 1 .. 64, got 0"},
      {mla + R"(,"kv_lora_rank":-4})", "field 'kv_lora_rank' must be 1 .. 64, got -4"},
      {mla + R"(,"kv_lora_rank":100000})", "field 'kv_lora_rank' must be 1 .. 64, got 100000"},
      {mla + R"(,"kv_lora_rank":32,"head_dim":24})", "key 'head_dim' is 24"},
      {mla + R"(,"kv_lora_rank":32,"kv_heads":2})", "key 'kv_heads' is 2"},
      {R"(,"mla":true,"kv_lora_rank":32,"qk_nope_head_dim":8,"qk_rope_head_dim":7,"v_head_dim":8})",
       "key 'qk_rope_head_dim' is 7"},
      {R"(,"mla":true,"kv_lora_rank":32,"qk_rope_head_dim":8,"v_head_dim":8})",
       "missing field 'qk_nope_head_dim'"},
      {R"(,"kv_lora_rank":32})", "key 'kv_lora_rank' needs \"mla\": true"},
      {R"(,"moe_layer_step":0})", "field 'moe_layer_step' must be 1 .. 2, got 0"},
  };
  for (const auto& [keys, message] : badMla) {
    SCOPED_TRACE(keys);
    writeText(dir / "card_mla_bad.json", "{" + base + keys);
    try {
      readModelCard(dir / "card_mla_bad.json");
      ADD_FAILURE() << "accepted";
    } catch (const FormatError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("card_mla_bad.json"), std::string::npos) << what;
      EXPECT_NE(what.find(message), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
  }

  writeText(dir / "card_wtype.json", "{" + base + R"(,"weight_type":"Q9"})");
  EXPECT_THROW(readModelCard(dir / "card_wtype.json"), FormatError);
  EXPECT_THROW(readModelCard(dir / "no-such-card.json"), FormatError);
}

// The 2^63 hidden size of issue 19 used to make simulate spin for minutes.
TEST(ModelCards, OutOfRangeNumbersNameTheFieldAndTheRange) {
  const auto dir = test::outputDir();
  const auto errorFor = [&](const std::string& name, const std::string& fields) {
    const std::string text =
        R"({"name":"x","architecture":"llama","heads":4,"rope_theta":10000,"rms_norm_eps":1e-5,
      "source":"test","published_params_b":1,"published_params_source":"test")" +
        fields + "}";
    writeText(dir / name, text);
    try {
      readModelCard(dir / name);
    } catch (const FormatError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string sizes = R"(,"vocab_size":100,"context_length":128,"ffn_size":128)";
  EXPECT_EQ(errorFor("card_huge.json", R"(,"layers":2,"hidden_size":9223372036854775808)" + sizes),
            (dir / "card_huge.json").string() +
                ": field 'hidden_size' must be 1 .. 1048576, got 9223372036854775808");
  EXPECT_NE(errorFor("card_zero.json", R"(,"layers":0,"hidden_size":64)" + sizes)
                .find("field 'layers' must be 1 .. 4096, got 0"),
            std::string::npos);
  EXPECT_NE(errorFor("card_neg.json", R"(,"layers":-2,"hidden_size":64)" + sizes)
                .find("field 'layers' must be 1 .. 4096, got -2"),
            std::string::npos);
  EXPECT_NE(errorFor("card_float.json", R"(,"layers":2.5,"hidden_size":64)" + sizes)
                .find("field 'layers' must be 1 .. 4096, got 2.5"),
            std::string::npos);
  EXPECT_NE(errorFor("card_eps.json", R"(,"layers":2,"hidden_size":64,"rms_norm_eps":-1)" + sizes)
                .find("field 'rms_norm_eps' must be"),
            std::string::npos);
  // Every field in range, the product is not: 4096 layers of 2^20-wide FFNs.
  EXPECT_NE(errorFor("card_params.json",
                     R"(,"layers":4096,"hidden_size":1048576,"head_dim":64,"vocab_size":100,)"
                     R"("context_length":128,"ffn_size":1048576)")
                .find("parameters is above the largest supported"),
            std::string::npos);
}

TEST(ModelCards, NonRegularFilesAreRefusedWithoutReading) {
  EXPECT_THROW(
      {
        try {
          readModelCard("/dev/zero");
        } catch (const FormatError& e) {
          EXPECT_STREQ(e.what(), "/dev/zero: is not a regular file");
          throw;
        }
      },
      FormatError);
  EXPECT_THROW(readModelCard(test::outputDir()), FormatError);
}

} // namespace
} // namespace ws::core
