#include "core/model_spec.h"
#include "sim/chip_spec.h"
#include "sim/speculative_step.h"
#include "sim/validation.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace ws::sim {
namespace {

std::vector<ValidationRow> publishedRows() {
  return loadValidationTable(defaultValidationTablePath());
}

TEST(Validation, PublishedTableIsWellFormed) {
  const auto rows = publishedRows();
  ASSERT_GE(rows.size(), 29u);
  std::set<std::string> deployments;
  int decode = 0;
  int prefill = 0;
  for (const auto& r : rows) {
    EXPECT_FALSE(r.source.empty()) << r.id;
    EXPECT_EQ(r.frozen.size(), 10u) << r.id;
    decode += r.group == "waferllm-decode";
    prefill += r.group == "waferllm-prefill";
    // One row per deployment: a model on a chip (and grid, and phase) once.
    const std::string key = r.group + "|" + r.model + "|" + r.chip + "|" + std::to_string(r.grid);
    EXPECT_TRUE(deployments.insert(key).second) << "second row of a deployment: " << r.id;
  }
  EXPECT_EQ(decode, 12) << "WaferLLM Table 4";
  EXPECT_EQ(prefill, 12) << "WaferLLM Table 3";
}

// Rows are frozen: once in the table, a row keeps its id, figure, group,
// serving and frozen date. New rows may be added below; none may move.
TEST(Validation, FrozenRowsNeverChange) {
  struct Frozen {
    const char* id;
    double published;
    const char* serving;
  };
  const std::vector<Frozen> frozen = {
      {"cerebras-llama-3.1-8b", 1800, "launch"},
      {"cerebras-llama-3.1-70b", 450, "launch"},
      {"cerebras-llama-3.1-405b", 969, "later-software"},
      {"cerebras-qwen3-32b", 2100, "later-software"},
      {"aa-gpt-oss-120b", 2059, "later-software"},
      {"waferllm-decode-llama3-8b-420", 2699.9, "launch"},
      {"waferllm-decode-qwen2-72b-660", 787.1, "launch"},
      {"waferllm-prefill-llama3-8b-480", 20320.6, "launch"},
      {"waferllm-prefill-qwen2-72b-720", 4421.6, "launch"},
  };
  const auto rows = publishedRows();
  for (const Frozen& f : frozen) {
    auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.id == f.id; });
    ASSERT_NE(it, rows.end()) << "frozen row removed: " << f.id;
    EXPECT_EQ(it->publishedTokensPerSecond, f.published) << f.id;
    EXPECT_EQ(it->serving, f.serving) << f.id;
    EXPECT_EQ(it->frozen, "2026-12-04") << f.id;
  }
}

// Nothing is fitted to a tokens/s row: no chip parameter cites one, and the
// table has no calibration split to put one in.
TEST(Validation, NoChipParameterComesFromATokensPerSecondRow) {
  const auto rows = publishedRows();
  for (const auto& name : listChipPresets()) {
    const ChipSpec chip = loadChipSpec(name);
    for (const auto& [field, source] : chip.sources) {
      EXPECT_EQ(source.find("fitted"), std::string::npos) << name << "." << field;
      for (const auto& r : rows) {
        EXPECT_EQ(source.find(r.id), std::string::npos)
            << name << "." << field << " cites " << r.id;
      }
    }
  }
  const std::string header = "id,group,model,chip,systems,weight_bits,method,grid,context,"
                             "published_tok_s,serving,serving_profile,frozen,date,source,note\n";
  EXPECT_THROW(parseValidationTable(header + "a,cerebras,m,wse3,1,16,whole,0,2048,100,calibration,"
                                             "launch-2024,2026-12-04,2024,src,n\n",
                                    "t.csv"),
               std::runtime_error);
}

// Every row names a shipped profile: the launch software's rows one without
// speculation, the later software's rows one with it.
TEST(Validation, EveryRowNamesAShippedServingProfile) {
  for (const auto& r : publishedRows()) {
    const ServingProfile profile = loadServingProfile(r.servingProfile);
    EXPECT_EQ(profile.speculative.has_value(), r.isLaterSoftware()) << r.id;
  }
}

// A later-software row's prediction is the speculative step of its profile,
// draft and target mapped together, with no factor on top.
TEST(Validation, LaterSoftwareRowsArePredictedBySpeculativeDecoding) {
  const auto rows = publishedRows();
  const auto it = std::find_if(rows.begin(), rows.end(),
                               [](const auto& r) { return r.id == "cerebras-qwen3-32b"; });
  ASSERT_NE(it, rows.end());
  const ServingProfile profile = loadServingProfile(it->servingProfile);
  ASSERT_TRUE(profile.speculative.has_value());
  const core::ModelSpec target = core::loadModelSpec(it->model);
  MapOptions options;
  options.contextTokens = it->contextTokens;
  options.bytesPerWeight = it->weightBits / 8.0;
  options.wafers = 4096;
  options.fewestWafers = true;
  const SpeculativePair pair =
      mapSpeculativePair(target, profile.draftFor(target), loadChipSpec(it->chip), options);
  const SpeculativeEstimate e =
      estimateSpeculativeDecode(pair, profile.speculative->draftTokens,
                                profile.speculative->acceptanceRate, it->contextTokens);
  EXPECT_DOUBLE_EQ(predictTokensPerSecond(*it), e.tokensPerSecond);
  EXPECT_GT(e.tokensPerVerifyPass, 1.0);
}

TEST(Validation, EveryRowSimulatesInsideItsBand) {
  const ValidationSummary summary = runValidation(publishedRows());
  for (const auto& r : summary.results) {
    ASSERT_TRUE(r.failure.empty()) << r.row.id << ": " << r.failure;
    EXPECT_GT(r.predicted, 0.0) << r.row.id;
    EXPECT_LE(r.low, r.predicted) << r.row.id;
    EXPECT_GE(r.high, r.predicted) << r.row.id;
    EXPECT_LT(r.low, r.high) << r.row.id << ": unconfirmed parameters must widen the band";
  }
}

// Totals hold every row, each simulated with its serving profile; the rows of
// the later software are scored again on their own; the baseline is scored
// on exactly the decode rows, beside the model.
TEST(Validation, TotalsAndBaselineCoverExactlyTheHeldOutRows) {
  const auto rows = publishedRows();
  const ValidationSummary summary = runValidation(rows);
  ASSERT_EQ(summary.groups.size(), 4u);
  int cerebras = 0;
  int waferllm = 0;
  int later = 0;
  int decodeRows = 0;
  double baselineSum = 0.0;
  for (const auto& r : summary.results) {
    later += r.row.isLaterSoftware();
    (r.row.group == "cerebras" ? cerebras : waferllm) += 1;
    if (r.row.isDecode()) {
      ++decodeRows;
      baselineSum += std::abs(r.baselineErrorFraction);
    }
  }
  EXPECT_EQ(summary.groups[0].rows, cerebras);
  EXPECT_EQ(summary.groups[1].rows, waferllm);
  EXPECT_EQ(summary.groups[2].rows, cerebras + waferllm);
  EXPECT_EQ(summary.groups[2].rows, int(rows.size())) << "every row is in the totals";
  EXPECT_EQ(summary.groups[3].name, "later-software");
  EXPECT_EQ(summary.groups[3].rows, later);
  EXPECT_GE(later, 3);
  EXPECT_EQ(summary.groups[2].baselineRows, decodeRows);
  EXPECT_NEAR(summary.groups[2].baselineMape, baselineSum / decodeRows, 1e-12);
  EXPECT_EQ(summary.groups[1].trendModels, 4);
}

TEST(Validation, BaselineIsThePowerLawOfActiveParameters) {
  const auto rows = publishedRows();
  const auto& r = rows.front();
  ASSERT_EQ(r.id, "cerebras-llama-3.1-8b");
  const double activeB = double(core::loadModelSpec("llama-3.1-8b").paramCounts().active()) / 1e9;
  EXPECT_NEAR(baselineTokensPerSecond(r), 3322.0 / std::pow(activeB, 0.294), 1e-9);
}

TEST(Validation, SpearmanRankCorrelation) {
  EXPECT_DOUBLE_EQ(spearmanRank({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0);
  EXPECT_DOUBLE_EQ(spearmanRank({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0);
  // Ranks 1 2 3 4 against 1 3 2 4: 1 - 6 * 2 / (4 * 15) = 0.8.
  EXPECT_NEAR(spearmanRank({1, 2, 3, 4}, {1, 3, 2, 4}), 0.8, 1e-12);
  EXPECT_EQ(spearmanRank({1}, {1}), 0.0);
}

TEST(Validation, MicrobenchRowsRunWithNothingFitted) {
  const auto results = runMicrobench(loadMicrobenchTable(defaultMicrobenchTablePath()));
  ASSERT_GE(results.size(), 2u);
  for (const auto& r : results) {
    EXPECT_GT(r.predictedSeconds, 0.0) << r.row.id;
    EXPECT_NEAR(r.cycles.total() / loadChipSpec(r.row.chip).clockHz, r.predictedSeconds, 1e-15);
    EXPECT_DOUBLE_EQ(r.leaveOneOutError,
                     (r.predictedSeconds - r.row.measuredSeconds) / r.row.measuredSeconds);
  }
}

TEST(Validation, MalformedTablesNameFileAndLine) {
  const std::string header = "id,group,model,chip,systems,weight_bits,method,grid,context,"
                             "published_tok_s,serving,serving_profile,frozen,date,source,note\n";
  auto fails = [&](const std::string& body, const std::string& needle) {
    try {
      parseValidationTable(header + body, "t.csv");
      ADD_FAILURE() << "accepted: " << body;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("t.csv:2"), std::string::npos) << e.what();
    }
  };
  const std::string ok = ",launch-2024,2026-12-04,2024,src,n\n";
  fails("a,cerebras,m,wse3,1,16,whole,0,2048,abc,launch" + ok, "published_tok_s");
  fails("a,cerebras,m,wse3,1,16,whole,0,2048,100,maybe" + ok, "serving");
  fails("a,cerebras,m,wse3,1,16,sideways,0,2048,100,launch" + ok, "method");
  fails("a,vendor,m,wse3,1,16,whole,0,2048,100,launch" + ok, "group");
  fails("a,cerebras,m,wse3,1,16,mesh-decode,0,2048,100,launch" + ok, "grid");
  fails("a,cerebras,m,wse3,1,16,whole,0,2048,100,launch,launch-2024,yesterday,2024,src,n\n",
        "frozen");
  fails("a,cerebras,m,wse3,1,16,whole,0,2048,100,launch,launch-2024,2026-12-04,2024,,n\n",
        "source");
  fails("a,cerebras,m,wse3,1,16,whole,0,2048,100,launch,,2026-12-04,2024,src,n\n",
        "serving_profile");
  fails("a,cerebras,m,wse3,1,16,whole,0,2048\n", "fields");
  fails("a,cerebras,m,wse3,1,16,whole,0,2048,100,launch,launch-2024,2026-12-04,2024,"
        "\"unterminated,n\n",
        "unterminated");
  EXPECT_THROW(parseValidationTable("id,model\n", "t.csv"), std::runtime_error);
  const auto rows = parseValidationTable(
      header + "a,waferllm-decode,m,wse2,1,16,mesh-decode,420,4096,840,launch,launch-2024,"
               "2026-12-04,2025,"
               "\"x, \"\"quoted\"\"\",n\n",
      "t.csv");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].source, "x, \"quoted\"");
  EXPECT_EQ(rows[0].grid, 420);
  EXPECT_THROW(parseValidationTable(header + "a,cerebras,m,wse3,1,16,whole,0,2048,100,launch" + ok +
                                        "a,cerebras,m,wse3,1,16,whole,0,2048,100,launch" + ok,
                                    "t.csv"),
               std::runtime_error)
      << "duplicate id";
  EXPECT_THROW(loadValidationTable("/nonexistent.csv"), std::runtime_error);
}

} // namespace
} // namespace ws::sim
