#include "sim/chip_spec.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace ws::sim {
namespace {

std::string presetText(const std::string& name) {
  std::ifstream in(test::assetsDir() / "chips" / (name + ".json"));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ChipSpec, PresetsLoadWithASourceForEveryNumber) {
  const auto presets = listChipPresets();
  for (const char* name : {"wse2", "wse3", "wse3x4", "teach-32x32"}) {
    EXPECT_NE(std::find(presets.begin(), presets.end(), name), presets.end()) << name;
    const ChipSpec chip = loadChipSpec(name);
    EXPECT_EQ(chip.name, name);
    EXPECT_GT(chip.clockHz, 0);
    EXPECT_EQ(chip.sources.size(), 23u) << name; // 19 fields + 4 calibration factors
    for (const auto& [field, source] : chip.sources) {
      EXPECT_FALSE(source.empty()) << name << "." << field;
    }
    EXPECT_FALSE(chip.calibration.fittedTo.empty()) << name;
  }
}

TEST(ChipSpec, Wse3MatchesPublishedFigures) {
  const ChipSpec chip = loadChipSpec("wse3");
  EXPECT_EQ(chip.fabricWidth, 762);
  EXPECT_EQ(chip.fabricHeight, 1172);
  EXPECT_EQ(chip.sramBytesPerPe, 48 * 1024);
  // 893,064 PEs x 48 KB = 43.9 GB: "44 GB" on-wafer SRAM.
  EXPECT_NEAR(chip.totalSramBytes() / 1e9, 43.9, 0.1);
  EXPECT_NE(chip.source("clockHz").find("850 MHz"), std::string::npos)
      << "the clock disagreement must be stated";
  EXPECT_EQ(loadChipSpec("wse3x4").wafers, 4);
  EXPECT_EQ(loadChipSpec("wse3x4").totalWidth(), 4 * 762);
}

TEST(ChipSpec, RoundTripsThroughJson) {
  const ChipSpec chip = loadChipSpec("wse3");
  const ChipSpec again = parseChipSpec(chipSpecToJson(chip), "again.json");
  EXPECT_EQ(again.fabricWidth, chip.fabricWidth);
  EXPECT_EQ(again.clockHz, chip.clockHz);
  EXPECT_EQ(again.calibration.opOverheadCycles, chip.calibration.opOverheadCycles);
  EXPECT_EQ(again.calibration.fittedTo, chip.calibration.fittedTo);
  EXPECT_EQ(again.calibration.laterStackSince, chip.calibration.laterStackSince);
  EXPECT_EQ(again.calibration.laterStackTokensPerStep, chip.calibration.laterStackTokensPerStep);
  EXPECT_EQ(again.sources, chip.sources);
}

struct Malformed {
  const char* what;
  std::function<void(nlohmann::json&)> edit;
  const char* field;
  const char* problem;
};

TEST(ChipSpec, MalformedFilesNameFileAndField) {
  const std::vector<Malformed> cases = {
      {"missing field", [](nlohmann::json& j) { j.erase("clockHz"); }, "clockHz", "missing"},
      {"negative", [](nlohmann::json& j) { j["sramBytesPerPe"]["value"] = -5; }, "sramBytesPerPe",
       ">="},
      {"zero clock", [](nlohmann::json& j) { j["clockHz"]["value"] = 0; }, "clockHz", "> 0"},
      {"wrong type", [](nlohmann::json& j) { j["fabricWidth"]["value"] = "wide"; }, "fabricWidth",
       "number"},
      {"bare number", [](nlohmann::json& j) { j["fabricWidth"] = 762; }, "fabricWidth", "source"},
      {"no source", [](nlohmann::json& j) { j["hopLatencyCycles"].erase("source"); },
       "hopLatencyCycles", "source"},
      {"fraction", [](nlohmann::json& j) { j["fabricHeight"]["value"] = 10.5; }, "fabricHeight",
       "integer"},
      {"efficiency > 1",
       [](nlohmann::json& j) { j["calibration"]["computeEfficiency"]["value"] = 2; },
       "calibration.computeEfficiency", "<= 1"},
      {"tokens per step < 1",
       [](nlohmann::json& j) { j["calibration"]["laterStackTokensPerStep"]["value"] = 0.5; },
       "calibration.laterStackTokensPerStep", ">="},
      {"no later-stack date", [](nlohmann::json& j) { j["calibration"].erase("laterStackSince"); },
       "calibration.laterStackSince", "ISO date"},
      {"reserve eats SRAM", [](nlohmann::json& j) { j["reserveBytesPerPe"]["value"] = 49152; },
       "reserveBytesPerPe", "no SRAM"},
      {"name type", [](nlohmann::json& j) { j["name"] = 3; }, "name", "text"},
  };
  for (const Malformed& c : cases) {
    nlohmann::json j = nlohmann::json::parse(presetText("wse3"));
    c.edit(j);
    try {
      parseChipSpec(j.dump(), "/some/dir/broken.json");
      ADD_FAILURE() << c.what << ": no error";
    } catch (const ChipSpecError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(e.field(), c.field) << c.what;
      // The path as given: a user's wse3.json and the preset of that name differ.
      EXPECT_NE(msg.find("/some/dir/broken.json"), std::string::npos) << msg;
      EXPECT_NE(msg.find(c.field), std::string::npos) << msg;
      EXPECT_NE(msg.find(c.problem), std::string::npos) << c.what << ": " << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
    }
  }
}

// The software generation of a published figure follows its date: the later
// stack's tokens per step from laterStackSince on, one token per step before
// it and on chips without a later stack.
TEST(ChipSpec, TokensPerStepFollowTheSoftwareGeneration) {
  ChipCalibration cal;
  cal.laterStackTokensPerStep = 3.0;
  EXPECT_EQ(cal.tokensPerStep("2024-11-18"), 1.0) << "no later stack";
  cal.laterStackSince = "2024-09";
  EXPECT_EQ(cal.tokensPerStep("2024-08-27"), 1.0);
  EXPECT_EQ(cal.tokensPerStep("2024-09"), 3.0);
  EXPECT_EQ(cal.tokensPerStep("2024-11-18"), 3.0);
  EXPECT_EQ(cal.tokensPerStep("2025"), 3.0);
  const ChipSpec wse3 = loadChipSpec("wse3");
  EXPECT_GT(wse3.calibration.laterStackTokensPerStep, 1.0);
  EXPECT_EQ(loadChipSpec("wse2").calibration.tokensPerStep("2025-02"), 1.0)
      << "WaferLLM's figures are one software generation";
}

TEST(ChipSpec, NotJsonAndUnknownPreset) {
  EXPECT_THROW(parseChipSpec("{\"name\": ", "x.json"), ChipSpecError);
  EXPECT_THROW(parseChipSpec("[1, 2]", "x.json"), ChipSpecError);
  try {
    loadChipSpec("wse9");
    ADD_FAILURE() << "no error";
  } catch (const ChipSpecError& e) {
    EXPECT_NE(std::string(e.what()).find("wse3"), std::string::npos) << "lists the presets";
  }
  EXPECT_THROW(loadChipSpec("/nonexistent/chip.json"), ChipSpecError);
}

} // namespace
} // namespace ws::sim
