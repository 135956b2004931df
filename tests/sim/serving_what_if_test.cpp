#include "sim/fast_engine.h"
#include "sim/mapper.h"
#include "sim/serving_what_if.h"

#include <gtest/gtest.h>

namespace ws::sim {
namespace {

TEST(ServingWhatIf, PrecisionIsTheProfilesUnlessItKeepsTheModelsOwn) {
  MapOptions options;
  options.bytesPerWeight = 1.0;
  EXPECT_EQ(withServingPrecision(loadServingProfile("launch-2024"), options).bytesPerWeight, 2.0);
  EXPECT_EQ(withServingPrecision(loadServingProfile("speculative-2025"), options).bytesPerWeight,
            1.0);
}

TEST(ServingWhatIf, RatesAreTheRangesEndsAndTheProfilesOwnEachOnce) {
  SpeculativeDecoding s;
  s.acceptanceRate = 0.88;
  s.acceptanceRange = {0.6, 0.9};
  EXPECT_EQ(whatIfAcceptanceRates(s), std::vector<double>({0.6, 0.88, 0.9}));
  s.acceptanceRange = {0.88, 0.88}; // a confirmed rate
  EXPECT_EQ(whatIfAcceptanceRates(s), std::vector<double>({0.88}));
}

TEST(ServingWhatIf, TokensPerSecondAreExpectedTokensPerVerifyPassOverTheStepTime) {
  SpeculativeStepTiming step;
  step.draftTokens = 4;
  step.draftSeconds = 40e-6;
  step.verifySeconds = 60e-6;
  EXPECT_NEAR(speculativeTokensPerSecond(0.8, step), expectedTokensPerVerifyPass(0.8, 4) / 100e-6,
              1e-6);
  EXPECT_NEAR(speculativeTokensPerSecond(0.0, step), 1.0 / 100e-6, 1e-6) << "only its own token";
}

TEST(ServingWhatIf, PreparesThePairAndPlainDecodingAtTheGivenOptions) {
  const core::ModelSpec target = core::loadModelSpec("llama-3.1-8b");
  const ChipSpec chip = loadChipSpec("wse3");
  MapOptions options;
  options.contextTokens = 2048;
  const double plain = 1.0 / predictDecodeSeconds(mapModel(target, chip, options), 2048);

  const ServingWhatIf speculative =
      prepareServingWhatIf(loadServingProfile("speculative-2025"), target, chip, options);
  ASSERT_TRUE(speculative.draft && speculative.pair);
  EXPECT_EQ(speculative.draft->name, "Llama-3.2-1B");
  EXPECT_GT(speculative.pair->draftRows, 0);
  EXPECT_EQ(speculative.acceptanceRates, std::vector<double>({0.6, 0.88, 0.9}));
  EXPECT_EQ(speculative.contextTokens, 2048);
  EXPECT_DOUBLE_EQ(speculative.plainTokensPerSecond, plain);

  const ServingWhatIf launch =
      prepareServingWhatIf(loadServingProfile("launch-2024"), target, chip, options);
  EXPECT_FALSE(launch.draft || launch.pair);
  EXPECT_TRUE(launch.acceptanceRates.empty());
  EXPECT_DOUBLE_EQ(launch.plainTokensPerSecond, plain);

  core::ModelSpec orphan = target;
  orphan.vocabSize = 1000; // no listed draft shares it
  EXPECT_THROW(prepareServingWhatIf(loadServingProfile("speculative-2025"), orphan, chip, options),
               std::runtime_error);
}

} // namespace
} // namespace ws::sim
