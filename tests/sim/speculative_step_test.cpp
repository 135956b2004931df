#include "sim/detailed_engine.h"
#include "sim/fast_engine.h"
#include "sim/speculative_step.h"
#include "tests/sim/sim_test_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

namespace ws::sim {
namespace {

core::ModelSpec denseModel(const std::string& name, uint64_t hidden, uint64_t layers) {
  core::ModelSpec m = test::tinyModel();
  m.name = name;
  m.hiddenSize = hidden;
  m.layers = layers;
  m.heads = 8;
  m.kvHeads = 4;
  m.headDim = hidden / 8;
  m.ffnSize = hidden * 3;
  m.vocabSize = 512;
  return m;
}

MapOptions context(int64_t tokens) {
  MapOptions o;
  o.contextTokens = tokens;
  return o;
}

// teach-32x32 with every mechanism on, as the cosimulation tests run it.
SpeculativePair teachPair() {
  return mapSpeculativePair(denseModel("target-256", 256, 3), denseModel("draft-64", 64, 1),
                            loadChipSpec("teach-32x32"), context(64));
}

TEST(SpeculativeStep, ExpectedTokensPerStepIsLeviathansFormula) {
  EXPECT_DOUBLE_EQ(expectedTokensPerStep(0.0, 4), 1.0);
  EXPECT_DOUBLE_EQ(expectedTokensPerStep(0.5, 1), 1.5);
  EXPECT_NEAR(expectedTokensPerStep(0.8, 4), (1.0 - std::pow(0.8, 5)) / 0.2, 1e-12);
  EXPECT_DOUBLE_EQ(expectedTokensPerStep(1.0, 4), 5.0);
  EXPECT_LT(expectedTokensPerStep(0.6, 8), 1.0 / (1.0 - 0.6)) << "bounded by 1 / (1 - a)";
  EXPECT_THROW(expectedTokensPerStep(1.2, 4), std::invalid_argument);
  EXPECT_THROW(expectedTokensPerStep(0.5, 0), std::invalid_argument);
  EXPECT_THROW(expectedTokensPerStep(std::nan(""), 2), std::invalid_argument);
}

// The draft takes the fewest rows at the top of the first wafer that hold it;
// the target maps below, and no PE serves both.
TEST(SpeculativeStep, PairSharesTheWaferWithoutOverlap) {
  const SpeculativePair pair = teachPair();
  ASSERT_GT(pair.draftRows, 0);
  ASSERT_LT(pair.draftRows, 32);
  for (const Region& r : pair.draft.regions()) {
    EXPECT_GE(r.rect.y, 0);
    EXPECT_LE(r.rect.y + r.rect.h, pair.draftRows) << r.name;
  }
  for (const Region& r : pair.target.regions()) {
    EXPECT_GE(r.rect.y, pair.draftRows) << r.name;
    EXPECT_LE(r.rect.y + r.rect.h, 32) << r.name;
  }
  MapOptions wholeWafer = context(64);
  wholeWafer.reservedRows = 32;
  EXPECT_THROW(mapModel(denseModel("target-256", 256, 3), loadChipSpec("teach-32x32"), wholeWafer),
               std::invalid_argument)
      << "reserving every row leaves no room";
  ChipSpec fewer = loadChipSpec("teach-32x32");
  fewer.fabricHeight = pair.draftRows - 1;
  fewer.wafers = 1;
  if (fewer.fabricHeight > 0) {
    EXPECT_THROW(mapModel(denseModel("draft-64", 64, 1), fewer, context(64)), FitError)
        << "one row fewer must not hold the draft";
  }
}

TEST(SpeculativeStep, PairThatDoesNotFitNamesBothModels) {
  try {
    mapSpeculativePair(denseModel("target-huge", 1024, 6), denseModel("draft-64", 64, 1),
                       loadChipSpec("teach-32x32"), context(64));
    FAIL() << "a 1024-wide six-layer target fits beside its draft on 32 x 32 PEs";
  } catch (const FitError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("target-huge"), std::string::npos) << what;
    EXPECT_NE(what.find("draft-64"), std::string::npos) << what;
  }
}

TEST(SpeculativeStep, TokenTransferIsHopsRampsAndWavelets) {
  const ChipSpec chip = test::plainTeachChip(); // ramp 0, task activation 0
  const Region from = test::region(0, {0, 0, 2, 2}, {});
  const Region to = test::region(1, {10, 4, 2, 2}, {});
  // Centres (1, 1) and (11, 5): 14 hops; 4 tokens = 4 wavelets, the last 3
  // cycles behind the first.
  const TimeBreakdown t = tokenTransferCycles(chip, from, to, 4);
  EXPECT_DOUBLE_EQ(t.hop, 14.0 * chip.hopLatencyCycles);
  EXPECT_DOUBLE_EQ(t.serialisation, 3.0 * 4.0 / chip.linkBytesPerCycle);
  EXPECT_DOUBLE_EQ(t.dispatch, 0.0);
  ChipSpec withRamps = chip;
  withRamps.rampLatencyCycles = 2.0;
  withRamps.taskActivationCycles = 16.0;
  const TimeBreakdown r = tokenTransferCycles(withRamps, from, to, 4);
  EXPECT_DOUBLE_EQ(r.hop, t.hop + 4.0);
  EXPECT_DOUBLE_EQ(r.dispatch, 16.0);
}

// Both caches keep the newest token and the accepted guesses.
TEST(SpeculativeStep, RollbackKeepsTheAcceptedTokens) {
  const SpeculativePair pair = teachPair();
  FastEngine draft(pair.draft);
  FastEngine target(pair.target);
  draft.prefill(8);
  target.prefill(8);
  runSpeculativeStep(draft, target, 4, 2);
  EXPECT_EQ(target.contextLength(0), 8 + 1 + 2);
  EXPECT_EQ(draft.contextLength(0), 8 + 1 + 2);
  runSpeculativeStep(draft, target, 4, 4);
  EXPECT_EQ(target.contextLength(0), 11 + 1 + 4);
  EXPECT_EQ(draft.contextLength(0), 11 + 4) << "the last guess's entry comes with the next step";
  runSpeculativeStep(draft, target, 4, 0);
  EXPECT_EQ(target.contextLength(0), 16 + 1);
  EXPECT_EQ(draft.contextLength(0), 16 + 1);
  draft.rollbackContext(0, 3);
  EXPECT_THROW(runSpeculativeStep(draft, target, 4, 1), std::invalid_argument)
      << "caches out of step";
  EXPECT_THROW(runSpeculativeStep(draft, draft, 4, 5), std::invalid_argument);
  EXPECT_THROW(target.rollbackContext(0, 1000), std::out_of_range);
}

// A step is its phases: K draft decode steps and the verify pass as the
// engines time them alone, the two transfers and one task activation.
TEST(SpeculativeStep, StepIsTheSumOfItsPhases) {
  const SpeculativePair pair = teachPair();
  const ChipSpec& chip = pair.target.chip();
  FastEngine draft(pair.draft);
  FastEngine target(pair.target);
  draft.prefill(8);
  target.prefill(8);
  const SpeculativeStepTiming s = runSpeculativeStep(draft, target, 3, 1);

  FastEngine draftAlone(pair.draft);
  FastEngine targetAlone(pair.target);
  draftAlone.prefill(8);
  targetAlone.prefill(8);
  double draftSeconds = 0.0;
  for (int i = 0; i < 3; ++i) {
    draftSeconds += draftAlone.decodeStep().seconds();
  }
  const double verify = targetAlone.prefill(4).seconds();
  EXPECT_NEAR(s.draftSeconds, draftSeconds, 1e-15);
  EXPECT_NEAR(s.verifySeconds, verify, 1e-15);
  EXPECT_DOUBLE_EQ(s.rollbackSeconds, chip.taskActivationCycles / chip.clockHz);
  EXPECT_GT(s.sendSeconds, 0.0);
  EXPECT_GT(s.replySeconds, 0.0);
  EXPECT_NEAR(s.breakdown.total(), s.seconds(), 1e-12 * s.seconds());
  // The verify pass of K + 1 tokens streams them: it costs less than K + 1
  // decode steps of the target.
  EXPECT_LT(verify, 4.0 * targetAlone.decodeStep().seconds());
}

TEST(SpeculativeStep, EstimateIsExpectedTokensOverStepTime) {
  const SpeculativePair pair = teachPair();
  const SpeculativeEstimate e = estimateSpeculativeDecode(pair, 4, 0.8, 64);
  EXPECT_NEAR(e.tokensPerStep, expectedTokensPerStep(0.8, 4), 1e-12);
  EXPECT_NEAR(e.tokensPerSecond, e.tokensPerStep / e.step.seconds(), 1e-9);
  EXPECT_EQ(e.step.accepted, 2) << "round(3.36 - 1)";
  const SpeculativeEstimate better = estimateSpeculativeDecode(pair, 4, 0.9, 64);
  EXPECT_NEAR(better.step.seconds(), e.step.seconds(), 1e-15) << "step time ignores the rate";
  EXPECT_GT(better.tokensPerSecond, e.tokensPerSecond);
}

TEST(SpeculativeStep, SweepTimesOneStepPerDraftLength) {
  const SpeculativePair pair = teachPair();
  const auto steps = sweepDraftTokens(pair, 1, 4, 64);
  ASSERT_EQ(steps.size(), 4u);
  for (size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(steps[i].draftTokens, int(i) + 1);
    EXPECT_NEAR(steps[i].seconds(),
                estimateSpeculativeDecode(pair, int(i) + 1, 0.7, 64).step.seconds(), 1e-15);
    if (i > 0) {
      EXPECT_GT(steps[i].seconds(), steps[i - 1].seconds()) << "one more draft step";
    }
  }
  EXPECT_THROW(sweepDraftTokens(pair, 0, 4, 64), std::invalid_argument);
  EXPECT_THROW(sweepDraftTokens(pair, 5, 4, 64), std::invalid_argument);
  EXPECT_THROW(sweepDraftTokens(pair, 1, kMaxDraftTokens + 1, 64), std::invalid_argument);
}

// The step's composition against the golden model: the same draft steps,
// verify pass and rollback on the detailed engine (per PE, per wavelet) on
// teach-32x32 agree with the fast engine's within 5 %, phase by phase.
TEST(SpeculativeStep, FastAgreesWithDetailedOnTeach32) {
  const SpeculativePair pair = teachPair();
  FastEngine fastDraft(pair.draft);
  FastEngine fastTarget(pair.target);
  DetailedEngine detailedDraft(pair.draft);
  DetailedEngine detailedTarget(pair.target);
  for (TimingEngine* e :
       {static_cast<TimingEngine*>(&fastDraft), static_cast<TimingEngine*>(&fastTarget),
        static_cast<TimingEngine*>(&detailedDraft), static_cast<TimingEngine*>(&detailedTarget)}) {
    e->prefill(4);
  }
  for (int k : {1, 3, 5}) {
    const SpeculativeStepTiming f = runSpeculativeStep(fastDraft, fastTarget, k, k / 2);
    const SpeculativeStepTiming d = runSpeculativeStep(detailedDraft, detailedTarget, k, k / 2);
    const double error = std::abs(f.seconds() - d.seconds()) / d.seconds();
    std::printf("[speculative] K=%d on teach-32x32: step %.3f us fast, %.3f us detailed (%.2f %%); "
                "draft %.3f / %.3f us, verify %.3f / %.3f us\n",
                k, f.seconds() * 1e6, d.seconds() * 1e6, 100.0 * error, f.draftSeconds * 1e6,
                d.draftSeconds * 1e6, f.verifySeconds * 1e6, d.verifySeconds * 1e6);
    EXPECT_LE(error, 0.05) << "K = " << k;
    EXPECT_LE(std::abs(f.draftSeconds - d.draftSeconds) / d.draftSeconds, 0.05) << "K = " << k;
    EXPECT_LE(std::abs(f.verifySeconds - d.verifySeconds) / d.verifySeconds, 0.05) << "K = " << k;
    EXPECT_DOUBLE_EQ(f.sendSeconds + f.replySeconds + f.rollbackSeconds,
                     d.sendSeconds + d.replySeconds + d.rollbackSeconds);
    EXPECT_EQ(fastTarget.contextLength(0), detailedTarget.contextLength(0));
    EXPECT_EQ(fastDraft.contextLength(0), detailedDraft.contextLength(0));
  }
}

} // namespace
} // namespace ws::sim
