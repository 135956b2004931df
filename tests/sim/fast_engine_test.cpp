#include "core/model_spec.h"
#include "sim/fast_engine.h"
#include "sim/mapper.h"
#include "sim/token_timeline.h"
#include "tests/sim/sim_test_util.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <vector>

namespace ws::sim {
namespace {

// teach-32x32: 4 B links, 1 cycle per hop, 8 MACs and 16 B SRAM reads per cycle.

TEST(ClosedForms, MatVecBroadcastDownColumns) {
  const Placement p = test::handPlacement(
      test::plainTeachChip(), {test::region(0, {0, 0, 16, 8}, {test::matVec(64, 128, Axis::Y)})});
  const TimeBreakdown t = opCycles(p, p.regions()[0], p.regions()[0].ops[0], 0);
  // Block 8 x 8: 64 MACs / 8 = 8 cycles, 128 B / 16 = 8 cycles of reads (hidden);
  // input slice 8 x 2 B over 4 B/cycle = 4 cycles (hidden by compute).
  EXPECT_DOUBLE_EQ(t.compute, 8.0);
  EXPECT_DOUBLE_EQ(t.memory, 0.0);
  // 7 hops down + 15 hops of the chain, each stage one add (2 T_R + 1 with
  // no ramp), then 8 partials x 4 B / 4 B.
  EXPECT_DOUBLE_EQ(t.hop, 7.0 + 15.0);
  EXPECT_DOUBLE_EQ(t.reduction, 15.0);
  EXPECT_DOUBLE_EQ(t.serialisation, 8.0);
  EXPECT_DOUBLE_EQ(t.dispatch, 0.0);
}

TEST(ClosedForms, MatVecBroadcastAlongRowsIsSerialisationBound) {
  const Placement p = test::handPlacement(
      test::plainTeachChip(), {test::region(0, {0, 0, 16, 8}, {test::matVec(64, 128, Axis::X)})});
  const TimeBreakdown t = opCycles(p, p.regions()[0], p.regions()[0].ops[0], 0);
  // Block 4 x 16: input slice 16 x 2 B = 8 cycles >= 8 cycles of MACs.
  EXPECT_DOUBLE_EQ(t.compute, 0.0);
  EXPECT_DOUBLE_EQ(t.serialisation, 8.0 + 4.0);
  EXPECT_DOUBLE_EQ(t.hop, 15.0 + 7.0);
  EXPECT_DOUBLE_EQ(t.reduction, 7.0);
}

TEST(ClosedForms, SramBoundWhenWeightsAreWide) {
  ChipSpec chip = test::plainTeachChip();
  chip.sramReadBytesPerCycle = 4.0; // 2 B weights: 2 per cycle < 8 MACs per cycle
  const Placement p =
      test::handPlacement(chip, {test::region(0, {0, 0, 16, 8}, {test::matVec(64, 128, Axis::Y)})});
  const TimeBreakdown t = opCycles(p, p.regions()[0], p.regions()[0].ops[0], 0);
  EXPECT_DOUBLE_EQ(t.compute, 8.0);
  EXPECT_DOUBLE_EQ(t.memory, 32.0 - 8.0);
}

// A region whose weights are stored narrower than the placement's average
// (gpt-oss's BF16 attention beside MXFP4 experts) reads them at its own width.
TEST(ClosedForms, MatVecReadsTheRegionsOwnBytesPerWeight) {
  ChipSpec chip = test::plainTeachChip();
  chip.sramReadBytesPerCycle = 4.0;
  sim::Region narrow = test::region(0, {0, 0, 16, 8}, {test::matVec(64, 128, Axis::Y)});
  narrow.bytesPerWeight = 1.0;
  const Placement p = test::handPlacement(chip, {narrow}); // placement average 2 B
  const TimeBreakdown t = opCycles(p, p.regions()[0], p.regions()[0].ops[0], 0);
  EXPECT_DOUBLE_EQ(t.compute, 8.0);
  EXPECT_DOUBLE_EQ(t.memory, 16.0 - 8.0); // 64 weights x 1 B / 4 B per cycle
}

// Luczynski et al.'s model: a multicast pays the ramp out of the source and
// into the receivers; every dependent chain stage pays 2 T_R + 1; each op
// pays its task activation once.
TEST(ClosedForms, RampLatencyAndTaskActivation) {
  ChipSpec chip = test::plainTeachChip();
  chip.rampLatencyCycles = 2.0;
  chip.taskActivationCycles = 16.0;
  const Placement p =
      test::handPlacement(chip, {test::region(0, {0, 0, 16, 8}, {test::matVec(64, 128, Axis::Y)})});
  const TimeBreakdown t = opCycles(p, p.regions()[0], p.regions()[0].ops[0], 0);
  EXPECT_DOUBLE_EQ(t.dispatch, 16.0);
  EXPECT_DOUBLE_EQ(t.hop, 2.0 + 7.0 + 2.0 + 15.0);
  EXPECT_DOUBLE_EQ(t.reduction, 15.0 * 5.0);
  EXPECT_DOUBLE_EQ(t.compute, 8.0);
}

TEST(ClosedForms, Attention) {
  Op attn;
  attn.kind = OpKind::Attention;
  attn.heads = 4;
  attn.kvHeads = 2;
  attn.headDim = 16;
  const Placement p =
      test::handPlacement(test::plainTeachChip(), {test::region(0, {0, 0, 16, 8}, {attn})});
  const TimeBreakdown t = opCycles(p, p.regions()[0], attn, 100);
  // Two KV heads own 8 columns each: 64 PEs -> 2 tokens per PE; 2 query heads
  // per KV head: 2 x 2 x 16 x 2 = 128 MACs = 16 cycles (128 B of K and V read
  // in 8, hidden).
  EXPECT_DOUBLE_EQ(t.compute, 16.0);
  EXPECT_DOUBLE_EQ(t.memory, 0.0);
  // Query (2 x 16 x 2 B = 16 wavelets) down 7 hops; 2 x (16 + 2) FP32 = 36
  // wavelets chained up 7 hops (hop + add) and along 7 columns of the row,
  // where each wavelet meets the column's (one more pass of 36).
  EXPECT_DOUBLE_EQ(t.hop, 7.0 + 7.0 + 7.0);
  EXPECT_DOUBLE_EQ(t.reduction, 7.0 + 7.0);
  EXPECT_DOUBLE_EQ(t.serialisation, 15.0 + 35.0 + 36.0);
  // Longer context: more tokens per PE.
  EXPECT_GT(opCycles(p, p.regions()[0], attn, 1000).compute, t.compute);
}

TEST(ClosedForms, TransferUsesParallelRowsAndHops) {
  Op move;
  move.kind = OpKind::Transfer;
  move.bytes = 256;
  move.targetRegion = 1;
  const Placement p =
      test::handPlacement(test::plainTeachChip(), {test::region(0, {0, 0, 16, 8}, {move}),
                                                   test::region(1, {16, 0, 8, 8}, {})});
  const TimeBreakdown t = opCycles(p, p.regions()[0], move, 0);
  // Centres (8, 4) -> (20, 4): 12 hops; 256 B over 8 rows x 4 B = 8 wavelets
  // a row, the last arriving 7 cycles after the first.
  EXPECT_DOUBLE_EQ(t.hop, 12.0);
  EXPECT_DOUBLE_EQ(t.serialisation, 7.0);
}

TEST(ClosedForms, NormAndElementwise) {
  Op norm;
  norm.kind = OpKind::Norm;
  norm.elements = 64;
  norm.flopsPerElement = 2.0;
  Op add = norm;
  add.kind = OpKind::Elementwise;
  const Placement p =
      test::handPlacement(test::plainTeachChip(), {test::region(0, {0, 0, 16, 8}, {norm, add})});
  const TimeBreakdown n = opCycles(p, p.regions()[0], norm, 0);
  const TimeBreakdown e = opCycles(p, p.regions()[0], add, 0);
  EXPECT_DOUBLE_EQ(n.compute, 4.0 * 2.0 / 8.0);
  // Chain to the left end (hop + add), the scale (1 cycle), multicast back.
  EXPECT_DOUBLE_EQ(n.hop, 15.0 + 15.0);
  EXPECT_DOUBLE_EQ(n.reduction, 15.0 + 1.0);
  EXPECT_DOUBLE_EQ(e.compute, n.compute);
  EXPECT_DOUBLE_EQ(e.fabric(), 0.0);
}

// Per-PE activity follows the matvec's program: the input's wavefront down
// the columns, then each row's reduce chain from the right edge to the left,
// one dependent stage (hop + 2 T_R + 1) per PE.
TEST(FastEngine, MatVecActivityShowsTheWavefrontAndTheReduceChain) {
  ChipSpec chip = test::plainTeachChip();
  chip.rampLatencyCycles = 2.0;
  chip.taskActivationCycles = 16.0;
  const Placement p =
      test::handPlacement(chip, {test::region(0, {0, 0, 16, 8}, {test::matVec(64, 128, Axis::Y)})});
  struct Phases : EngineObserver {
    std::vector<RegionActivity> records;
    void onActivity(const RegionActivity& a) override { records.push_back(a); }
  } phases;
  FastEngine engine(p);
  engine.addObserver(&phases);
  engine.decodeStep();
  ASSERT_EQ(phases.records.size(), 2u);
  const RegionActivity& work = phases.records[0];
  const RegionActivity& chain = phases.records[1];
  EXPECT_EQ(work.hopCyclesX, 0.0f);
  EXPECT_EQ(work.hopCyclesY, 1.0f) << "the slice travels down the columns";
  EXPECT_DOUBLE_EQ(work.startCycle, 16.0 + 4.0);
  EXPECT_DOUBLE_EQ(work.endCycle - work.startCycle, 8.0);
  EXPECT_EQ(chain.sourceX, 15) << "chains start at the right edge";
  EXPECT_EQ(chain.hopCyclesX, 1.0f + 5.0f);
  EXPECT_GT(chain.fabricShare, 0.0f);
  EXPECT_DOUBLE_EQ(chain.startCycle, work.endCycle + 2.0);
}

TEST(FastEngine, DecodeStepIsTheSumOfItsOps) {
  const Placement p = test::handPlacement(
      test::plainTeachChip(), {test::region(0, {0, 0, 16, 8}, {test::matVec(64, 128, Axis::Y)}),
                               test::region(1, {16, 0, 8, 8}, {test::matVec(64, 64, Axis::X)})});
  FastEngine engine(p);
  const TokenTiming t = engine.decodeStep();
  double cycles = 0.0;
  for (const Region& r : p.regions()) {
    cycles += opCycles(p, r, r.ops[0], 1).total();
  }
  EXPECT_NEAR(t.seconds() * p.chip().clockHz, cycles, 1e-6);
  EXPECT_NEAR(t.breakdown.total(), t.seconds(), 1e-15);
  EXPECT_NEAR(predictDecodeSeconds(p, 1), t.seconds(), 1e-15);
  EXPECT_EQ(engine.contextLength(0), 1);
  EXPECT_EQ(t.index, 1);
  EXPECT_EQ(engine.kind(), EngineKind::Fast);
}

TEST(FastEngine, KvCacheGrowsAndOverflowIsAFitError) {
  MapOptions options;
  options.contextTokens = 64;
  const Placement p = mapModel(test::tinyModel(), test::plainTeachChip(), options);
  FastEngine engine(p);
  engine.prefill(p.maxContextTokens() - 1);
  const TokenTiming last = engine.decodeStep();
  EXPECT_EQ(last.contextLength, p.maxContextTokens());
  EXPECT_THROW(engine.decodeStep(), FitError);
  EXPECT_THROW(engine.decodeStep(1), std::out_of_range);
}

// Where a wafer-scale decode step goes (no score: validate reports those).
TEST(FastEngine, Llama8bDecodeIsLatencyBoundAndPrefillStreams) {
  MapOptions options;
  options.contextTokens = 2048;
  const Placement p = mapModel(core::loadModelSpec("llama-3.1-8b"), loadChipSpec("wse3"), options);
  FastEngine engine(p);
  TokenTimeline timeline;
  engine.addObserver(&timeline);
  const TokenTiming prefill = engine.prefill(1000);
  for (int i = 0; i < 50; ++i) {
    engine.decodeStep();
  }
  // Prefill streams: far less than 1000 decode steps, more than one.
  EXPECT_LT(prefill.seconds(), 1000 * timeline.meanDecodeSeconds() / 4);
  EXPECT_GT(prefill.seconds(), timeline.meanDecodeSeconds());
  EXPECT_GT(prefill.breakdown.compute, prefill.breakdown.fabric()) << "prefill is compute-bound";
  // Decode is not SRAM-bandwidth bound: moving activations dominates.
  const TimeBreakdown b = timeline.decodeBreakdown();
  EXPECT_LT(b.memory, 0.05 * b.total());
  EXPECT_GT(b.hop + b.reduction + b.serialisation, b.compute);
  EXPECT_GE(timeline.tokens().back().criticalRegion, 0);
}

TEST(FastEngine, ConcurrentSequencesFillThePipeline) {
  const core::ModelSpec model = core::loadModelSpec("llama-3.1-8b");
  MapOptions one;
  one.contextTokens = 512;
  MapOptions four = one;
  four.sequences = 4;
  const Placement p1 = mapModel(model, loadChipSpec("wse3"), one);
  const Placement p4 = mapModel(model, loadChipSpec("wse3"), four);
  FastEngine e1(p1);
  FastEngine e4(p4);
  TokenTimeline t1;
  TokenTimeline t4;
  e1.addObserver(&t1);
  e4.addObserver(&t4);
  for (int s = 0; s < 4; ++s) {
    e4.prefill(16, s);
  }
  e1.prefill(16);
  for (int i = 0; i < 20; ++i) {
    e1.decodeStep();
    for (int s = 0; s < 4; ++s) {
      e4.decodeStep(s);
    }
  }
  EXPECT_GT(t4.decodeTokensPerSecond(), 2.5 * t1.decodeTokensPerSecond());
}

TEST(FastEngine, MixtureOfExpertsTouchesOnlyActiveExperts) {
  MapOptions options;
  options.contextTokens = 256;
  options.wafers = 8;
  options.fewestWafers = true;
  const Placement p = mapModel(core::loadModelSpec("gpt-oss-120b"), loadChipSpec("wse3"), options);
  struct Counter : EngineObserver {
    const Placement* p = nullptr;
    int expertRegions = 0;
    int expertOps = 0;
    std::set<int> seen;
    void onOp(const OpEvent& e) override {
      if (p->regions()[size_t(e.region)].kind == RegionKind::Expert) {
        seen.insert(e.region);
        ++expertOps;
      }
    }
  } counter;
  counter.p = &p;
  FastEngine engine(p);
  engine.addObserver(&counter);
  engine.decodeStep();
  const core::ModelSpec& m = p.model();
  EXPECT_EQ(counter.seen.size(), m.layers * m.activeExperts);
  EXPECT_EQ(counter.expertOps, int(m.layers * m.activeExperts * 5));
}

TEST(Placement, RoutedRegionsAreDistinctReproducibleAndAppended) {
  Stage stage;
  stage.routed = {10, 11, 12, 13, 14, 15, 16, 17};
  stage.activeRouted = 3;
  std::set<int> used;
  for (int64_t token = 0; token < 64; ++token) {
    std::vector<int> chosen = {99};
    appendRoutedRegions(stage, 1, token, chosen);
    ASSERT_EQ(chosen.size(), 4u);
    EXPECT_EQ(chosen[0], 99);
    EXPECT_EQ(std::set<int>(chosen.begin() + 1, chosen.end()).size(), 3u);
    std::vector<int> again;
    appendRoutedRegions(stage, 1, token, again);
    EXPECT_EQ(again, std::vector<int>(chosen.begin() + 1, chosen.end()));
    used.insert(chosen.begin() + 1, chosen.end());
  }
  EXPECT_EQ(used.size(), stage.routed.size());
  stage.activeRouted = 20; // more than there are: all of them once
  std::vector<int> all;
  appendRoutedRegions(stage, 0, 0, all);
  EXPECT_EQ(std::set<int>(all.begin(), all.end()).size(), stage.routed.size());
}

TEST(FastEngine, TransfersFromOneSourceShareItsCentreRamp) {
  const Placement p = test::fanOutPlacement();
  FastEngine engine(p);
  std::map<int, double> cycles = test::decodeOpCycles(engine);
  // Alone: centre (4, 4) -> (12, 4), 8 hops, 64 wavelets over 8 rows: 8 + 7;
  // (4, 4) -> (4, 12), 8 hops, 32 wavelets over 8 columns: 8 + 3. The centre
  // lanes carry 8 and 4 wavelets: each waits for min(8, 4) of the other's.
  EXPECT_DOUBLE_EQ(cycles[1], 15.0 + 4.0);
  EXPECT_DOUBLE_EQ(cycles[2], 11.0 + 4.0);
}

TEST(FastEngine, PrefillStreamsAtTheLongestRegionVisit) {
  const Placement p = test::handPlacement(
      test::plainTeachChip(), {test::region(0, {0, 0, 4, 4}, {test::matVec(256, 64, Axis::Y)}),
                               test::region(1, {4, 0, 4, 4}, {test::matVec(64, 64, Axis::Y)})});
  const double slow = opCycles(p, p.regions()[0], p.regions()[0].ops[0], 0).total();
  const double fast = opCycles(p, p.regions()[1], p.regions()[1].ops[0], 0).total();
  ASSERT_GT(slow, fast);
  EXPECT_DOUBLE_EQ(streamCycles(p, 8), slow);
  FastEngine engine(p);
  const TokenTiming t = engine.prefill(8);
  EXPECT_NEAR(t.seconds() * p.chip().clockHz, slow + fast + 7.0 * slow, 1e-6);
}

TEST(TimingEngine, FactoryAndKinds) {
  const Placement p = mapModel(test::tinyModel(), test::plainTeachChip(), {});
  EXPECT_EQ(makeTimingEngine(EngineKind::Fast, p)->kind(), EngineKind::Fast);
  EXPECT_EQ(engineKindFromString("fast"), EngineKind::Fast);
  EXPECT_EQ(engineKindFromString("detailed"), EngineKind::Detailed);
  EXPECT_THROW(engineKindFromString("turbo"), std::invalid_argument);
  EXPECT_STREQ(toString(EngineKind::Detailed), "detailed");
}

} // namespace
} // namespace ws::sim
