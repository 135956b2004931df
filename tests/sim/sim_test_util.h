#pragma once
// Small hand-made placements for the sim tests.
#include "sim/chip_spec.h"
#include "sim/placement.h"
#include "sim/timing_engine.h"

#include <map>
#include <vector>

namespace ws::test {

// teach-32x32 without ramp latency and task activation, so hand-written
// closed forms stay short; tests of those mechanisms set them explicitly.
inline sim::ChipSpec plainTeachChip() {
  sim::ChipSpec chip = sim::loadChipSpec("teach-32x32");
  chip.rampLatencyCycles = 0.0;
  chip.taskActivationCycles = 0.0;
  return chip;
}

inline core::ModelSpec tinyModel() {
  core::ModelSpec m;
  m.name = "tiny";
  m.architecture = "llama";
  m.layers = 2;
  m.hiddenSize = 64;
  m.heads = 4;
  m.kvHeads = 2;
  m.headDim = 16;
  m.ffnSize = 128;
  m.vocabSize = 256;
  m.contextLength = 512;
  m.bytesPerWeight = 2.0;
  m.source = "tests/sim (hand-made)";
  return m;
}

inline sim::Region region(int id, sim::PeRect rect, std::vector<sim::Op> ops) {
  sim::Region r;
  r.id = id;
  r.name = "region " + std::to_string(id);
  r.rect = rect;
  r.ops = std::move(ops);
  return r;
}

inline sim::Op matVec(int64_t rows, int64_t cols, sim::Axis axis) {
  sim::Op op;
  op.kind = sim::OpKind::MatVec;
  op.name = "mv";
  op.rows = rows;
  op.cols = cols;
  op.broadcast = axis;
  return op;
}

// One stage per region, in order.
inline sim::Placement handPlacement(const sim::ChipSpec& chip, std::vector<sim::Region> regions,
                                    sim::MapOptions options = {}) {
  std::vector<sim::Stage> stages;
  for (const auto& r : regions) {
    sim::Stage s;
    s.always = {r.id};
    stages.push_back(s);
  }
  return sim::Placement(chip, tinyModel(), options, 1, 2.0, std::move(regions), std::move(stages));
}

// Two regions of one stage receive from the same source region at the same
// time: their lanes leave over the source's centre PE, whose ramp serves them
// round-robin.
inline sim::Placement fanOutPlacement() {
  auto receive = [](int64_t bytes) {
    sim::Op move;
    move.kind = sim::OpKind::Transfer;
    move.name = "from_source";
    move.bytes = bytes;
    move.sourceRegion = 0;
    return move;
  };
  std::vector<sim::Region> regions = {region(0, {0, 0, 8, 8}, {}),
                                      region(1, {8, 0, 8, 8}, {receive(256)}),
                                      region(2, {0, 8, 8, 8}, {receive(128)})};
  sim::Stage stage;
  stage.always = {1, 2};
  return sim::Placement(plainTeachChip(), tinyModel(), {}, 1, 2.0, std::move(regions), {stage});
}

// Each region's op duration (cycles) in one decode step of `engine`.
inline std::map<int, double> decodeOpCycles(sim::TimingEngine& engine) {
  struct Ops : sim::EngineObserver {
    std::map<int, double> cycles;
    void onOp(const sim::OpEvent& e) override { cycles[e.region] = e.endCycle - e.startCycle; }
  } ops;
  engine.addObserver(&ops);
  engine.decodeStep();
  engine.removeObserver(&ops);
  return ops.cycles;
}

} // namespace ws::test
