// The detailed engine on cases small enough to check by hand: wavelets over
// one hop, a multicast along a row, links shared by two flows and by two
// colours, a matvec's reduction on a 4 x 4 region, and the engine's events.
#include "sim/detailed_engine.h"
#include "sim/event_queue.h"
#include "sim/mapper.h"
#include "sim/wavelet_fabric.h"
#include "tests/sim/sim_test_util.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <vector>

namespace ws::sim {
namespace {

// Records every delivery and runs the queue to the end.
struct Deliveries : WaveletSink {
  struct Delivery {
    int flow;
    int wavelet;
    int hop;
    double cycle;
  };
  std::vector<Delivery> log;
  void onWaveletDelivered(int flow, int wavelet, int hop, double cycle) override {
    log.push_back({flow, wavelet, hop, cycle});
  }
  double last(int flow) const {
    double t = -1.0;
    for (const Delivery& d : log) {
      if (d.flow == flow) {
        t = std::max(t, d.cycle);
      }
    }
    return t;
  }
};

struct Mesh {
  EventQueue queue;
  Deliveries sink;
  WaveletFabric fabric;
  Mesh(int w, int h, double linkBytes = 4.0, double hop = 1.0, int colors = 24)
      : fabric(w, h, colors, linkBytes, hop, queue, sink) {}
  void run() {
    while (!queue.empty()) {
      const DesEvent e = queue.pop();
      fabric.setNow(e.time);
      fabric.handle(e);
    }
  }
};

FlowRoute line(int x, int y, Direction d, int hops, FlowMode mode, int color = 0) {
  return {.x = x, .y = y, .first = d, .firstHops = hops, .second = d, .mode = mode, .color = color};
}

TEST(WaveletFabric, OneWaveletOneHopTakesTheHopLatency) {
  Mesh mesh(4, 4, 4.0, 3.0);
  const int flow = mesh.fabric.addFlow(line(0, 0, Direction::East, 1, FlowMode::Unicast));
  mesh.fabric.inject(flow, 0, 1, 0, 0.0);
  mesh.run();
  ASSERT_EQ(mesh.sink.log.size(), 1u);
  EXPECT_EQ(mesh.sink.log[0].hop, 1);
  EXPECT_DOUBLE_EQ(mesh.sink.log[0].cycle, 3.0);
}

TEST(WaveletFabric, StreamTakesHopsPlusSerialisation) {
  // 10 wavelets over 5 hops at one wavelet per cycle: the last leaves at
  // cycle 9 and arrives 5 hops later. Half-width links take twice as long.
  Mesh mesh(8, 8);
  const int flow = mesh.fabric.addFlow(line(1, 2, Direction::East, 5, FlowMode::Unicast));
  mesh.fabric.inject(flow, 0, 10, 0, 0.0);
  mesh.run();
  EXPECT_EQ(mesh.sink.log.size(), 10u);
  EXPECT_DOUBLE_EQ(mesh.sink.last(flow), 9.0 + 5.0);
  Mesh narrow(8, 8, 2.0);
  const int slow = narrow.fabric.addFlow(line(1, 2, Direction::East, 5, FlowMode::Unicast));
  narrow.fabric.inject(slow, 0, 10, 0, 0.0);
  narrow.run();
  EXPECT_DOUBLE_EQ(narrow.sink.last(slow), 18.0 + 5.0);
}

TEST(WaveletFabric, RowMulticastReachesEachPeOneHopLater) {
  Mesh mesh(8, 1);
  const int flow = mesh.fabric.addFlow(line(0, 0, Direction::East, 7, FlowMode::Multicast));
  mesh.fabric.inject(flow, 0, 1, 0, 0.0);
  mesh.run();
  ASSERT_EQ(mesh.sink.log.size(), 7u);
  for (const auto& d : mesh.sink.log) {
    EXPECT_DOUBLE_EQ(d.cycle, double(d.hop)) << "hop " << d.hop;
    EXPECT_EQ(mesh.fabric.peAt(flow, d.hop), d.hop);
  }
}

TEST(WaveletFabric, TwoFlowsOnOneLinkTakeTwiceTheSerialisation) {
  // Both flows leave (0,0) eastwards: the shared link carries 2 x 16 wavelets.
  Mesh alone(4, 4);
  const int a = alone.fabric.addFlow(line(0, 0, Direction::East, 2, FlowMode::Unicast, 0));
  alone.fabric.inject(a, 0, 16, 0, 0.0);
  alone.run();
  EXPECT_DOUBLE_EQ(alone.sink.last(a), 15.0 + 2.0);

  Mesh shared(4, 4);
  const int f = shared.fabric.addFlow(line(0, 0, Direction::East, 2, FlowMode::Unicast, 0));
  FlowRoute turn = line(0, 0, Direction::East, 1, FlowMode::Unicast, 1);
  turn.second = Direction::South;
  turn.secondHops = 2;
  const int g = shared.fabric.addFlow(turn);
  shared.fabric.inject(f, 0, 16, 0, 0.0);
  shared.fabric.inject(g, 0, 16, 0, 0.0);
  shared.run();
  // 32 wavelets through the one Up port and the one link: the last leaves at 31.
  EXPECT_DOUBLE_EQ(std::max(shared.sink.last(f), shared.sink.last(g)), 31.0 + 3.0);
  EXPECT_NEAR(std::max(shared.sink.last(f), shared.sink.last(g)) - 3.0, 2.0 * (15.0 + 1.0) - 1.0,
              0.0);
}

TEST(WaveletFabric, ColoursInterleaveRoundRobinAndOneColourKeepsOrder) {
  const auto order = [](int colourA, int colourB) {
    Mesh mesh(4, 1);
    const int a = mesh.fabric.addFlow(line(0, 0, Direction::East, 3, FlowMode::Unicast, colourA));
    const int b = mesh.fabric.addFlow(line(0, 0, Direction::East, 3, FlowMode::Unicast, colourB));
    mesh.fabric.inject(a, 0, 4, 0, 0.0);
    mesh.fabric.inject(b, 0, 4, 0, 0.0);
    mesh.run();
    std::vector<int> flows;
    for (const auto& d : mesh.sink.log) {
      flows.push_back(d.flow);
    }
    return flows;
  };
  EXPECT_EQ(order(2, 5), (std::vector<int>{0, 1, 0, 1, 0, 1, 0, 1}));
  EXPECT_EQ(order(3, 3), (std::vector<int>{0, 0, 0, 0, 1, 1, 1, 1}));
}

TEST(WaveletFabric, ChainDeliversAtEachHopWithoutForwarding) {
  Mesh mesh(4, 1);
  const int flow = mesh.fabric.addFlow(line(3, 0, Direction::West, 3, FlowMode::Chain));
  mesh.fabric.inject(flow, 0, 1, 0, 0.0);
  mesh.run();
  ASSERT_EQ(mesh.sink.log.size(), 1u);
  EXPECT_EQ(mesh.sink.log[0].hop, 1);
  mesh.fabric.inject(flow, 0, 1, 1, 5.0);
  mesh.run();
  ASSERT_EQ(mesh.sink.log.size(), 2u);
  EXPECT_EQ(mesh.sink.log[1].hop, 2);
  EXPECT_DOUBLE_EQ(mesh.sink.log[1].cycle, 6.0);
}

TEST(WaveletFabric, RejectsRoutesOffTheMesh) {
  Mesh mesh(4, 4);
  EXPECT_THROW(mesh.fabric.addFlow(line(3, 0, Direction::East, 1, FlowMode::Unicast)),
               std::invalid_argument);
  EXPECT_THROW(mesh.fabric.addFlow(line(0, 0, Direction::East, 1, FlowMode::Unicast, 24)),
               std::invalid_argument);
}

TEST(EventQueue, PopsByTimeThenInsertion) {
  EventQueue q;
  q.push(5.0, 1);
  q.push(1.0, 2);
  q.push(5.0, 3);
  q.push(0.5, 4);
  std::vector<uint32_t> kinds;
  while (!q.empty()) {
    kinds.push_back(q.pop().kind);
  }
  EXPECT_EQ(kinds, (std::vector<uint32_t>{4, 2, 1, 3}));
  EXPECT_EQ(q.processed(), 4u);
}

// Records what the engine emits.
struct Recorder : EngineObserver {
  std::vector<OpEvent> ops;
  std::vector<RegionActivity> activity;
  std::vector<TokenTiming> tokens;
  std::vector<SramEvent> sram;
  void onOp(const OpEvent& e) override { ops.push_back(e); }
  void onActivity(const RegionActivity& a) override { activity.push_back(a); }
  void onToken(const TokenTiming& t) override { tokens.push_back(t); }
  void onSram(const SramEvent& s) override { sram.push_back(s); }
};

TEST(DetailedEngine, MatVecReductionOnA4x4RegionMatchesTheHandCount) {
  // 64 x 64 on 4 x 4 PEs: 16 x 16 blocks, 8 input wavelets, 16 partial
  // wavelets. A PE needs 2 cycles per input element (16 rows / 8 FMACs and
  // 32 bytes / 16 bytes per cycle), so the bottom row, 3 hops down, is done at
  // 3 + 8 wavelets x 4 cycles = 35. Its row chain: wavelet k leaves the
  // rightmost PE at 35 + k, each hop takes 1 cycle plus a 1-cycle add, so the
  // last of 16 is summed at the left column at 35 + 15 + 3 x 2 = 56.
  const ChipSpec chip = test::plainTeachChip();
  const Placement p =
      test::handPlacement(chip, {test::region(0, {2, 3, 4, 4}, {test::matVec(64, 64, Axis::Y)})});
  DetailedEngine engine(p);
  Recorder rec;
  engine.addObserver(&rec);
  const TokenTiming t = engine.decodeStep();
  ASSERT_EQ(rec.ops.size(), 1u);
  EXPECT_DOUBLE_EQ(rec.ops[0].endCycle - rec.ops[0].startCycle, 56.0);
  EXPECT_NEAR(t.seconds() * chip.clockHz, 56.0, 1e-6);
  EXPECT_NEAR(rec.ops[0].cycles.total(), 56.0, 1e-9);
  EXPECT_DOUBLE_EQ(rec.ops[0].cycles.compute, 32.0);
}

// The same matvec with the region's weights stored at 4 bytes (the
// placement's average is 2): each element reads 16 x 4 B at 16 B per cycle,
// 4 cycles against 2 of compute, so the block waits on SRAM.
TEST(DetailedEngine, MatVecReadsTheRegionsOwnBytesPerWeight) {
  const ChipSpec chip = test::plainTeachChip();
  sim::Region wide = test::region(0, {2, 3, 4, 4}, {test::matVec(64, 64, Axis::Y)});
  wide.bytesPerWeight = 4.0;
  const Placement p = test::handPlacement(chip, {wide});
  DetailedEngine engine(p);
  Recorder rec;
  engine.addObserver(&rec);
  engine.decodeStep();
  ASSERT_EQ(rec.ops.size(), 1u);
  EXPECT_DOUBLE_EQ(rec.ops[0].cycles.compute, 32.0);
  EXPECT_DOUBLE_EQ(rec.ops[0].cycles.memory, 32.0); // (4 - 2) cycles x 16 elements
  EXPECT_GT(rec.ops[0].endCycle - rec.ops[0].startCycle, 56.0);
}

TEST(DetailedEngine, BroadcastXSwapsTheAxes) {
  // The same matvec transposed on a transposed region takes the same time.
  const ChipSpec chip = test::plainTeachChip();
  const Placement py =
      test::handPlacement(chip, {test::region(0, {0, 0, 8, 2}, {test::matVec(32, 96, Axis::Y)})});
  const Placement px =
      test::handPlacement(chip, {test::region(0, {0, 0, 2, 8}, {test::matVec(32, 96, Axis::X)})});
  DetailedEngine ey(py);
  DetailedEngine ex(px);
  EXPECT_DOUBLE_EQ(ey.decodeStep().seconds(), ex.decodeStep().seconds());
}

TEST(DetailedEngine, TransferTakesHopsPlusSerialisation) {
  // Centre (1, 1) to centre (9, 5): 12 hops; 64 bytes are 16 wavelets over
  // two parallel lanes (both regions are 2 rows high), 8 each.
  const ChipSpec chip = test::plainTeachChip();
  Op transfer;
  transfer.kind = OpKind::Transfer;
  transfer.bytes = 64;
  transfer.targetRegion = 1;
  Op norm;
  norm.kind = OpKind::Elementwise;
  norm.elements = 8;
  const Placement p = test::handPlacement(
      chip, {test::region(0, {0, 0, 2, 2}, {transfer}), test::region(1, {8, 4, 2, 2}, {norm})});
  DetailedEngine engine(p);
  Recorder rec;
  engine.addObserver(&rec);
  engine.decodeStep();
  ASSERT_EQ(rec.ops.size(), 2u);
  EXPECT_DOUBLE_EQ(rec.ops[0].endCycle - rec.ops[0].startCycle, 12.0 + 7.0);
  // Elementwise: 4 values per top-row PE at 8 FMACs per cycle.
  EXPECT_DOUBLE_EQ(rec.ops[1].endCycle - rec.ops[1].startCycle, 0.5);
  EXPECT_DOUBLE_EQ(rec.ops[1].startCycle, rec.ops[0].endCycle);
}

double transferCycles(const PeRect& from, const PeRect& to, int64_t bytes) {
  const ChipSpec chip = test::plainTeachChip();
  Op transfer;
  transfer.kind = OpKind::Transfer;
  transfer.bytes = bytes;
  transfer.targetRegion = 1;
  Op add;
  add.kind = OpKind::Elementwise;
  add.elements = 1;
  const Placement p =
      test::handPlacement(chip, {test::region(0, from, {transfer}), test::region(1, to, {add})});
  DetailedEngine engine(p);
  Recorder rec;
  engine.addObserver(&rec);
  engine.decodeStep();
  return rec.ops.at(0).endCycle - rec.ops.at(0).startCycle;
}

TEST(DetailedEngine, ParallelTransferLanesDoNotShareLinks) {
  // 4-row regions 20 columns and 8 rows apart: 4 lanes of a staircase, each
  // 28 hops with 16 of the 64 wavelets, none waiting for another.
  EXPECT_DOUBLE_EQ(transferCycles({0, 0, 2, 4}, {20, 8, 2, 4}, 256), 28.0 + 15.0);
  EXPECT_DOUBLE_EQ(transferCycles({20, 8, 2, 4}, {0, 0, 2, 4}, 256), 28.0 + 15.0);
  // Stacked regions 2 wide: 2 column lanes of 32 wavelets over 18 hops.
  EXPECT_DOUBLE_EQ(transferCycles({0, 0, 2, 4}, {0, 18, 2, 4}, 256), 18.0 + 31.0);
  // Same rows: 4 straight lanes.
  EXPECT_DOUBLE_EQ(transferCycles({0, 4, 2, 4}, {10, 4, 2, 4}, 256), 10.0 + 15.0);
}

TEST(DetailedEngine, TransferAcrossWafersTakesTheSystemLink) {
  // Two 16 x 16 wafers side by side. Centre (3, 3) on wafer 0 to centre
  // (21, 3) on wafer 1: 12 hops to x = 15, the system link, 5 hops from x = 16.
  ChipSpec chip = test::plainTeachChip();
  chip.fabricWidth = 16;
  chip.fabricHeight = 16;
  chip.wafers = 2;
  Op transfer;
  transfer.kind = OpKind::Transfer;
  transfer.bytes = 64;
  transfer.targetRegion = 1;
  Op add;
  add.kind = OpKind::Elementwise;
  add.elements = 1;
  Region a = test::region(0, {2, 2, 2, 2}, {transfer});
  Region b = test::region(1, {20, 2, 2, 2}, {add});
  b.wafer = 1;
  std::vector<Stage> stages(2);
  stages[0].always = {0};
  stages[1].always = {1};
  const Placement p(chip, test::tinyModel(), {}, 2, 2.0, {a, b}, stages);
  DetailedEngine engine(p);
  Recorder rec;
  engine.addObserver(&rec);
  engine.decodeStep();
  const double waveletOnLink = 4.0 / chip.waferLinkBytesPerSecond * chip.clockHz;
  const double latency = chip.waferLinkLatencySeconds * chip.clockHz;
  // The last of 16 wavelets reaches the edge at 12 + 15.
  EXPECT_NEAR(rec.ops.at(0).endCycle - rec.ops.at(0).startCycle,
              12.0 + 15.0 + waveletOnLink + latency + 5.0, 1e-6);
}

TEST(DetailedEngine, NormReducesAndBroadcastsAlongTheTopRow) {
  // 8 PEs, 64 values, 2 flops each: 8 values per PE, 1 cycle of squares, a
  // 7-hop chain (2 cycles a hop), 1 cycle for the scale, a 7-hop broadcast,
  // 1 cycle of scaling.
  const ChipSpec chip = test::plainTeachChip();
  Op norm;
  norm.kind = OpKind::Norm;
  norm.elements = 64;
  norm.flopsPerElement = 2.0;
  const Placement p = test::handPlacement(chip, {test::region(0, {0, 0, 8, 3}, {norm})});
  DetailedEngine engine(p);
  EXPECT_NEAR(engine.decodeStep().seconds() * chip.clockHz, 1.0 + 14.0 + 1.0 + 7.0 + 1.0, 1e-6);
}

TEST(DetailedEngine, EmitsOpsActivityTokensAndSram) {
  const ChipSpec chip = test::plainTeachChip();
  MapOptions options;
  options.contextTokens = 64;
  const Placement p = mapModel(test::tinyModel(), chip, options);
  DetailedEngine engine(p);
  Recorder rec;
  engine.addObserver(&rec);
  const TokenTiming first = engine.prefill(4);
  size_t opsPerToken = 0;
  for (const Stage& s : p.stages()) {
    for (int id : s.always) {
      const Region& r = p.regions()[size_t(id)];
      opsPerToken += size_t((s.endOp < 0 ? int(r.ops.size()) : s.endOp) - s.firstOp);
    }
  }
  EXPECT_EQ(rec.ops.size(), opsPerToken);
  EXPECT_GE(rec.activity.size(), opsPerToken);
  const TokenTiming next = engine.decodeStep();
  EXPECT_EQ(rec.ops.size(), 2 * opsPerToken);
  ASSERT_EQ(rec.tokens.size(), 2u);
  ASSERT_EQ(rec.sram.size(), 2u);
  EXPECT_TRUE(first.prefill);
  EXPECT_EQ(first.tokens, 4);
  EXPECT_EQ(next.index, 1);
  EXPECT_DOUBLE_EQ(next.simStart, first.simEnd);
  EXPECT_GT(next.seconds(), 0.0);
  EXPECT_NEAR(next.breakdown.total(), next.seconds(), 1e-12);
  EXPECT_GE(next.criticalRegion, 0);
  EXPECT_EQ(rec.sram[1].contextLength, 5);
  for (size_t i = 1; i < rec.ops.size(); ++i) {
    EXPECT_LE(rec.ops[i - 1].startCycle, rec.ops[i].startCycle);
  }
  for (const OpEvent& e : rec.ops) {
    EXPECT_NEAR(e.cycles.total(), e.endCycle - e.startCycle, 1e-6);
  }
  EXPECT_GT(engine.eventsProcessed(), 0u);
}

TEST(DetailedEngine, PrefillStreamsTokensFasterThanOneByOne) {
  const ChipSpec chip = test::plainTeachChip();
  MapOptions options;
  options.contextTokens = 64;
  const Placement p = mapModel(test::tinyModel(), chip, options);
  DetailedEngine one(p);
  const double single = one.prefill(1).seconds();
  DetailedEngine many(p);
  const double sixteen = many.prefill(16).seconds();
  EXPECT_GT(sixteen, single);
  EXPECT_LT(sixteen, 16.0 * single);
}

// Issue 19: onOpRunDone kept a reference into the runner's runs while
// scheduling the next ops, which grows (and moves) them; the op's end was then
// read from freed memory. A prompt of many tokens schedules while runs end on
// every step; the asan-ubsan build (CI) reported the heap-use-after-free here.
TEST(DetailedEngine, OpsEndingWhileOthersAreScheduledKeepTheirEndCycle) {
  MapOptions options;
  options.contextTokens = 64;
  const Placement p = mapModel(test::tinyModel(), test::plainTeachChip(), options);
  DetailedEngine engine(p);
  Recorder rec;
  engine.addObserver(&rec);
  const TokenTiming prompt = engine.prefill(32);
  ASSERT_FALSE(rec.ops.empty());
  for (const OpEvent& op : rec.ops) {
    EXPECT_LE(op.startCycle, op.endCycle);
    EXPECT_LE(op.endCycle, prompt.simEnd * p.chip().clockHz + 1e-6);
  }
  EXPECT_GT(prompt.seconds(), 0.0);
}

TEST(DetailedEngine, PromptTokenEntersARegionOnceTheTokenAheadLeftIt) {
  // Two regions on separate PEs and links, one stage each: the second token
  // enters the slow first region once the first token left it, so two tokens
  // take both regions plus one more pass through the slow one.
  const Placement p = test::handPlacement(
      test::plainTeachChip(), {test::region(0, {0, 0, 4, 4}, {test::matVec(256, 64, Axis::Y)}),
                               test::region(1, {4, 0, 4, 4}, {test::matVec(64, 64, Axis::Y)})});
  struct Ops : EngineObserver {
    std::vector<double> cycles;
    void onOp(const OpEvent& e) override { cycles.push_back(e.endCycle - e.startCycle); }
  } ops;
  DetailedEngine one(p);
  one.addObserver(&ops);
  const double single = one.prefill(1).seconds() * p.chip().clockHz;
  ASSERT_EQ(ops.cycles.size(), 2u);
  ASSERT_GT(ops.cycles[0], ops.cycles[1]);
  DetailedEngine two(p);
  EXPECT_NEAR(two.prefill(2).seconds() * p.chip().clockHz, single + ops.cycles[0], 1e-6);
}

TEST(DetailedEngine, TransfersFromOneSourceShareItsCentreRamp) {
  // As FastEngine.TransfersFromOneSourceShareItsCentreRamp: lanes of 8 and 4
  // wavelets leave (4, 4) round-robin.
  const Placement p = test::fanOutPlacement();
  DetailedEngine engine(p);
  std::map<int, double> cycles = test::decodeOpCycles(engine);
  EXPECT_DOUBLE_EQ(cycles[1], 15.0 + 4.0);
  EXPECT_DOUBLE_EQ(cycles[2], 11.0 + 4.0);
}

TEST(DetailedEngine, KvCacheGrowsAttentionTimeAndThenDoesNotFit) {
  const ChipSpec chip = test::plainTeachChip();
  Op attention;
  attention.kind = OpKind::Attention;
  attention.heads = 4;
  attention.kvHeads = 2;
  attention.headDim = 16;
  Region r = test::region(0, {0, 0, 4, 2}, {attention});
  r.kvBytesPerTokenPerPe = 1024.0;
  r.sramPerPe.weights = 0.0;
  r.sramPerPe.reserve = double(chip.sramBytesPerPe) - 300.0 * 1024.0;
  const Placement p = test::handPlacement(chip, {r});
  ASSERT_EQ(p.maxContextTokens(), 300);
  DetailedEngine engine(p);
  Recorder rec;
  engine.addObserver(&rec);
  engine.prefill(8);
  double previous = 0.0;
  for (int i = 0; i < 200; ++i) {
    const TokenTiming t = engine.decodeStep();
    EXPECT_EQ(t.contextLength, 9 + i);
    EXPECT_GE(t.seconds(), previous * (1.0 - 1e-12));
    previous = t.seconds();
  }
  // Each of 4 PEs per KV head scores a quarter of the 208 tokens.
  EXPECT_GT(rec.ops.back().endCycle - rec.ops.back().startCycle,
            rec.ops[1].endCycle - rec.ops[1].startCycle);
  for (int i = 0; i < 92; ++i) {
    engine.decodeStep();
  }
  EXPECT_THROW(engine.decodeStep(), FitError);
}

TEST(DetailedEngine, RefusesFabricsAboveItsPeBudget) {
  ChipSpec chip = test::plainTeachChip();
  chip.fabricWidth = 513;
  chip.fabricHeight = 512;
  const Placement p =
      test::handPlacement(chip, {test::region(0, {0, 0, 4, 4}, {test::matVec(64, 64, Axis::Y)})});
  try {
    DetailedEngine engine(p);
    FAIL() << "a 513 x 512 fabric was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("262144 PEs"), std::string::npos) << e.what();
  }
  EXPECT_THROW(makeTimingEngine(EngineKind::Detailed, p), std::invalid_argument);
  chip.fabricWidth = 1024;
  chip.fabricHeight = 256;
  const Placement fits =
      test::handPlacement(chip, {test::region(0, {0, 0, 4, 4}, {test::matVec(64, 64, Axis::Y)})});
  EXPECT_EQ(makeTimingEngine(EngineKind::Detailed, fits)->kind(), EngineKind::Detailed);
}

} // namespace
} // namespace ws::sim
