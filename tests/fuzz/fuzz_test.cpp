// Seeded mutation tests of every file reader (tests/fuzz/fuzz_targets.h): a
// fixed number of cases per reader and run, each in a forked child with a time
// limit. CI runs them in the asan-ubsan build. WS_FUZZ_SEED picks another
// seed and WS_FUZZ_SCALE scales the case counts (a soak); a failure names its
// case and seed and keeps its bytes under test-output/fuzz.
#include "tests/fuzz/case_runner.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace ws::fuzz {
namespace {

namespace fs = std::filesystem;

std::string readBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    throw std::runtime_error("fuzz: cannot read seed " + path.string());
  }
  return text.str();
}

std::vector<Seed> seedsIn(const fs::path& dir, const std::string& suffix) {
  std::vector<Seed> seeds;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().string().ends_with(suffix)) {
      seeds.push_back({entry.path().filename().string(), readBytes(entry.path())});
    }
  }
  std::sort(seeds.begin(), seeds.end(),
            [](const Seed& a, const Seed& b) { return a.name < b.name; });
  if (seeds.empty()) {
    throw std::runtime_error("fuzz: no seeds in " + dir.string());
  }
  return seeds;
}

uint64_t envNumber(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::strtoull(value, nullptr, 10) : fallback;
}

// WS_FUZZ_SCALE: a soak multiplies the cases (10), a quick local look divides them (0.1).
double envScale() {
  const char* value = std::getenv("WS_FUZZ_SCALE");
  return value != nullptr && *value != '\0' ? std::strtod(value, nullptr) : 1.0;
}

fs::path workDir() {
  const fs::path dir = test::outputDir() / "fuzz";
  fs::create_directories(dir);
  return dir;
}

fs::path corpusDir() {
  return fs::path(WS_TEST_SOURCE_DIR) / "corpus";
}

void runAndReport(Target target, std::vector<Seed> seeds, bool json, int cases) {
  CampaignOptions o;
  o.target = target;
  o.seeds = std::move(seeds);
  o.json = json;
  o.cases = int(double(cases) * envScale());
  o.seed = envNumber("WS_FUZZ_SEED", 19);
  o.jobs = int(std::max(1u, std::thread::hardware_concurrency()));
  o.workDir = workDir();
  const CampaignReport r = runCampaign(o);
  std::printf("fuzz %s: %d cases (seed %llu, %zu seeds), %d read through, %d refused naming the "
              "file, %zu failures, %.1f s\n",
              std::string(targetName(target)).c_str(), r.cases,
              static_cast<unsigned long long>(o.seed), o.seeds.size(), r.readThrough, r.refused,
              r.failures.size(), r.seconds);
  EXPECT_GT(o.cases, 0);
  EXPECT_EQ(r.cases, o.cases);
  for (const std::string& failure : r.failures) {
    ADD_FAILURE() << failure;
  }
}

TEST(Fuzz, Gguf) {
  runAndReport(Target::Gguf, seedsIn(corpusDir() / "gguf", ".gguf"), false, 2000);
}

TEST(Fuzz, Safetensors) {
  runAndReport(Target::Safetensors, seedsIn(corpusDir() / "safetensors", ".safetensors"), false,
               400);
}

TEST(Fuzz, HfConfigJson) {
  runAndReport(Target::HfConfig, seedsIn(corpusDir() / "config", ".json"), true, 250);
}

TEST(Fuzz, ModelCards) {
  runAndReport(Target::ModelCard, seedsIn(test::assetsDir() / "models" / "cards", ".json"), true,
               300);
}

TEST(Fuzz, ChipSpecs) {
  runAndReport(Target::ChipSpec, seedsIn(test::assetsDir() / "chips", ".json"), true, 250);
}

TEST(Fuzz, GpuBaselines) {
  runAndReport(Target::GpuBaseline, seedsIn(test::assetsDir() / "gpus", ".json"), true, 200);
}

TEST(Fuzz, Sweeps) {
  std::vector<Seed> seeds = seedsIn(corpusDir() / "sweep", ".json");
  for (Seed& shipped : seedsIn(test::assetsDir() / "sweeps", ".json")) {
    seeds.push_back(std::move(shipped));
  }
  runAndReport(Target::Sweep, std::move(seeds), true, 200);
}

TEST(Fuzz, ServingProfiles) {
  runAndReport(Target::ServingProfile, seedsIn(test::assetsDir() / "serving", ".json"), true, 150);
}

TEST(Fuzz, SweepResults) {
  runAndReport(Target::SweepResults, seedsIn(corpusDir() / "sweep-results", ".csv"), false, 150);
}

} // namespace
} // namespace ws::fuzz
