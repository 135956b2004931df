#include "core/model_spec.h"
#include "sim/bottleneck_report.h"
#include "sim/fast_engine.h"
#include "sim/fields.h"
#include "sim/mapper.h"
#include "sim/run_report.h"
#include "sim/token_timeline.h"
#include "sim/trace_writer.h"
#include "tests/sim/sim_test_util.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

namespace ws::sim {
namespace {

TEST(ActivityField, WavefrontShiftsBusyIntervalsByHopDistance) {
  const Placement p =
      test::handPlacement(test::plainTeachChip(), {test::region(0, {0, 0, 4, 4}, {})});
  ActivityField field(p);
  RegionActivity a;
  a.region = 0;
  a.startCycle = 0;
  a.endCycle = 10;
  a.sourceX = 0;
  a.sourceY = 0;
  a.hopCyclesX = 1.0f;
  a.hopCyclesY = 1.0f;
  a.computeShare = 0.75f;
  a.fabricShare = 0.25f;
  field.onActivity(a);
  const double cycle = p.chip().secondsPerCycle();
  field.evaluate(0.0, 10 * cycle);
  ASSERT_EQ(field.width(), 32);
  EXPECT_FLOAT_EQ(field.data()[0], 1.0f); // source: busy the whole window
  EXPECT_FLOAT_EQ(field.computeData()[0], 0.75f);
  EXPECT_FLOAT_EQ(field.fabricData()[0], 0.25f);
  EXPECT_FLOAT_EQ(field.data()[3], 0.7f);          // 3 hops: busy 3..13, 7 of 10 cycles
  EXPECT_FLOAT_EQ(field.data()[3 * 32 + 3], 0.4f); // 6 hops
  EXPECT_FLOAT_EQ(field.data()[4], 0.0f);          // outside the region
  field.evaluate(10 * cycle, 20 * cycle);
  EXPECT_FLOAT_EQ(field.data()[0], 0.0f);
  EXPECT_FLOAT_EQ(field.data()[3 * 32 + 3], 0.6f);
  EXPECT_NEAR(field.endSeconds(), 10 * cycle, 1e-15);
  field.clear();
  EXPECT_EQ(field.recordCount(), 0u);
}

// The field against its definition computed PE by PE from the engine's own
// records, for windows that hold whole records and windows that cut them.
TEST(ActivityField, MatchesItsPerPeDefinitionOverAnEngineRun) {
  const Placement p = mapModel(test::tinyModel(), test::plainTeachChip(), {});
  struct Recorder : EngineObserver {
    std::vector<RegionActivity> records;
    void onActivity(const RegionActivity& a) override { records.push_back(a); }
  } recorder;
  ActivityField field(p, 2);
  FastEngine engine(p);
  engine.addObserver(&field);
  engine.addObserver(&recorder);
  std::vector<TokenTiming> steps = {engine.prefill(16)};
  for (int i = 0; i < 4; ++i) {
    steps.push_back(engine.decodeStep());
  }
  const double cycle = p.chip().secondsPerCycle();
  const auto expected = [&](double start, double end) {
    const double t0 = start / cycle;
    const double t1 = end / cycle;
    std::vector<double> compute(size_t(field.width() * field.height()), 0.0);
    std::vector<double> fabric(compute.size(), 0.0);
    for (const RegionActivity& a : recorder.records) {
      const PeRect& r = p.regions()[size_t(a.region)].rect;
      for (int y = r.y; y < r.y + r.h; ++y) {
        for (int x = r.x; x < r.x + r.w; ++x) {
          const double shift =
              a.hopCyclesX * std::abs(x - a.sourceX) + a.hopCyclesY * std::abs(y - a.sourceY);
          const double busy =
              std::max(0.0, std::min(t1, a.endCycle + shift) - std::max(t0, a.startCycle + shift));
          compute[size_t(y * field.width() + x)] += busy / (t1 - t0) * a.computeShare;
          fabric[size_t(y * field.width() + x)] += busy / (t1 - t0) * a.fabricShare;
        }
      }
    }
    std::vector<double> total(compute.size());
    for (size_t i = 0; i < total.size(); ++i) {
      total[i] = std::min(std::min(compute[i], 1.0) + std::min(fabric[i], 1.0), 1.0);
    }
    return total;
  };
  std::vector<std::pair<double, double>> windows;
  for (const TokenTiming& t : steps) {
    windows.emplace_back(t.simStart, t.simEnd);
  }
  // Cutting through tokens 1 to 3, and a sliver inside token 2.
  windows.emplace_back(0.5 * (steps[1].simStart + steps[1].simEnd),
                       0.5 * (steps[3].simStart + steps[3].simEnd));
  windows.emplace_back(steps[2].simStart + 0.3 * (steps[2].simEnd - steps[2].simStart),
                       steps[2].simStart + 0.35 * (steps[2].simEnd - steps[2].simStart));
  for (const auto& [start, end] : windows) {
    field.evaluate(start, end);
    const std::vector<double> want = expected(start, end);
    double worst = 0.0;
    double sum = 0.0;
    for (size_t i = 0; i < want.size(); ++i) {
      worst = std::max(worst, std::abs(double(field.data()[i]) - want[i]));
      sum += want[i];
    }
    EXPECT_LT(worst, 1e-5) << "window " << start << " .. " << end;
    EXPECT_GT(sum, 0.0) << "window " << start << " .. " << end << " is empty";
  }
}

TEST(SramField, FractionsFollowTheKvCache) {
  MapOptions options;
  options.contextTokens = 256;
  const Placement p = mapModel(test::tinyModel(), test::plainTeachChip(), options);
  SramField field(p);
  const Region& attn = p.regions()[1];
  ASSERT_EQ(attn.kind, RegionKind::Attention);
  const size_t at = size_t(attn.rect.y) * size_t(field.width()) + size_t(attn.rect.x);
  EXPECT_FLOAT_EQ(field.categoryData(SramCategory::Kv)[at], 0.0f);
  field.setContext(256);
  const double capacity = double(p.chip().sramBytesPerPe);
  EXPECT_NEAR(field.categoryData(SramCategory::Kv)[at], attn.sramPerPe.kv / capacity, 1e-6);
  float sum = 0.0f;
  for (auto c : {SramCategory::Weights, SramCategory::Kv, SramCategory::Activations,
                 SramCategory::Reserve}) {
    sum += field.categoryData(c)[at];
  }
  EXPECT_NEAR(field.data()[at], sum, 1e-6);
  EXPECT_LE(field.data()[at], 1.0f);
  FastEngine engine(p);
  engine.addObserver(&field);
  engine.prefill(10);
  EXPECT_EQ(field.contextTokens(), 10);
}

TEST(LinkField, TransfersAndFabricShareLoadLinks) {
  MapOptions options;
  options.contextTokens = 64;
  const Placement p = mapModel(test::tinyModel(), test::plainTeachChip(), options);
  LinkField field(p);
  FastEngine engine(p);
  engine.addObserver(&field);
  const TokenTiming t = engine.decodeStep();
  field.evaluate(t.simStart, t.simEnd);
  double total = 0.0;
  for (int i = 0; i < field.width() * field.height(); ++i) {
    EXPECT_GE(field.data()[i], 0.0f);
    EXPECT_LE(field.data()[i], 1.0f);
    total += field.data()[i];
  }
  EXPECT_GT(total, 0.0);
}

TEST(TokenTimelineAndBottlenecks, SummariseARun) {
  MapOptions options;
  options.contextTokens = 128;
  const Placement p = mapModel(test::tinyModel(), test::plainTeachChip(), options);
  FastEngine engine(p);
  TokenTimeline timeline;
  BottleneckReport bottlenecks(p);
  engine.addObserver(&timeline);
  engine.addObserver(&bottlenecks);
  const TokenTiming prefill = engine.prefill(20);
  for (int i = 0; i < 10; ++i) {
    engine.decodeStep();
  }
  EXPECT_EQ(timeline.generatedTokens(), 10u);
  EXPECT_DOUBLE_EQ(timeline.timeToFirstToken(), prefill.simEnd);
  EXPECT_NEAR(timeline.decodeTokensPerSecond() * timeline.meanDecodeSeconds(), 1.0, 1e-9);
  const auto ranked = bottlenecks.ranked();
  ASSERT_FALSE(ranked.empty());
  double sum = 0.0;
  for (size_t i = 0; i < ranked.size(); ++i) {
    sum += ranked[i].share;
    if (i > 0) {
      EXPECT_GE(ranked[i - 1].share, ranked[i].share);
    }
  }
  EXPECT_NEAR(sum, 1.0, 1e-9);
  EXPECT_EQ(bottlenecks.ranked(2).size(), 2u);
  // The critical path of the decode steps is the sum of their durations.
  double seconds = 0.0;
  for (const auto& s : ranked) {
    seconds += s.seconds;
  }
  EXPECT_NEAR(seconds, 10 * timeline.meanDecodeSeconds(), 1e-9);
  EXPECT_FALSE(bottlenecks.sharesByKind().empty());
}

TEST(TraceWriter, ThousandTokensOfLlama8bStayUnder50MB) {
  MapOptions options;
  options.contextTokens = 1200;
  const Placement p = mapModel(core::loadModelSpec("llama-3.1-8b"), loadChipSpec("wse3"), options);
  const auto path = test::outputDir() / "llama8b_1000.trace.json";
  size_t bytes = 0;
  {
    FastEngine engine(p);
    TraceWriter trace(p, path.string());
    engine.addObserver(&trace);
    engine.prefill(100);
    for (int i = 0; i < 1000; ++i) {
      engine.decodeStep();
    }
    trace.finish();
    bytes = trace.bytesWritten();
  }
  EXPECT_EQ(std::filesystem::file_size(path), bytes);
  EXPECT_LT(bytes, 50u * 1000 * 1000);
  std::ifstream in(path);
  const nlohmann::json j = nlohmann::json::parse(in);
  const auto& events = j.at("traceEvents");
  size_t x = 0, c = 0, m = 0, aggregated = 0;
  for (const auto& e : events) {
    const std::string ph = e.at("ph");
    x += ph == "X";
    c += ph == "C";
    m += ph == "M";
    if (ph == "X") {
      EXPECT_GE(e.at("dur").get<double>(), 0.0);
      aggregated += e.at("cat") == "aggregate";
    }
  }
  EXPECT_GT(m, p.regions().size());
  EXPECT_GE(c, 1000u);
  EXPECT_GT(aggregated, 900u * 60);
  EXPECT_GT(x, aggregated);
}

TEST(TraceWriter, UnwritablePathIsAnError) {
  const Placement p = mapModel(test::tinyModel(), test::plainTeachChip(), {});
  EXPECT_THROW(TraceWriter(p, "/nonexistent-dir/x.json"), std::runtime_error);
}

TEST(GpuBaseline, H100RooflineForLlama8b) {
  const GpuSpec h100 = loadGpuSpec("h100-sxm");
  EXPECT_DOUBLE_EQ(h100.hbmBytesPerSecond, 3.35e12);
  for (const auto& [field, source] : h100.sources) {
    EXPECT_FALSE(source.empty()) << field;
  }
  const core::ModelSpec model = core::loadModelSpec("llama-3.1-8b");
  const GpuEstimate e = estimateGpu(h100, model, 2.0, 100, 1000);
  EXPECT_EQ(e.gpus, 1);
  // Roofline 3.35 TB/s / ~15 GB streamed (no embedding table) x 0.81.
  EXPECT_GT(e.decodeTokensPerSecond, 150.0);
  EXPECT_LT(e.decodeTokensPerSecond, 200.0);
  EXPECT_NEAR(e.joulesPerToken, 700.0 / e.decodeTokensPerSecond, 1e-9);
  EXPECT_GT(e.timeToFirstTokenSeconds, 0.0);
  const GpuEstimate big = estimateGpu(h100, core::loadModelSpec("llama-3.1-70b"), 2.0, 100, 1000);
  EXPECT_EQ(big.gpus, 2);
  EXPECT_GT(loadGpuSpec("b200").hbmBytesPerSecond, h100.hbmBytesPerSecond);
}

TEST(GpuBaseline, SmallModelsStopAtTheFastestMeasuredDecode) {
  const GpuSpec h100 = loadGpuSpec("h100-sxm");
  EXPECT_DOUBLE_EQ(h100.fastestDecodeTokensPerSecond, 764.0);
  // The tiny model's roofline is millions of tokens/s; no GPU stack gets there.
  const GpuEstimate e = estimateGpu(h100, test::tinyModel(), 2.0, 16, 64);
  EXPECT_DOUBLE_EQ(e.decodeTokensPerSecond, 764.0);
  EXPECT_GE(e.timeToFirstTokenSeconds, 1.0 / 764.0);
  EXPECT_NEAR(e.joulesPerToken, 700.0 / 764.0, 1e-9);
  // Large models stay on the roofline.
  const GpuEstimate big = estimateGpu(h100, core::loadModelSpec("llama-3.1-8b"), 2.0, 100, 1000);
  EXPECT_LT(big.decodeTokensPerSecond, 764.0);
}

TEST(GpuBaseline, MalformedFilesNameTheField) {
  EXPECT_THROW(parseGpuSpec("nope", "g.json"), std::runtime_error);
  try {
    parseGpuSpec(R"({"name":"g","hbmBytes":{"value":-1,"source":"x"}})", "/some/dir/g.json");
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("hbmBytes"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("/some/dir/g.json"), std::string::npos) << "path as given";
  }
  EXPECT_THROW(loadGpuSpec("tpu9"), std::runtime_error);
}

TEST(GpuBaseline, ValuesOutsidePhysicalBoundsNameFieldAndRange) {
  std::ifstream in(test::assetsDir() / "gpus" / "h100-sxm.json");
  const nlohmann::json h100 = nlohmann::json::parse(in);
  const auto errorWith = [&](const char* field, const nlohmann::json& value) {
    nlohmann::json bad = h100;
    bad[field]["value"] = value;
    try {
      parseGpuSpec(bad.dump(), "g.json");
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(errorWith("hbmBytes", 0), "g.json: field 'hbmBytes' must be 1e+08 .. 1e+14, got 0");
  EXPECT_EQ(errorWith("batch1Efficiency", 1.5),
            "g.json: field 'batch1Efficiency' must be 0.001 .. 1, got 1.5");
  EXPECT_EQ(errorWith("peakFlops", 1e300),
            "g.json: field 'peakFlops' must be 1e+11 .. 1e+19, got 1e+300");
  EXPECT_NE(errorWith("powerWatts", "700").find("'powerWatts'"), std::string::npos);
  EXPECT_EQ(loadGpuSpec((test::assetsDir() / "gpus" / "h100-sxm.json").string()).name, "h100-sxm");
  try {
    loadGpuSpec("/dev/zero");
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "/dev/zero: is not a regular file");
  }
}

// The report of a fast-engine run: a prompt, then `decodes` tokens; H100 baseline.
RunReport fastRunReport(const Placement& p, int64_t prompt, int decodes) {
  FastEngine engine(p);
  TokenTimeline timeline;
  BottleneckReport bottlenecks(p);
  engine.addObserver(&timeline);
  engine.addObserver(&bottlenecks);
  engine.prefill(prompt);
  for (int i = 0; i < decodes; ++i) {
    engine.decodeStep();
  }
  return makeRunReport(p, "fast", timeline, bottlenecks, {loadGpuSpec("h100-sxm")});
}

TEST(RunReport, SummaryKeepsThreeDigitsOfSmallFigures) {
  const Placement p = mapModel(test::tinyModel(), test::plainTeachChip(), {});
  const RunReport r = fastRunReport(p, 8, 4);
  const std::string summary = r.summary();
  // 1 / 764 tok/s = 1.309 ms; 700 W / 764 tok/s = 0.916 J.
  EXPECT_NE(summary.find("TTFT 1.31 ms, 0.916 J/token"), std::string::npos) << summary;
  EXPECT_EQ(summary.find(" 0.00 "), std::string::npos) << summary;
  EXPECT_EQ(summary.find("speedup 0.0x"), std::string::npos) << summary;
}

TEST(RunReport, JsonAndSummaryCarryTheHeadlineFigures) {
  MapOptions options;
  options.contextTokens = 256;
  const Placement p = mapModel(core::loadModelSpec("llama-3.1-8b"), loadChipSpec("wse3"), options);
  const RunReport r = fastRunReport(p, 64, 16);
  const nlohmann::json j = r.toJson();
  EXPECT_EQ(j.at("prompt_tokens"), 64);
  EXPECT_EQ(j.at("generated_tokens"), 16);
  EXPECT_GT(j.at("decode_tokens_per_s").get<double>(), 1000.0);
  EXPECT_GT(j.at("joules_per_token").get<double>(), 0.0);
  const auto& gpu = j.at("gpu_baselines").at(0);
  EXPECT_NEAR(gpu.at("wafer_speedup").get<double>(),
              r.decodeTokensPerSecond / gpu.at("decode_tokens_per_s").get<double>(), 1e-9);
  EXPECT_FALSE(j.at("bottlenecks").empty());
  EXPECT_NE(r.summary().find("speedup"), std::string::npos);
}

} // namespace
} // namespace ws::sim
