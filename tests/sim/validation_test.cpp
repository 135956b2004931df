#include "sim/chip_spec.h"
#include "sim/validation.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>

namespace ws::sim {
namespace {

TEST(Validation, PublishedTableIsWellFormed) {
  const auto rows =
      loadValidationTable((test::assetsDir() / "validation" / "published.csv").string());
  ASSERT_GE(rows.size(), 8u);
  size_t calibration = 0;
  for (const auto& r : rows) {
    EXPECT_FALSE(r.source.empty()) << r.id;
    EXPECT_FALSE(r.date.empty()) << r.id;
    calibration += r.calibration;
  }
  EXPECT_LE(3 * calibration, rows.size()) << "at most a third calibration rows";
  // Every chip's calibration names only calibration rows.
  for (const auto& name : listChipPresets()) {
    for (const auto& id : loadChipSpec(name).calibration.fittedTo) {
      auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.id == id; });
      ASSERT_NE(it, rows.end()) << name << " fitted to unknown row " << id;
      EXPECT_TRUE(it->calibration) << name << " fitted to held-out row " << id;
    }
  }
}

TEST(Validation, EveryRowSimulatesAndCalibrationRowsMatch) {
  const auto rows = loadValidationTable(defaultValidationTablePath());
  const ValidationSummary summary = runValidation(rows);
  for (const auto& r : summary.results) {
    EXPECT_TRUE(r.failure.empty()) << r.row.id << ": " << r.failure;
    EXPECT_GT(r.predicted, 0.0) << r.row.id;
    if (r.row.calibration) {
      EXPECT_NEAR(r.errorFraction, 0.0, 0.02) << r.row.id;
    }
  }
  EXPECT_LT(summary.calibrationMape, 0.02);
  EXPECT_GT(summary.heldOutMape, 0.0);
}

// `waferscope-cli calibrate` refits the stored values from the calibration
// rows alone: the JSON holds what the fit gives, within its rounding.
TEST(Validation, RefittingReproducesStoredCalibration) {
  const auto rows = loadValidationTable(defaultValidationTablePath());
  for (const char* name : {"wse3", "wse2"}) {
    const ChipSpec chip = loadChipSpec(name);
    const CalibrationFit fit = fitCalibration(rows, chip);
    EXPECT_NEAR(fit.opOverheadCycles, chip.calibration.opOverheadCycles, 0.051) << name;
    EXPECT_NEAR(fit.laterStackTokensPerStep, chip.calibration.laterStackTokensPerStep, 0.00051)
        << name;
    std::vector<std::string> ids = fit.launchRows;
    ids.insert(ids.end(), fit.laterRows.begin(), fit.laterRows.end());
    EXPECT_EQ(ids, chip.calibration.fittedTo) << name;
  }
  // wse3x4 is four wse3 systems running the same software.
  const ChipSpec wse3 = loadChipSpec("wse3");
  const ChipSpec wse3x4 = loadChipSpec("wse3x4");
  EXPECT_EQ(wse3x4.calibration.opOverheadCycles, wse3.calibration.opOverheadCycles);
  EXPECT_EQ(wse3x4.calibration.laterStackTokensPerStep, wse3.calibration.laterStackTokensPerStep);
  EXPECT_EQ(wse3x4.calibration.laterStackSince, wse3.calibration.laterStackSince);
}

TEST(Validation, FitNeedsALaunchCalibrationRow) {
  auto rows = loadValidationTable(defaultValidationTablePath());
  for (auto& r : rows) {
    r.calibration = r.calibration && r.id == "cerebras-llama-3.1-405b";
  }
  EXPECT_THROW(fitCalibration(rows, loadChipSpec("wse3")), std::runtime_error);
}

// The held-out MAPE the README states is the one validate computes.
TEST(Validation, HeldOutMapeMatchesReadme) {
  std::ifstream in(test::assetsDir() / "validation" / "README.md");
  ASSERT_TRUE(in) << "assets/validation/README.md";
  std::stringstream text;
  text << in.rdbuf();
  std::smatch m;
  const std::string readme = text.str();
  ASSERT_TRUE(std::regex_search(readme, m, std::regex(R"(held-out MAPE: ([0-9.]+) %)")))
      << "README states 'held-out MAPE: X %'";
  const double stated = std::stod(m[1].str());
  const ValidationSummary summary =
      runValidation(loadValidationTable(defaultValidationTablePath()));
  EXPECT_NEAR(100.0 * summary.heldOutMape, stated, 0.051);
  EXPECT_LE(summary.heldOutMape, 0.20) << "issue goal: held-out MAPE at most 20 %";
}

TEST(Validation, MalformedTablesNameFileAndLine) {
  const std::string header =
      "id,model,chip,systems,weight_bits,method,context,published_tok_s,split,date,source,note\n";
  auto fails = [&](const std::string& body, const std::string& needle) {
    try {
      parseValidationTable(header + body, "t.csv");
      ADD_FAILURE() << "accepted: " << body;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("t.csv:2"), std::string::npos) << e.what();
    }
  };
  fails("a,m,wse3,1,16,whole,2048,abc,held-out,2024,src,n\n", "published_tok_s");
  fails("a,m,wse3,1,16,whole,2048,100,maybe,2024,src,n\n", "split");
  fails("a,m,wse3,1,16,sideways,2048,100,held-out,2024,src,n\n", "method");
  fails("a,m,wse3,1,16,whole,2048,100,held-out,2024,,n\n", "source");
  fails("a,m,wse3,1,16,whole,2048\n", "fields");
  fails("a,m,wse3,1,16,whole,2048,100,held-out,2024,\"unterminated,n\n", "unterminated");
  EXPECT_THROW(parseValidationTable("id,model\n", "t.csv"), std::runtime_error);
  const auto rows = parseValidationTable(
      header + "a,m,wse3,0,0,layer,4096,840,calibration,2025,\"x, \"\"quoted\"\"\",n\n", "t.csv");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].source, "x, \"quoted\"");
  EXPECT_TRUE(rows[0].calibration);
  EXPECT_EQ(rows[0].method, "layer");
  EXPECT_THROW(loadValidationTable("/nonexistent.csv"), std::runtime_error);
}

} // namespace
} // namespace ws::sim
