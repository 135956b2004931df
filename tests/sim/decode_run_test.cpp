#include "sim/decode_run.h"
#include "sim/gpu_baseline.h"
#include "sim/mapper.h"
#include "sim/token_timeline.h"
#include "tests/sim/sim_test_util.h"

#include <gtest/gtest.h>

namespace ws::sim {
namespace {

TEST(DecodeRun, PrefillsEveryUserThenDecodesRoundRobin) {
  MapOptions options;
  options.sequences = 3;
  options.contextTokens = 16;
  const Placement p = mapModel(test::tinyModel(), test::plainTeachChip(), options);
  auto engine = makeTimingEngine(EngineKind::Fast, p);
  TokenTimeline timeline;
  engine->addObserver(&timeline);
  int steps = 0;
  runPrefillAndDecode(*engine, 8, 4, 3, [&] { ++steps; });
  EXPECT_EQ(steps, 3 * (1 + 4));
  const auto& tokens = timeline.tokens();
  ASSERT_EQ(tokens.size(), 15u);
  for (int s = 0; s < 3; ++s) {
    EXPECT_TRUE(tokens[size_t(s)].prefill);
    EXPECT_EQ(tokens[size_t(s)].sequence, s);
    EXPECT_EQ(tokens[size_t(s)].tokens, 8);
  }
  for (size_t i = 3; i < tokens.size(); ++i) {
    EXPECT_FALSE(tokens[i].prefill);
    EXPECT_EQ(tokens[i].sequence, int((i - 3) % 3));
  }
  EXPECT_EQ(tokens.back().contextLength, 12);
}

TEST(GpuBaseline, BatchedUsersShareWeightReads) {
  const GpuSpec h100 = loadGpuSpec("h100-sxm");
  const core::ModelSpec model = core::loadModelSpec("llama-3.1-8b");
  const GpuEstimate one = estimateGpu(h100, model, 2.0, 100, 1000);
  const GpuEstimate alsoOne = estimateGpu(h100, model, 2.0, 100, 1000, 1);
  EXPECT_DOUBLE_EQ(one.decodeTokensPerSecond, alsoOne.decodeTokensPerSecond);
  EXPECT_EQ(one.users, 1);
  const GpuEstimate eight = estimateGpu(h100, model, 2.0, 100, 1000, 8);
  EXPECT_EQ(eight.users, 8);
  // Weights are read once per step for all eight: aggregate grows almost 8x,
  // each user slows down a little (their KV reads), energy per token falls.
  EXPECT_GT(eight.decodeTokensPerSecond, 7.0 * one.decodeTokensPerSecond);
  EXPECT_LT(eight.tokensPerSecondPerUser(), one.tokensPerSecondPerUser());
  EXPECT_LT(eight.joulesPerToken, one.joulesPerToken / 7.0);
  EXPECT_GT(eight.timeToFirstTokenSeconds, one.timeToFirstTokenSeconds);
  // At large batches the step becomes compute bound: aggregate stops growing.
  const GpuEstimate many = estimateGpu(h100, model, 2.0, 100, 1000, 4096);
  const GpuEstimate more = estimateGpu(h100, model, 2.0, 100, 1000, 2048);
  EXPECT_LT(many.decodeTokensPerSecond, 2.0 * more.decodeTokensPerSecond);
  EXPECT_GT(many.gpus, 1); // 4096 users' KV does not fit one H100
  EXPECT_THROW(estimateGpu(h100, model, 2.0, 100, 1000, 0), std::invalid_argument);
}

} // namespace
} // namespace ws::sim
