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

TEST(SpeculativeStep, ExpectedTokensPerVerifyPassIsLeviathansFormula) {
  EXPECT_DOUBLE_EQ(expectedTokensPerVerifyPass(0.0, 4), 1.0);
  EXPECT_DOUBLE_EQ(expectedTokensPerVerifyPass(0.5, 1), 1.5);
  EXPECT_NEAR(expectedTokensPerVerifyPass(0.8, 4), (1.0 - std::pow(0.8, 5)) / 0.2, 1e-12);
  EXPECT_DOUBLE_EQ(expectedTokensPerVerifyPass(1.0, 4), 5.0);
  EXPECT_LT(expectedTokensPerVerifyPass(0.6, 8), 1.0 / (1.0 - 0.6)) << "bounded by 1 / (1 - a)";
  EXPECT_THROW(expectedTokensPerVerifyPass(1.2, 4), std::invalid_argument);
  EXPECT_THROW(expectedTokensPerVerifyPass(0.5, 0), std::invalid_argument);
  EXPECT_THROW(expectedTokensPerVerifyPass(std::nan(""), 2), std::invalid_argument);
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

// The two engines share one clock: the draft's steps, the send, the verify
// pass, the reply and the rollback follow each other without overlap or gap,
// and the next step starts where this one ended.
TEST(SpeculativeStep, PhasesFollowEachOtherOnOneClock) {
  const SpeculativePair pair = teachPair();
  FastEngine draft(pair.draft);
  FastEngine target(pair.target);
  draft.prefill(8);
  const TokenTiming prompt = target.prefill(8);
  const SpeculativeStepTiming first = runSpeculativeStep(draft, target, 3, 1);
  EXPECT_DOUBLE_EQ(first.start, prompt.simEnd) << "the target's prompt ends last";
  EXPECT_NEAR(first.draftEnd - first.start, first.draftSeconds, 1e-15);
  EXPECT_NEAR(first.verifyStart, first.draftEnd + first.sendSeconds, 1e-15);
  EXPECT_NEAR(first.verifyEnd - first.verifyStart, first.verifySeconds, 1e-15);
  EXPECT_NEAR(first.end - first.start, first.seconds(), 1e-15);
  EXPECT_GE(first.verifyCriticalRegion, 0);
  const SpeculativeStepTiming second = runSpeculativeStep(draft, target, 3, 3);
  EXPECT_DOUBLE_EQ(second.start, first.end);
  EXPECT_DOUBLE_EQ(draft.now(), second.end);
  EXPECT_DOUBLE_EQ(target.now(), second.end);
}

TEST(SpeculativeStep, WaitUntilDelaysTheNextStepOnly) {
  const SpeculativePair pair = teachPair();
  FastEngine engine(pair.target);
  const TokenTiming prompt = engine.prefill(4);
  engine.waitUntil(0, prompt.simEnd + 1e-3);
  const TokenTiming step = engine.decodeStep();
  EXPECT_DOUBLE_EQ(step.simStart, prompt.simEnd + 1e-3);
  FastEngine alone(pair.target);
  alone.prefill(4);
  EXPECT_NEAR(step.seconds(), alone.decodeStep().seconds(), 1e-15) << "waiting costs nothing";
  engine.waitUntil(0, 0.0);
  EXPECT_DOUBLE_EQ(engine.decodeStep().simStart, step.simEnd) << "an earlier time is no wait";
  EXPECT_THROW(engine.waitUntil(3, 1.0), std::out_of_range);
}

// The picture of both: the target's regions first (same ids), the draft's
// after them, renamed, on the same PEs as in the draft's own placement.
TEST(SpeculativeStep, CombinedPlacementHoldsBothModels) {
  const SpeculativePair pair = teachPair();
  const Placement both = combinedPlacement(pair);
  const size_t targetRegions = pair.target.regions().size();
  ASSERT_EQ(both.regions().size(), targetRegions + pair.draft.regions().size());
  EXPECT_EQ(both.usedPes(), pair.target.usedPes() + pair.draft.usedPes());
  EXPECT_EQ(both.width(), pair.target.width());
  EXPECT_EQ(both.model().name, "target-256");
  for (size_t i = 0; i < pair.draft.regions().size(); ++i) {
    const Region& d = pair.draft.regions()[i];
    const Region& c = both.regions()[targetRegions + i];
    EXPECT_EQ(c.id, int(targetRegions + i));
    EXPECT_EQ(c.name, "draft " + d.name);
    EXPECT_EQ(both.regionIdAt(d.rect.x, d.rect.y), c.id);
    EXPECT_DOUBLE_EQ(both.sramPerPe(c, 10).total(), pair.draft.sramPerPe(d, 10).total());
  }
}

struct RecordingObserver : EngineObserver {
  std::vector<int> opRegions;
  std::vector<int> activityRegions;
  int sramEvents = 0;
  int tokens = 0;
  void onOp(const OpEvent& e) override { opRegions.push_back(e.region); }
  void onActivity(const RegionActivity& a) override { activityRegions.push_back(a.region); }
  void onSram(const SramEvent&) override { ++sramEvents; }
  void onToken(const TokenTiming&) override { ++tokens; }
};

TEST(SpeculativeStep, DraftEventsReachTheCombinedRegions) {
  const SpeculativePair pair = teachPair();
  const int first = int(pair.target.regions().size());
  RecordingObserver direct;
  RecordingObserver shifted;
  DraftEventForwarder forwarder(first, {&shifted});
  FastEngine draft(pair.draft);
  draft.addObserver(&direct);
  draft.addObserver(&forwarder);
  draft.prefill(4);
  draft.decodeStep();
  ASSERT_FALSE(direct.opRegions.empty());
  ASSERT_EQ(shifted.opRegions.size(), direct.opRegions.size());
  for (size_t i = 0; i < direct.opRegions.size(); ++i) {
    EXPECT_EQ(shifted.opRegions[i], direct.opRegions[i] + first);
  }
  ASSERT_EQ(shifted.activityRegions.size(), direct.activityRegions.size());
  EXPECT_EQ(shifted.sramEvents, direct.sramEvents);
  EXPECT_EQ(shifted.tokens, 0) << "the draft's steps are not the run's tokens";
}

TEST(SpeculativeStep, EstimateIsExpectedTokensOverStepTime) {
  const SpeculativePair pair = teachPair();
  const SpeculativeEstimate e = estimateSpeculativeDecode(pair, 4, 0.8, 64);
  EXPECT_NEAR(e.tokensPerVerifyPass, expectedTokensPerVerifyPass(0.8, 4), 1e-12);
  EXPECT_NEAR(e.tokensPerSecond, e.tokensPerVerifyPass / e.step.seconds(), 1e-9);
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
