#include "core/builtin_model.h"
#include "core/format_error.h"
#include "core/model_spec.h"
#include "sim/serving_profile.h"
#include "sim/validation.h"

#include <gtest/gtest.h>

#include <string>

namespace ws::sim {
namespace {

const std::string kSpeculative = R"({
  "name": "t", "description": "d", "weight_bits": 16, "weight_bits_source": "s",
  "speculative": {"draft_tokens": 4, "draft_tokens_source": "s",
    "acceptance_rate": 0.8, "acceptance_rate_source": "UNCONFIRMED: s",
    "acceptance_rate_range": [0.6, 0.9],
    "drafts": [{"card": "llama-3.1-8b", "source": "s"}, {"card": "llama-3.2-1b", "source": "s"}]}})";

// `needle` replaced by `replacement` must fail naming the file and `field`.
void expectBad(const std::string& needle, const std::string& replacement,
               const std::string& field) {
  std::string text = kSpeculative;
  const size_t at = text.find(needle);
  ASSERT_NE(at, std::string::npos) << needle;
  text.replace(at, needle.size(), replacement);
  try {
    parseServingProfile(text, "bad.json");
    ADD_FAILURE() << "accepted: " << replacement;
  } catch (const core::FormatError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("bad.json"), std::string::npos) << what;
    EXPECT_NE(what.find(field), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
  }
}

TEST(ServingProfile, ParsesEveryField) {
  const ServingProfile p = parseServingProfile(kSpeculative, "t.json");
  EXPECT_EQ(p.name, "t");
  EXPECT_EQ(p.weightBits, 16.0);
  ASSERT_TRUE(p.speculative.has_value());
  EXPECT_EQ(p.speculative->draftTokens, 4);
  EXPECT_DOUBLE_EQ(p.speculative->acceptanceRate, 0.8);
  EXPECT_DOUBLE_EQ(p.speculative->acceptanceRange.low, 0.6);
  EXPECT_DOUBLE_EQ(p.speculative->acceptanceRange.high, 0.9);
  ASSERT_EQ(p.speculative->drafts.size(), 2u);
  EXPECT_EQ(p.speculative->drafts[1].card, "llama-3.2-1b");
}

TEST(ServingProfile, BadValuesNameFileFieldAndRange) {
  expectBad("\"draft_tokens\": 4", "\"draft_tokens\": 0", "'draft_tokens' must be 1 .. 32");
  expectBad("\"draft_tokens\": 4", "\"draft_tokens\": 33", "'draft_tokens' must be 1 .. 32");
  expectBad("\"draft_tokens\": 4", "\"draft_tokens\": 2.5", "draft_tokens");
  expectBad("\"acceptance_rate\": 0.8", "\"acceptance_rate\": 1.5",
            "'acceptance_rate' must be 0 .. 0.999");
  expectBad("\"acceptance_rate\": 0.8", "\"acceptance_rate\": \"high\"", "acceptance_rate");
  expectBad("[0.6, 0.9]", "[0.85, 0.9]", "acceptance_rate_range[0]");
  expectBad("[0.6, 0.9]", "[0.6, 0.7]", "acceptance_rate_range[1]");
  expectBad("[0.6, 0.9]", "[0.6]", "acceptance_rate_range");
  expectBad("\"weight_bits\": 16", "\"weight_bits\": 64", "'weight_bits' must be 0 .. 32");
  expectBad("\"weight_bits\": 16", "\"weight_bits\": 0.5", "weight_bits");
  expectBad("\"name\": \"t\"", "\"name\": \"\"", "name");
  expectBad(
      R"("drafts": [{"card": "llama-3.1-8b", "source": "s"}, {"card": "llama-3.2-1b", "source": "s"}])",
      R"("drafts": [])", "drafts");
  expectBad("\"card\": \"llama-3.1-8b\"", "\"cards\": \"llama-3.1-8b\"", "cards");
  expectBad("\"description\"", "\"descripton\"", "descripton");
  // A range only for an UNCONFIRMED rate, and then always one.
  expectBad("UNCONFIRMED: s", "measured", "acceptance_rate_range");
  expectBad("\"weight_bits\": 16,", "", "weight_bits");
  EXPECT_THROW(parseServingProfile("{\"name\": ", "bad.json"), core::FormatError);
  EXPECT_THROW(parseServingProfile("[]", "bad.json"), core::FormatError);
}

TEST(ServingProfile, UnknownPresetListsTheKnownOnes) {
  try {
    loadServingProfile("no-such-profile");
    FAIL();
  } catch (const core::FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("launch-2024"), std::string::npos) << e.what();
  }
}

// The shipped profiles: launch-2024 without speculation in 16 bits; the
// speculative one with sourced K, rate and drafts.
TEST(ServingProfile, ShippedProfilesAreSourced) {
  const auto names = listServingProfiles();
  ASSERT_GE(names.size(), 2u);
  const ServingProfile launch = loadServingProfile("launch-2024");
  EXPECT_FALSE(launch.speculative.has_value());
  EXPECT_EQ(launch.weightBits, 16.0);
  const ServingProfile spec = loadServingProfile("speculative-2025");
  ASSERT_TRUE(spec.speculative.has_value());
  EXPECT_FALSE(spec.speculative->draftTokensSource.empty());
  EXPECT_FALSE(spec.speculative->acceptanceRateSource.empty());
  for (const auto& d : spec.speculative->drafts) {
    EXPECT_NO_THROW(core::loadModelSpec(d.card)) << d.card;
    EXPECT_FALSE(d.source.empty()) << d.card;
  }
}

// Profiles are fixed before they meet the rows: no source cites a published
// row or says it was fitted.
TEST(ServingProfile, NoProfileComesFromAPublishedRow) {
  const auto rows = loadValidationTable(defaultValidationTablePath());
  for (const auto& name : listServingProfiles()) {
    const ServingProfile p = loadServingProfile(name);
    std::string sources = p.weightBitsSource;
    if (p.speculative) {
      sources += p.speculative->draftTokensSource + p.speculative->acceptanceRateSource;
    }
    EXPECT_EQ(sources.find("fitted"), std::string::npos) << name;
    for (const auto& r : rows) {
      EXPECT_EQ(sources.find(r.id), std::string::npos) << name << " cites " << r.id;
    }
  }
}

TEST(ServingProfile, DraftIsTheFirstSmallerModelOfTheFamily) {
  const ServingProfile spec = loadServingProfile("speculative-2025");
  EXPECT_EQ(spec.draftFor(core::loadModelSpec("llama-3.1-405b")).name, "Llama-3.1-8B");
  EXPECT_EQ(spec.draftFor(core::loadModelSpec("llama-3.1-70b")).name, "Llama-3.1-8B");
  EXPECT_EQ(spec.draftFor(core::loadModelSpec("llama-3.1-8b")).name, "Llama-3.2-1B");
  EXPECT_EQ(spec.draftFor(core::loadModelSpec("qwen3-32b")).name, "Qwen3-1.7B");
  EXPECT_EQ(spec.draftFor(core::loadModelSpec("gpt-oss-120b")).name, "gpt-oss-20b");
  // The built-in model's draft is its own trained one (no card shares its tokens).
  const core::ModelSpec builtin = core::loadModelSpec(core::builtinModelPath().string());
  const core::ModelSpec builtinDraft = spec.draftFor(builtin);
  EXPECT_EQ(builtinDraft.name, core::loadModelSpec(core::builtinDraftModelPath().string()).name);
  EXPECT_LT(builtinDraft.paramCounts().total(), builtin.paramCounts().total());
  // No listed draft shares DeepSeek-V3's architecture and vocabulary.
  try {
    spec.draftFor(core::loadModelSpec("deepseek-v3"));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("speculative-2025"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("DeepSeek-V3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(loadServingProfile("launch-2024").draftFor(core::loadModelSpec("llama-3.1-8b")),
               std::runtime_error);
}

} // namespace
} // namespace ws::sim
