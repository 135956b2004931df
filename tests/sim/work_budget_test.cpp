#include "sim/chip_spec.h"
#include "sim/detailed_engine.h"
#include "sim/mapper.h"
#include "sim/work_budget.h"
#include "tests/sim/sim_test_util.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace ws::sim {
namespace {

std::string budgetErrorOf(const std::function<void()>& work) {
  try {
    work();
  } catch (const WorkBudgetError& e) {
    return e.what();
  }
  return "no error";
}

TEST(WorkBudget, MappingOnThousandsOfWafersIsRefusedWithItsMemory) {
  MapOptions options;
  options.wafers = 4096; // 3.7 G PEs: a 15 GB region index
  const std::string error =
      budgetErrorOf([&] { mapModel(test::tinyModel(), loadChipSpec("wse3"), options); });
  EXPECT_NE(error.find("mapping tiny on wse3 would need about"), std::string::npos) << error;
  EXPECT_NE(error.find("GB of memory"), std::string::npos) << error;
}

TEST(WorkBudget, MappingMillionsOfExpertRegionsIsRefusedWithItsEvents) {
  core::ModelSpec m = test::tinyModel();
  m.layers = 4096;
  m.experts = 16384;
  m.activeExperts = 2;
  m.expertFfnSize = 64;
  const std::string error = budgetErrorOf([&] { mapModel(m, loadChipSpec("wse3"), {}); });
  EXPECT_NE(error.find("simulation events"), std::string::npos) << error;
}

TEST(WorkBudget, OrdinaryMappingsAndRunsAreWellInside) {
  const Placement p = mapModel(core::loadModelSpec("llama-3.1-8b"), loadChipSpec("wse3"), {});
  checkWorkBudget(estimateMappingWork(p.model(), p.chip(), p.options()), "mapping");
  // The fewest wafers that hold the model, not the 4096 allowed.
  MapOptions fewest;
  fewest.wafers = 4096;
  fewest.fewestWafers = true;
  checkWorkBudget(estimateMappingWork(core::loadModelSpec("llama-3.1-405b"), p.chip(), fewest),
                  "mapping");
  checkWorkBudget(estimateRunWork(p, false, 4096, 4096, 1), "a fast run");
}

// The estimate is an order of magnitude, not a count: it must neither refuse
// what runs in seconds nor admit what runs for hours.
TEST(WorkBudget, DetailedEstimateIsWithinTenTimesTheEventsHandled) {
  MapOptions options;
  options.contextTokens = 64;
  const Placement p = mapModel(test::tinyModel(), test::plainTeachChip(), options);
  DetailedEngine engine(p);
  engine.prefill(8);
  engine.decodeStep();
  const double estimated = estimateRunWork(p, true, 8, 1, 1).events;
  const double handled = double(engine.eventsProcessed());
  std::printf("detailed engine, tiny model: estimated %.0f events, handled %.0f (ratio %.2f)\n",
              estimated, handled, estimated / handled);
  EXPECT_GT(estimated, handled / 10.0);
  EXPECT_LT(estimated, handled * 10.0);
}

TEST(WorkBudget, DetailedPrefillBeyondTheBudgetIsRefusedBeforeItRuns) {
  const Placement p = mapModel(test::tinyModel(), test::plainTeachChip(), {});
  DetailedEngine engine(p);
  const std::string error = budgetErrorOf([&] { engine.prefill(int64_t(1) << 30); });
  EXPECT_NE(error.find("a 1073741824-token prefill on the detailed engine would take about"),
            std::string::npos)
      << error;
}

} // namespace
} // namespace ws::sim
