#include "app/sweep/point_eval.h"
#include "app/sweep/point_runner.h"
#include "app/sweep/result_table.h"
#include "app/sweep/slurm_backend.h"
#include "app/sweep/sweep_spec.h"
#include "app/sweep/sweep_store.h"
#include "sim/chip_spec.h"
#include "tests/test_paths.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace ws::sweep {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

SweepSpec parse(const std::string& text) {
  return SweepSpec::parse(text, "study.json", "/sweeps");
}

std::string errorOf(const std::string& text) {
  try {
    parse(text);
  } catch (const SweepError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path freshDir(const std::string& name) {
  const fs::path dir = test::outputDir() / "sweep" / name;
  fs::remove_all(dir);
  return dir;
}

// A small run that fits the teaching plate, with the built-in model.
constexpr const char* kSmallBase =
    R"("base": {"model": "builtin", "chip": "teach-32x32", "promptTokens": 8, "genTokens": 3})";

std::vector<std::string> fieldsOf(const std::string& row) {
  std::vector<std::string> fields;
  EXPECT_TRUE(splitCsvLine(row, fields)) << row;
  return fields;
}

size_t column(const SweepSpec& spec, const std::string& name) {
  const auto header = csvHeader(spec);
  return size_t(std::find(header.begin(), header.end(), name) - header.begin());
}

TEST(SweepSpecTest, ListsRangesAndZipsMakeARowMajorGrid) {
  const SweepSpec spec = parse(R"({
    "base": {"model": "llama-3.1-8b", "genTokens": 4},
    "axes": [
      {"field": "users", "values": [1, 2, 4]},
      {"field": "chip.clockHz", "range": {"from": 0.8e9, "to": 1.0e9, "count": 3}},
      {"zip": {"promptTokens": [16, 32], "context": [64, 128]}},
      {"field": "genTokens", "range": {"from": 2, "to": 6, "step": 2}}
    ]})");
  EXPECT_EQ(spec.pointCount(), 3u * 3u * 2u * 3u);
  EXPECT_EQ(spec.axisFields(), (std::vector<std::string>{"users", "chip.clockHz", "promptTokens",
                                                         "context", "genTokens"}));
  // The last axis varies fastest.
  const auto first = spec.axisValues(0);
  EXPECT_EQ(first[0], 1);
  EXPECT_DOUBLE_EQ(first[1].get<double>(), 0.8e9);
  EXPECT_EQ(first[4], 2);
  const auto second = spec.axisValues(1);
  EXPECT_EQ(second[4], 4);
  EXPECT_EQ(second[0], 1);
  const PointConfig last = spec.pointConfig(spec.pointCount() - 1);
  EXPECT_EQ(last.users, 4);
  EXPECT_EQ(last.promptTokens, 32);
  EXPECT_EQ(last.context, 128);
  EXPECT_EQ(last.genTokens, 6);
  EXPECT_EQ(last.model, "llama-3.1-8b");
  EXPECT_DOUBLE_EQ(last.chipFields.at("clockHz").get<double>(), 1.0e9);
}

TEST(SweepSpecTest, FilePathsResolveAgainstTheSweepFolderAndCanonicalTextIsStable) {
  const SweepSpec spec = parse(R"({"base": {"chip": "chips/mine.json"}, "axes": [{"field": "model",
               "values": ["llama-3.1-8b", "../models/x.gguf"]}]})");
  EXPECT_EQ(spec.pointConfig(0).chip, "/sweeps/chips/mine.json");
  EXPECT_EQ(spec.pointConfig(0).model, "llama-3.1-8b");
  EXPECT_EQ(spec.pointConfig(1).model, "/models/x.gguf");
  const std::string canonical = spec.canonicalJson();
  EXPECT_EQ(SweepSpec::parse(canonical, "sweep.json", "/elsewhere").canonicalJson(), canonical);
}

TEST(SweepSpecTest, UnknownFieldNamesTheFileAndTheField) {
  EXPECT_THAT(errorOf(R"({"axes": [{"field": "userz", "values": [1]}]})"),
              HasSubstr("study.json: unknown field 'userz'"));
  EXPECT_THAT(errorOf(R"({"base": {"clock": 1}, "axes": [{"field": "users", "values": [1]}]})"),
              HasSubstr("unknown field 'clock'"));
}

// Found by Fuzz.Sweeps under ASan: a description nested 100,000 deep parsed,
// then overflowed the stack when the canonical text was written.
TEST(SweepSpecTest, DeepNestingIsRefusedBeforeParsing) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_THAT(errorOf(R"({"description": )" + deep + R"(, "axes": []})"),
              HasSubstr("study.json: nests arrays or objects deeper than 64 levels"));
  // Brackets inside strings are text, not nesting.
  EXPECT_THAT(errorOf(R"({"description": ")" + std::string(100, '[') +
                      R"(", "axes": [{"field": "userz", "values": [1]}]})"),
              HasSubstr("unknown field 'userz'"));
}

TEST(SweepSpecTest, UnknownChipPathNamesTheFileThePathAndTheChip) {
  EXPECT_THAT(errorOf(R"({"axes": [{"field": "chip.noSuchGroup.sramBytes", "values": [98304]}]})"),
              HasSubstr("study.json: field 'chip.noSuchGroup.sramBytes': no field 'noSuchGroup' "
                        "in chip wse3"));
}

TEST(SweepSpecTest, NestedChipPathsSetTheValueOfTheirEntry) {
  Json chip = Json::parse(R"({"name": "c", "pe": {"sramBytes": {"value": 49152, "source": "x"},
                               "kind": "fmac"}})");
  setChipField(chip, "pe.sramBytes", Json(98304), "study.json", "c");
  EXPECT_EQ(chip["pe"]["sramBytes"]["value"], 98304);
  EXPECT_EQ(chip["pe"]["sramBytes"]["source"], "set by sweep study.json");
  setChipField(chip, "pe.kind", Json("bf16"), "study.json", "c");
  EXPECT_EQ(chip["pe"]["kind"], "bf16");
  try {
    setChipField(chip, "pe.sramBytez", Json(1), "study.json", "c");
    FAIL() << "no error";
  } catch (const SweepError& e) {
    EXPECT_THAT(e.what(), HasSubstr("study.json: field 'chip.pe.sramBytez': no field "
                                    "'pe.sramBytez' in chip c"));
  }
  EXPECT_THROW(setChipField(chip, "pe.sramBytes", Json(1.5), "study.json", "c"), SweepError);
  EXPECT_THROW(setChipField(chip, "pe.kind", Json(3), "study.json", "c"), SweepError);
}

TEST(SweepSpecTest, TypeMismatchesAreErrors) {
  EXPECT_THAT(errorOf(R"({"axes": [{"field": "users", "values": [1, "four"]}]})"),
              HasSubstr("study.json: field 'users': \"four\" is string, expected an integer"));
  EXPECT_THAT(errorOf(R"({"axes": [{"field": "users", "values": [1.5]}]})"),
              HasSubstr("expected an integer"));
  EXPECT_THAT(errorOf(R"({"axes": [{"field": "chip.clockHz", "values": ["fast"]}]})"),
              HasSubstr("field 'chip.clockHz': \"fast\" is string, chip wse3 has number"));
  EXPECT_THAT(errorOf(R"({"axes": [{"field": "chip.sramBytesPerPe", "values": [1000.5]}]})"),
              HasSubstr("chip wse3 has an integer"));
  EXPECT_THAT(errorOf(R"({"axes": [{"field": "model", "values": [8]}]})"),
              HasSubstr("field 'model': 8 is number, expected text"));
}

TEST(SweepSpecTest, EmptyGridsAreErrors) {
  EXPECT_THAT(errorOf(R"({"axes": []})"), HasSubstr("study.json: \"axes\" is empty"));
  EXPECT_THAT(errorOf(R"({"axes": [{"field": "users", "values": []}]})"),
              HasSubstr("study.json: axis 1: field 'users': no values"));
  EXPECT_THAT(
      errorOf(R"({"axes": [{"field": "users", "range": {"from": 4, "to": 1, "step": 1}}]})"),
      HasSubstr("no values"));
  EXPECT_THAT(errorOf(R"({"axes": [{"zip": {"users": [1, 2], "genTokens": [4]}}]})"),
              HasSubstr("zipped field 'genTokens' has 1 values, 'users' has 2"));
}

TEST(SweepSpecTest, GridsOverTenMillionPointsNeedConfirmation) {
  const SweepSpec spec = parse(R"({"axes": [
      {"field": "users", "range": {"from": 1, "to": 4000, "step": 1}},
      {"field": "genTokens", "range": {"from": 1, "to": 4000, "step": 1}}]})");
  EXPECT_EQ(spec.pointCount(), 16'000'000u);
  try {
    spec.checkSize(false);
    FAIL() << "no error";
  } catch (const SweepError& e) {
    EXPECT_THAT(e.what(), HasSubstr("study.json: the grid has 16000000 points"));
    EXPECT_THAT(e.what(), HasSubstr("--yes"));
  }
  EXPECT_NO_THROW(spec.checkSize(true));
}

TEST(SweepPointTest, RowHasEveryColumnAndPerUserIsAggregateOverUsers) {
  const SweepSpec spec =
      parse(std::string("{") + kSmallBase + R"(, "axes": [{"field": "users", "values": [1, 2]}]})");
  PointEvaluator evaluator(spec);
  const auto one = fieldsOf(evaluator.evaluate(0));
  const auto two = fieldsOf(evaluator.evaluate(1));
  ASSERT_EQ(one.size(), csvHeader(spec).size());
  ASSERT_EQ(two.size(), csvHeader(spec).size());
  EXPECT_EQ(one[0], "0");
  EXPECT_EQ(two[1], "2");
  EXPECT_EQ(two.back(), "") << two.back();
  const double perUser = std::stod(two[column(spec, "tokens_per_s_per_user")]);
  const double aggregate = std::stod(two[column(spec, "tokens_per_s")]);
  EXPECT_GT(aggregate, 0);
  EXPECT_DOUBLE_EQ(perUser, aggregate / 2);
  EXPECT_GT(std::stod(two[column(spec, "gpu_tokens_per_s")]),
            std::stod(one[column(spec, "gpu_tokens_per_s")]));
  for (const auto& [name, value] : breakdownCategories({})) {
    EXPECT_LT(column(spec, name + "_s_per_token"), csvHeader(spec).size()) << name;
  }
  EXPECT_FALSE(one[column(spec, "bottleneck")].empty());
  // The same point gives the same row, byte for byte.
  EXPECT_EQ(PointEvaluator(spec).evaluate(1), evaluator.evaluate(1));
}

TEST(SweepPointTest, ChipFieldChangesTheResult) {
  const SweepSpec spec = parse(std::string("{") + kSmallBase +
                               R"(, "axes": [{"field": "chip.clockHz", "values": [1e9, 2e9]}]})");
  PointEvaluator evaluator(spec);
  const double slow = std::stod(fieldsOf(evaluator.evaluate(0))[column(spec, "tokens_per_s")]);
  const double fast = std::stod(fieldsOf(evaluator.evaluate(1))[column(spec, "tokens_per_s")]);
  EXPECT_GT(fast, slow * 1.5);
}

TEST(SweepPointTest, PointsThatCannotRunAreRowsWithTheirError) {
  const SweepSpec spec = parse(std::string("{") + kSmallBase +
                               R"(, "axes": [{"zip": {"model": ["llama-3.1-8b", "builtin",
                                   "builtin"], "users": [1, 0, 1], "chip.clockHz": [1e9, 1e9, -1]}}]})");
  PointEvaluator evaluator(spec);
  const auto fit = fieldsOf(evaluator.evaluate(0));
  EXPECT_THAT(fit.back(), HasSubstr("needs"));
  EXPECT_EQ(fit[column(spec, "tokens_per_s")], "");
  // The GPU baseline does not need the wafer to fit.
  EXPECT_NE(fit[column(spec, "gpu_tokens_per_s")], "");
  EXPECT_THAT(fieldsOf(evaluator.evaluate(1)).back(), HasSubstr("users must be 1..4096, got 0"));
  EXPECT_THAT(fieldsOf(evaluator.evaluate(2)).back(), HasSubstr("clockHz"));
}

TEST(SweepCsvTest, QuotedFieldsRoundTrip) {
  const std::string row = csvField("a,b") + "," + csvField("say \"hi\"") + "," + csvField("x\ny");
  std::vector<std::string> fields;
  ASSERT_TRUE(splitCsvLine(row, fields));
  EXPECT_EQ(fields, (std::vector<std::string>{"a,b", "say \"hi\"", "x y"}));
  EXPECT_FALSE(splitCsvLine("\"open", fields));
}

TEST(SweepStoreTest, PartialRowsAreIgnoredAndResultsAreSortedAndComplete) {
  const SweepSpec spec = parse(std::string("{") + kSmallBase +
                               R"(, "axes": [{"field": "users", "values": [1, 2, 3]}]})");
  const fs::path dir = freshDir("store");
  const SweepStore store(dir, spec);
  PointEvaluator evaluator(spec);
  {
    PartWriter writer(store.partsDir() / "local-0.csv");
    writer.append(evaluator.evaluate(2));
    writer.append(evaluator.evaluate(0));
  }
  // A kill in the middle of a row leaves it without its line end.
  std::ofstream(store.partsDir() / "local-0.csv", std::ios::app)
      << evaluator.evaluate(1).substr(0, 9);
  EXPECT_EQ(store.pendingPoints(), std::vector<uint64_t>{1});
  EXPECT_EQ(store.writeResults(), 1u);
  {
    PartWriter writer(store.partsDir() / "local-0.csv"); // drops the partial row
    writer.append(evaluator.evaluate(1));
  }
  EXPECT_TRUE(store.pendingPoints().empty());
  EXPECT_EQ(store.writeResults(), 0u);
  const std::string results = readText(store.resultsPath());
  std::istringstream lines(results);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line.substr(0, 12), "point,users,");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(std::getline(lines, line));
    EXPECT_EQ(line, evaluator.evaluate(uint64_t(i)));
  }
  EXPECT_FALSE(std::getline(lines, line));
}

TEST(SweepStoreTest, ADifferentSweepInTheSameFolderIsRefused) {
  const fs::path dir = freshDir("other");
  const SweepSpec a = parse(R"({"axes": [{"field": "users", "values": [1, 2]}]})");
  const SweepSpec b = parse(R"({"axes": [{"field": "users", "values": [1, 3]}]})");
  EXPECT_NO_THROW(SweepStore(dir, a));
  EXPECT_NO_THROW(SweepStore(dir, a));
  try {
    SweepStore store(dir, b);
    FAIL() << "no error";
  } catch (const SweepError& e) {
    EXPECT_THAT(e.what(), HasSubstr("different sweep"));
  }
}

TEST(SweepRunnerTest, ThreadsGiveTheSameTableAsOneThreadAndStopKeepsFinishedRows) {
  const SweepSpec spec = parse(std::string("{") + kSmallBase +
                               R"(, "axes": [{"field": "users", "values": [1, 2, 3]},
                                   {"field": "genTokens", "values": [2, 3]}]})");
  const fs::path one = freshDir("one-thread");
  const fs::path two = freshDir("two-threads");
  const SweepStore storeOne(one, spec);
  const SweepStore storeTwo(two, spec);
  PointRunOptions options;
  EXPECT_EQ(runPoints(spec, storeOne, storeOne.pendingPoints(), options), 6u);
  options.threads = 2;
  std::atomic<bool> stop{false};
  options.stop = &stop;
  options.progress = [&](uint64_t done) { stop = done >= 2; };
  const uint64_t first = runPoints(spec, storeTwo, storeTwo.pendingPoints(), options);
  EXPECT_GE(first, 2u);
  EXPECT_LT(first, 6u);
  EXPECT_EQ(storeTwo.finishedRows().size(), first);
  stop = false;
  options.progress = {};
  EXPECT_EQ(runPoints(spec, storeTwo, storeTwo.pendingPoints(), options), 6u - first);
  EXPECT_EQ(storeOne.writeResults(), 0u);
  EXPECT_EQ(storeTwo.writeResults(), 0u);
  EXPECT_EQ(readText(storeOne.resultsPath()), readText(storeTwo.resultsPath()));
}

TEST(ResultTableTest, ARunningSweepsFolderAndItsFinishedTableReadAlike) {
  const SweepSpec spec = parse(std::string("{") + kSmallBase +
                               R"(, "axes": [{"field": "users", "values": [1, 2]},
                                   {"field": "chip.clockHz", "values": [1e9, 2e9]}]})");
  const fs::path dir = freshDir("table");
  const SweepStore store(dir, spec);
  PointRunOptions options;
  runPoints(spec, store, {3, 1}, options);
  const ResultTable running = loadResults(dir);
  EXPECT_EQ(running.totalPoints, 4u);
  ASSERT_EQ(running.rows.size(), 2u);
  EXPECT_EQ(running.rows[0][0], "1");
  EXPECT_EQ(running.axisFields, (std::vector<std::string>{"users", "chip.clockHz"}));
  ASSERT_TRUE(running.spec.has_value());
  runPoints(spec, store, store.pendingPoints(), options);
  store.writeResults();
  const ResultTable done = loadResults(store.resultsPath());
  EXPECT_EQ(done.header, csvHeader(spec));
  EXPECT_EQ(done.axisFields, running.axisFields);
  ASSERT_EQ(done.rows.size(), 4u);
  EXPECT_EQ(done.rows[1], running.rows[0]);
  EXPECT_GT(done.number(3, done.column("tokens_per_s")).value(), 0.0);
  EXPECT_FALSE(done.number(3, done.column("bottleneck")).has_value());
  EXPECT_EQ(done.column("no such column"), -1);
  EXPECT_TRUE(done.spec.has_value());
  EXPECT_THROW(loadResults(dir / "sweep.json"), std::runtime_error);
  EXPECT_THROW(loadResults(dir / "parts"), std::runtime_error);
}

TEST(ResultTableTest, ParetoFrontKeepsPointsNoOtherBeatsOnBoth) {
  const std::vector<std::pair<double, double>> points = {{1, 10}, {2, 9},     {2, 5}, {4, 4},
                                                         {3, 8},  {0.5, 9.5}, {4, 1}};
  EXPECT_EQ(paretoFront(points), (std::vector<size_t>{0, 1, 4, 3}));
  EXPECT_TRUE(paretoFront({}).empty());
}

TEST(ResultTableTest, PointChipJsonCarriesTheSweptFields) {
  const SweepSpec spec = parse(
      R"({"base": {"chip": "teach-32x32"}, "axes": [{"field": "chip.clockHz", "values": [2e9]}]})");
  const std::string text = chipJsonForPoint(spec.pointConfig(0), spec.file());
  EXPECT_DOUBLE_EQ(sim::parseChipSpec(text, "point.json").clockHz, 2e9);
}

TEST(RunCommandTest, CapturesOutputAndExitStatus) {
  const CommandResult ok = runCommand({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(ok.exitCode, 3);
  EXPECT_EQ(ok.out, "out\n");
  EXPECT_EQ(ok.err, "err\n");
  const CommandResult missing = runCommand({"no-such-command-waferscope"});
  EXPECT_EQ(missing.exitCode, 127);
  EXPECT_THAT(missing.err, HasSubstr("no-such-command-waferscope"));
}

} // namespace
} // namespace ws::sweep
