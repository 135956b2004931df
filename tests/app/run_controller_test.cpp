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

std::vector<TokenEvent> runToTheEnd(RunController& controller, const RunSettings& settings) {
  controller.startRun(settings);
  std::vector<TokenEvent> tokens;
  while (auto token = controller.nextToken()) {
    tokens.push_back(*token);
  }
  return tokens;
}

// The serving profile drives the run: with speculative-2025 the built-in
// draft maps beside the built-in model, each verify pass is one speculative
// step on the wafer, and the greedy tokens stay the plain run's.
TEST(RunControllerTest, SpeculativeRunKeepsTheTokensAndTimesEachStep) {
  RunController controller;
  controller.loadModel(kBuiltinModelName);
  controller.setChip("wse3");
  controller.map();
  const std::vector<TokenEvent> plain = runToTheEnd(controller, fibonacci(40));
  const FinishedEvent plainRun = controller.finishRun();

  controller.setServingProfile("speculative-2025");
  ASSERT_TRUE(controller.servingProfile().has_value());
  const MappedEvent mapped = controller.map();
  ASSERT_TRUE(controller.speculative());
  size_t draftRegions = 0;
  for (const sim::Region& region : mapped.placement->regions()) {
    draftRegions += region.name.starts_with("draft ") ? 1 : 0;
  }
  EXPECT_GT(draftRegions, 0u);
  const RunStartedEvent started = controller.startRun(fibonacci(40));
  EXPECT_EQ(started.draftTokens, 4);
  EXPECT_FALSE(started.draftModel.empty());
  EXPECT_NE(started.note.find("speculative-2025"), std::string::npos) << started.note;
  std::vector<TokenEvent> tokens;
  while (auto token = controller.nextToken()) {
    tokens.push_back(*token);
  }
  const FinishedEvent finished = controller.finishRun();

  ASSERT_EQ(tokens.size(), plain.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    EXPECT_EQ(tokens[i].id, plain[i].id) << "token " << i;
    EXPECT_EQ(tokens[i].timing.index, int64_t(i));
  }
  EXPECT_TRUE(tokens[0].timing.prefill);
  EXPECT_FALSE(tokens[0].speculative.has_value()) << "the prompt's token is a plain prefill";
  // Per step: its accepted guesses, then the target's own token carrying the
  // rejected guesses; the first token spans the step, the rest end with it.
  int steps = 0;
  int64_t drafted = 0;
  int64_t accepted = 0;
  for (size_t i = 1; i < tokens.size();) {
    ASSERT_TRUE(tokens[i].speculative.has_value()) << "token " << i;
    const SpeculativeTokenInfo& step = *tokens[i].speculative;
    EXPECT_EQ(step.step, ++steps);
    EXPECT_DOUBLE_EQ(tokens[i].timing.simStart, step.draftStart);
    EXPECT_DOUBLE_EQ(tokens[i].timing.simEnd, step.stepEnd);
    EXPECT_LT(step.draftStart, step.draftEnd);
    EXPECT_LT(step.draftEnd, step.verifyStart) << "the guesses travel to the target";
    EXPECT_LT(step.verifyStart, step.verifyEnd);
    EXPECT_LT(step.verifyEnd, step.stepEnd);
    drafted += step.drafted;
    accepted += step.accepted;
    size_t j = i;
    for (; j < tokens.size() && tokens[j].speculative && tokens[j].speculative->step == step.step;
         ++j) {
      const SpeculativeTokenInfo& mine = *tokens[j].speculative;
      EXPECT_EQ(mine.acceptedDraft, int(j - i) < step.accepted);
      EXPECT_EQ(mine.rejectedPieces.size(),
                int(j - i) == step.accepted ? size_t(step.drafted - step.accepted) : 0u);
      if (j > i) {
        EXPECT_EQ(tokens[j].timing.seconds(), 0.0);
        EXPECT_DOUBLE_EQ(tokens[j].timing.simStart, step.stepEnd);
      }
    }
    EXPECT_LE(int(j - i), step.accepted + 1);
    i = j;
  }
  ASSERT_TRUE(finished.report.speculative.has_value());
  const sim::SpeculativeRunSummary& summary = *finished.report.speculative;
  EXPECT_EQ(summary.profile, "speculative-2025");
  EXPECT_EQ(summary.steps, steps);
  EXPECT_EQ(summary.drafted, drafted);
  EXPECT_EQ(summary.accepted, accepted);
  EXPECT_GT(summary.accepted, 0);
  EXPECT_EQ(finished.report.generatedTokens, int64_t(tokens.size()) - 1);
  // Tokens/s is the committed tokens over the steps' time.
  const double span = tokens.back().timing.simEnd - tokens[1].timing.simStart;
  EXPECT_NEAR(finished.report.decodeTokensPerSecond, double(tokens.size() - 1) / span,
              1e-9 * finished.report.decodeTokensPerSecond);
  EXPECT_GT(finished.report.timeToFirstTokenSeconds, 0.0);
  EXPECT_NE(finished.report.summary().find("speculative (speculative-2025)"), std::string::npos);
  EXPECT_GT(plainRun.report.decodeTokensPerSecond, 0.0);

  // The heatmap of a draft phase: the draft's regions work, the target's wait.
  const SpeculativeTokenInfo& first = *tokens[1].speculative;
  const std::shared_ptr<const Frame> frame = controller.makeFrame(
      first.draftStart, first.draftEnd, tokens[1].timing.contextLength, Plane::Activity);
  double draftBusy = 0.0;
  double targetBusy = 0.0;
  const sim::Placement& both = *mapped.placement;
  for (const sim::Region& region : both.regions()) {
    const float value = frame->field.at(uint32_t(region.rect.x + region.rect.w / 2),
                                        uint32_t(region.rect.y + region.rect.h / 2));
    (region.name.starts_with("draft ") ? draftBusy : targetBusy) += value;
  }
  EXPECT_GT(draftBusy, 0.0);
  EXPECT_EQ(targetBusy, 0.0);

  // The trace replays both engines.
  const auto dir = test::outputDir() / "run_controller_speculative";
  std::filesystem::create_directories(dir);
  controller.exportTrace((dir / "trace.json").string());
  const std::string trace = readJson(dir / "trace.json").dump();
  EXPECT_NE(trace.find("draft "), std::string::npos);

  // Back to plain decoding.
  controller.setServingProfile("");
  controller.map();
  EXPECT_FALSE(controller.speculative());
}

// A model card's run is timing-only (its tokens come from the built-in
// model): the profile's draft card of the target's family maps beside it.
TEST(RunControllerTest, SpeculativeCardRunMapsTheProfilesDraftCard) {
  RunController controller;
  controller.loadModel("llama-3.1-8b");
  controller.setChip("wse3");
  controller.setServingProfile("speculative-2025");
  controller.map();
  const RunStartedEvent started = controller.startRun(fibonacci(12));
  EXPECT_NE(started.draftModel.find("3.2"), std::string::npos) << started.draftModel;
  int tokens = 0;
  while (controller.nextToken()) {
    ++tokens;
  }
  EXPECT_EQ(tokens, 12);
  EXPECT_TRUE(controller.finishRun().report.speculative.has_value());
  EXPECT_THROW(controller.timeRun(8, 4, 1, false), std::invalid_argument);
}

// A model file with its own weights cannot draft with a card on the host: a
// one-line error naming the file and the profile.
TEST(RunControllerTest, SpeculativeProfileOnAModelFileNamesWhatIsMissing) {
  RunController controller;
  controller.loadModel((test::testdataDir() / "models" / "tiny-random-llama-f32.gguf").string());
  controller.setChip("teach-32x32");
  controller.setServingProfile("speculative-2025");
  try {
    controller.map();
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("tiny-random-llama-f32.gguf"), std::string::npos) << what;
    EXPECT_NE(what.find("speculative-2025"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos);
  }
  EXPECT_THROW(controller.setServingProfile("no-such-profile"), std::exception);
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
