#include "app/run/run_controller.h"
#include "app/session/session.h"
#include "sim/detailed_engine.h"
#include "tests/app/session_test_util.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ws::app {
namespace {

using test::SessionEvents;

nlohmann::json readJson(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

RunSettings fibonacci(int maxTokens) {
  RunSettings settings;
  settings.prompt = "def fibonacci(n):";
  settings.maxTokens = maxTokens;
  return settings;
}

TEST(RunControllerTest, GeneratesAndTimesEachTokenWithTheEnginesNumbering) {
  RunController controller;
  const ModelLoadedEvent loaded = controller.loadModel(kBuiltinModelName);
  EXPECT_TRUE(loaded.hasWeights) << loaded.note;
  controller.setChip("teach-32x32");
  const MappedEvent mapped = controller.map();
  ASSERT_NE(mapped.placement, nullptr);

  const RunStartedEvent started = controller.startRun(fibonacci(6));
  EXPECT_GT(started.promptTokens, 0);
  std::vector<TokenEvent> tokens;
  while (auto token = controller.nextToken()) {
    tokens.push_back(*token);
  }
  ASSERT_EQ(tokens.size(), 6u);
  for (size_t i = 0; i < tokens.size(); ++i) {
    // One numbering: the engine's step index; 0 is the token the prefill produces.
    EXPECT_EQ(tokens[i].timing.index, int64_t(i));
    EXPECT_EQ(tokens[i].timing.prefill, i == 0);
    EXPECT_GT(tokens[i].timing.seconds(), 0.0);
    EXPECT_GT(tokens[i].hostSeconds, 0.0);
    EXPECT_EQ(tokens[i].sramBytesPerPe.size(), mapped.placement->regions().size());
  }
  EXPECT_EQ(tokens[0].timing.tokens, started.promptTokens);
  EXPECT_EQ(tokens[0].timing.contextLength, started.promptTokens);
  EXPECT_EQ(tokens[5].timing.contextLength, started.promptTokens + 5);

  const FinishedEvent finished = controller.finishRun();
  EXPECT_EQ(finished.stopReason, "token-limit");
  EXPECT_EQ(finished.generatedTokens, 6);
  EXPECT_EQ(finished.report.promptTokens, started.promptTokens);
  EXPECT_EQ(finished.report.engine, "fast");
  EXPECT_NEAR(finished.report.timeToFirstTokenSeconds, tokens[0].timing.simEnd,
              1e-9 * tokens[0].timing.simEnd);
}

// `waferscope-cli run` and the GUI's Run are the same controller calls: the
// report a Session exports equals the one the controller writes for the
// same model, chip, prompt and token count, field for field (none of it is
// wall-clock time).
TEST(RunControllerTest, ReportEqualsTheSessionsExportOfTheSameRun) {
  const auto dir = test::outputDir() / "run_controller_report";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  Session session;
  SessionEvents events(session);
  session.loadModel(kBuiltinModelName);
  session.setChip("wse3");
  session.run(fibonacci(64));
  ASSERT_TRUE(events.waitForRunEnd(120));
  session.exportReport((dir / "session.json").string());
  ASSERT_TRUE(events.waitFor<ExportedEvent>());
  for (const auto& error : events.all<ErrorEvent>()) {
    FAIL() << error.message;
  }

  // As cmd_run.cpp drives it.
  RunController controller;
  controller.loadModel(kBuiltinModelName);
  controller.setChip("wse3");
  controller.map();
  controller.startRun(fibonacci(64));
  std::string text;
  while (auto token = controller.nextToken()) {
    text += token->piece;
  }
  controller.finishRun();
  controller.exportReport((dir / "controller.json").string());

  std::string sessionText;
  for (const TokenEvent& token : events.all<TokenEvent>()) {
    sessionText += token.piece;
  }
  EXPECT_EQ(text, sessionText);
  const nlohmann::json fromSession = readJson(dir / "session.json");
  const nlohmann::json fromController = readJson(dir / "controller.json");
  EXPECT_EQ(fromSession, fromController) << nlohmann::json::diff(fromSession, fromController);
  // The report counts decode steps; the prefill produced the first token.
  EXPECT_EQ(fromController["generated_tokens"], events.count<TokenEvent>() - 1);
}

TEST(RunControllerTest, DetailedEngineRunsOnTheTeachingChipAndNamesItsLimitOnAWafer) {
  EXPECT_EQ(RunController::detailedEngineLimit(32 * 32), "");
  const sim::ChipSpec wse3 = sim::loadChipSpec("wse3");
  const std::string limit = RunController::detailedEngineLimit(wse3.pesPerWafer());
  EXPECT_NE(limit.find(std::to_string(sim::kDetailedMaxPes)), std::string::npos) << limit;

  RunController controller;
  controller.loadModel(kBuiltinModelName);
  controller.setChip("teach-32x32");
  controller.map();
  controller.setEngine(sim::EngineKind::Detailed);
  controller.startRun(fibonacci(2));
  int tokens = 0;
  while (controller.nextToken()) {
    ++tokens;
  }
  EXPECT_EQ(tokens, 2);
  EXPECT_EQ(controller.finishRun().report.engine, "detailed");
}

TEST(RunControllerTest, TimingOnlyRunReportsEveryStepOfEverySequence) {
  RunController controller;
  controller.loadModel("llama-3.1-8b");
  controller.setChip("wse3");
  sim::MapOptions options;
  options.contextTokens = 256;
  options.sequences = 2;
  controller.map(options);
  int steps = 0;
  const FinishedEvent finished = controller.timeRun(100, 3, 2, false, [&] { ++steps; });
  EXPECT_EQ(steps, 2 * (1 + 3));
  EXPECT_EQ(finished.report.sequences, 2);
  EXPECT_GT(finished.report.decodeTokensPerSecond, 0.0);
  EXPECT_THROW(
      controller.exportHeatmap((test::outputDir() / "never.png").string(), Plane::Activity),
      std::logic_error);
  EXPECT_FALSE(std::filesystem::exists(test::outputDir() / "never.png"));
}

TEST(RunControllerTest, ExportBeforeAnyRunNamesThePath) {
  RunController controller;
  try {
    controller.exportCsv((test::outputDir() / "never.csv").string());
    FAIL() << "exported an empty run";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("never.csv"), std::string::npos) << error.what();
  }
}

TEST(RunControllerTest, HeatmapPlanesAndScalesByName) {
  EXPECT_EQ(planeFromCliName("sram"), Plane::Sram);
  EXPECT_STREQ(cliName(Plane::Links), "links");
  EXPECT_THROW(planeFromCliName("heat"), std::invalid_argument);
  EXPECT_EQ(colourScaleFromCliName("data"), ColourScale::Data);
  EXPECT_THROW(colourScaleFromCliName("log"), std::invalid_argument);
}

} // namespace
} // namespace ws::app
