#include "core/model_spec.h"
#include "sim/mesh_dataflow.h"
#include "tests/sim/sim_test_util.h"

#include <gtest/gtest.h>

namespace ws::sim {
namespace {

// The group sizes of WaferLLM's two_tree_allreduce (chip-facts.md §7.1).
TEST(MeshDataflow, AllreduceGroupsAsInWaferLlm) {
  EXPECT_EQ(meshAllreduceGroup(720), 30);
  EXPECT_EQ(meshAllreduceGroup(660), 30);
  EXPECT_EQ(meshAllreduceGroup(540), 27);
  EXPECT_EQ(meshAllreduceGroup(420), 21);
  EXPECT_EQ(meshAllreduceGroup(7), 7) << "a prime line is one group";
}

TEST(MeshDataflow, AllreduceClosedForm) {
  ChipSpec chip = test::plainTeachChip();
  chip.rampLatencyCycles = 2.0;
  // 16 PEs: groups of 4; 8 FP16 values = 4 wavelets.
  const TimeBreakdown t = meshAllreduceCycles(chip, 8.0, 16);
  // In a group: from both ends to the middle, 2 dependent stages of 1 hop;
  // across the 4 roots, 2 stages of 4 hops; the root multicasts 8 hops out.
  EXPECT_DOUBLE_EQ(t.reduction, (2.0 + 2.0) * 5.0);
  EXPECT_DOUBLE_EQ(t.hop, 2.0 * 1.0 + 2.0 * 4.0 + 8.0 + 2.0 * 2.0);
  EXPECT_DOUBLE_EQ(t.serialisation, 3.0 * 3.0);
}

TEST(MeshDataflow, GemvIsBlockWorkPlusAllreduce) {
  const ChipSpec chip = test::plainTeachChip();
  const TimeBreakdown t = meshGemvCycles(chip, 64, 128, 16);
  // Block 4 x 8 = 32 MACs at 8 per cycle.
  EXPECT_DOUBLE_EQ(t.compute, 4.0);
  const TimeBreakdown reduce = meshAllreduceCycles(chip, 4.0, 16);
  EXPECT_DOUBLE_EQ(t.total(), 4.0 + reduce.total());
  EXPECT_THROW(meshGemvCycles(chip, 64, 64, 33), std::invalid_argument) << "grid > fabric";
}

// Table 4's trend: latency, not bandwidth, dominates decode, so more PEs make
// a token slower; prefill, compute-bound, gets faster.
TEST(MeshDataflow, DecodeSlowsAndPrefillSpeedsUpWithMorePes) {
  const ChipSpec chip = loadChipSpec("wse2");
  const core::ModelSpec model = core::loadModelSpec("llama-3.1-8b");
  const double d420 = meshDecodeTokensPerSecond(chip, model, 420, 4096);
  const double d660 = meshDecodeTokensPerSecond(chip, model, 660, 4096);
  EXPECT_GT(d420, d660);
  const double p480 = meshPrefillTokensPerSecond(chip, model, 480, 4096);
  const double p720 = meshPrefillTokensPerSecond(chip, model, 720, 4096);
  EXPECT_LT(p480, p720);
  const TimeBreakdown layer = meshDecodeLayerCycles(chip, model, 420, 4096);
  EXPECT_GT(layer.hop + layer.reduction, layer.compute) << "decode is latency-bound";
}

} // namespace
} // namespace ws::sim
