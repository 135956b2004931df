#include "sim/chip_spec.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
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
    EXPECT_EQ(chip.sources.size(), 21u) << name;
    for (const auto& [field, source] : chip.sources) {
      EXPECT_FALSE(source.empty()) << name << "." << field;
      // Every number has a source, or says UNCONFIRMED and gives its range.
      EXPECT_EQ(source.find("estimate"), std::string::npos) << name << "." << field;
      EXPECT_EQ(source.find("UNCONFIRMED") != std::string::npos, chip.unconfirmed.count(field) == 1)
          << name << "." << field;
    }
  }
}

// The band over unconfirmed parameters: each timing field at the end of its
// range that makes the chip slower, or faster; sourced fields stay.
TEST(ChipSpec, UnconfirmedExtremesBoundEveryTimingParameter) {
  const ChipSpec chip = loadChipSpec("wse3");
  const ChipSpec slow = chip.atUnconfirmedExtreme(true);
  const ChipSpec fast = chip.atUnconfirmedExtreme(false);
  EXPECT_EQ(slow.clockHz, 0.85e9);
  EXPECT_EQ(fast.clockHz, 1.1e9);
  EXPECT_EQ(slow.macsPerCycle, chip.unconfirmed.at("macsPerCycle").low);
  EXPECT_EQ(fast.macsPerCycle, chip.unconfirmed.at("macsPerCycle").high);
  EXPECT_EQ(slow.hopLatencyCycles, chip.unconfirmed.at("hopLatencyCycles").high);
  EXPECT_EQ(slow.rampLatencyCycles, chip.unconfirmed.at("rampLatencyCycles").high);
  EXPECT_EQ(fast.taskActivationCycles, chip.unconfirmed.at("taskActivationCycles").low);
  EXPECT_EQ(slow.linkBytesPerCycle, chip.linkBytesPerCycle) << "sourced: no range";
  EXPECT_EQ(slow.reserveBytesPerPe, chip.reserveBytesPerPe) << "no timing effect";
  const auto fields = chip.unconfirmedTimingFields();
  EXPECT_NE(std::find(fields.begin(), fields.end(), "clockHz"), fields.end());
  EXPECT_EQ(std::find(fields.begin(), fields.end(), "powerWatts"), fields.end());
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
  EXPECT_EQ(again.rampLatencyCycles, chip.rampLatencyCycles);
  EXPECT_EQ(again.taskActivationCycles, chip.taskActivationCycles);
  EXPECT_EQ(again.sources, chip.sources);
  ASSERT_EQ(again.unconfirmed.size(), chip.unconfirmed.size());
  for (const auto& [field, range] : chip.unconfirmed) {
    EXPECT_EQ(again.unconfirmed.at(field).low, range.low) << field;
    EXPECT_EQ(again.unconfirmed.at(field).high, range.high) << field;
  }
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
      {"fitted factor", [](nlohmann::json& j) { j["calibration"] = nlohmann::json::object(); },
       "calibration", "mechanism"},
      {"unconfirmed without range", [](nlohmann::json& j) { j["clockHz"].erase("range"); },
       "clockHz", "range"},
      {"range without value",
       [](nlohmann::json& j) {
         j["clockHz"]["range"] = {1e9, 1.05e9};
       },
       "clockHz", "must hold the value"},
      {"range on a sourced number",
       [](nlohmann::json& j) {
         j["linkBytesPerCycle"]["range"] = {2, 4};
       },
       "linkBytesPerCycle", "does not say UNCONFIRMED"},
      {"range shape", [](nlohmann::json& j) { j["macsPerCycle"]["range"] = {8}; }, "macsPerCycle",
       "[low, high]"},
      {"reserve eats SRAM",
       [](nlohmann::json& j) {
         j["reserveBytesPerPe"]["value"] = 49152;
         j["reserveBytesPerPe"]["range"] = {2048, 49152};
       },
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

TEST(ChipSpec, NotJsonAndUnknownPreset) {
  EXPECT_THROW(parseChipSpec("{\"name\": ", "x.json"), ChipSpecError);
  EXPECT_THROW(parseChipSpec("[1, 2]", "x.json"), ChipSpecError);
  // A number beyond a double is the parser's out-of-range error: still named.
  try {
    parseChipSpec("{\"name\": \"x\", \"clockHz\": {\"value\": 27e648}}", "big.json");
    ADD_FAILURE() << "no error";
  } catch (const ChipSpecError& e) {
    EXPECT_NE(std::string(e.what()).find("big.json"), std::string::npos) << e.what();
  }
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
