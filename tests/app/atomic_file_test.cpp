#include "app/run/atomic_file.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace ws::app {
namespace {

std::string readText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(AtomicFileTest, WritesAndReplacesWithoutLeavingTemporaries) {
  const auto dir = test::outputDir() / "atomic_file";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto target = dir / "report.json";
  writeTextAtomically(target, "first");
  writeTextAtomically(target, "second");
  EXPECT_EQ(readText(target), "second");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
}

TEST(AtomicFileTest, FailedWriteKeepsTheOldFileAndRemovesTheTemporary) {
  const auto dir = test::outputDir() / "atomic_file_fail";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto target = dir / "trace.json";
  writeTextAtomically(target, "old");
  EXPECT_THROW(writeFileAtomically(target,
                                   [](const std::filesystem::path& temp) {
                                     std::ofstream(temp) << "partial";
                                     throw std::runtime_error("simulated failure");
                                   }),
               std::runtime_error);
  EXPECT_EQ(readText(target), "old");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
}

TEST(AtomicFileTest, MissingDirectoryGivesAnErrorNamingTheFile) {
  const auto target = test::outputDir() / "no_such_dir" / "out.csv";
  try {
    writeTextAtomically(target, "x");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("out.csv"), std::string::npos) << error.what();
  }
}

} // namespace
} // namespace ws::app
