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
        "qwen3-32b", "qwen3-coder-480b-a35b", "gpt-oss-120b"}) {
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
    const double totalB = static_cast<double>(card.spec.paramCounts().total()) / 1e9;
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
