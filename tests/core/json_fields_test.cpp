#include "core/format_error.h"
#include "core/json_fields.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <cmath>
#include <fstream>
#include <limits>

namespace ws::core {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string errorOf(const std::function<void()>& read) {
  try {
    read();
  } catch (const FormatError& e) {
    return e.what();
  }
  return "no error";
}

TEST(JsonFields, NumbersOutsideTheirRangeNameFileFieldAndRange) {
  const json j = json::parse(R"({"clock": 0, "big": 1e300, "text": "1", "ok": 2.5})");
  EXPECT_EQ(requireNumberInRange(j, "ok", 1.0, 3.0, "f.json"), 2.5);
  EXPECT_EQ(errorOf([&] { requireNumberInRange(j, "clock", 1e6, 1e10, "f.json"); }),
            "f.json: field 'clock' must be 1e+06 .. 1e+10, got 0");
  EXPECT_EQ(errorOf([&] { requireNumberInRange(j, "big", 0, 1, "f.json"); }),
            "f.json: field 'big' must be 0 .. 1, got 1e+300");
  EXPECT_EQ(errorOf([&] { requireNumberInRange(j, "text", 0, 1, "f.json"); }),
            "f.json: field 'text' must be a number (0 .. 1), got string");
  EXPECT_EQ(errorOf([&] { requireNumberInRange(j, "absent", 0, 1, "f.json"); }),
            "f.json: missing field 'absent' (0 .. 1)");
  EXPECT_EQ(requireNumberInRange(j, "absent", 0, 1, "f.json", 0.5), 0.5);
  EXPECT_EQ(errorOf([] {
              checkNumberInRange(std::numeric_limits<double>::quiet_NaN(), "x", 0, 1, "f.json");
            }),
            "f.json: field 'x' must be 0 .. 1, got nan");
}

TEST(JsonFields, CountsAreWholeNonNegativeNumbersInRange) {
  const json j =
      json::parse(R"({"n": 7, "neg": -1, "frac": 4096.0, "huge": 18446744073709551615})");
  EXPECT_EQ(requireCountInRange(j, "n", 1, 8, "f.json"), 7u);
  EXPECT_EQ(errorOf([&] { requireCountInRange(j, "neg", 1, 8, "f.json"); }),
            "f.json: field 'neg' must be 1 .. 8, got -1");
  EXPECT_EQ(errorOf([&] { requireCountInRange(j, "frac", 1, 8192, "f.json"); }),
            "f.json: field 'frac' must be 1 .. 8192, got 4096.0");
  EXPECT_EQ(errorOf([&] { requireCountInRange(j, "huge", 1, 8, "f.json"); }),
            "f.json: field 'huge' must be 1 .. 8, got 18446744073709551615");
  EXPECT_EQ(requireCountInRange(j, "absent", 1, 8, "f.json", 3u), 3u);
}

TEST(JsonFields, ReadJsonFileRefusesWhatIsNotASmallRegularJsonFile) {
  const fs::path dir = test::outputDir() / "json_fields";
  fs::create_directories(dir);
  std::ofstream(dir / "ok.json") << R"({"a": 1})";
  EXPECT_EQ(readJsonFile(dir / "ok.json")["a"], 1);
  EXPECT_EQ(errorOf([&] { readJsonFile(dir); }), dir.string() + ": is not a regular file");
  EXPECT_EQ(errorOf([] { readJsonFile("/dev/zero"); }), "/dev/zero: is not a regular file");
  // A FIFO without a writer must not block the reader.
  const fs::path fifo = dir / "fifo.json";
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(errorOf([&] { readJsonFile(fifo); }), fifo.string() + ": is not a regular file");
  std::ofstream(dir / "big.json") << std::string(2000, ' ') << "{}";
  EXPECT_NE(errorOf([&] { readJsonFile(dir / "big.json", 1000); }).find("larger than the 1000"),
            std::string::npos);
  std::ofstream(dir / "deep.json") << std::string(65, '[') << std::string(65, ']');
  EXPECT_EQ(errorOf([&] { readJsonFile(dir / "deep.json"); }),
            (dir / "deep.json").string() + ": nests arrays or objects deeper than 64 levels");
  std::ofstream(dir / "deep64.json") << std::string(64, '[') << std::string(64, ']');
  EXPECT_TRUE(readJsonFile(dir / "deep64.json").is_array());
  std::ofstream(dir / "overflow.json") << R"({"a": 27e648})";
  EXPECT_EQ(errorOf([&] { readJsonFile(dir / "overflow.json"); }),
            (dir / "overflow.json").string() + ": invalid JSON: a number is out of range");
  std::ofstream(dir / "broken.json") << R"({"a": )";
  EXPECT_NE(errorOf([&] { readJsonFile(dir / "broken.json"); }).find("invalid JSON"),
            std::string::npos);
  EXPECT_NE(errorOf([&] { readJsonFile(dir / "absent.json"); }).find("cannot open"),
            std::string::npos);
}

} // namespace
} // namespace ws::core
