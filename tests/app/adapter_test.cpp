// The sim-to-render adapter (app/frame/): used-PE runs, frames of one plane,
// region outlines, colour scales, and exact digests of the fields a dense and
// a MoE mapping produce (the CPU half of the golden tests; the images are in
// adapter_golden_test.cpp).
#include "app/frame/field_adapter.h"
#include "app/frame/frame_builder.h"
#include "sim/fields.h"
#include "tests/app/adapter_test_util.h"
#include "tests/test_paths.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ws::app {
namespace {

// Every cell of `values` where a region is mapped, NaN elsewhere: the
// conversion both consumers wrote by hand before the adapter.
std::vector<float> maskedByHand(const sim::Placement& placement, const float* values) {
  std::vector<float> out(values, values + placement.regionIndex().size());
  for (size_t i = 0; i < out.size(); ++i) {
    if (placement.regionIndex()[i] < 0) {
      out[i] = std::nanf("");
    }
  }
  return out;
}

// Bitwise equality (NaN == NaN), so "exact" means exact.
void expectSameBits(const std::vector<float>& actual, const std::vector<float>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  EXPECT_EQ(std::memcmp(actual.data(), expected.data(), actual.size() * sizeof(float)), 0);
}

TEST(UsedCells, MasksExactlyTheUnmappedPesAndBoundsTheMappedOnes) {
  const auto run = test::runCard(test::kDenseCard, "wse3");
  const sim::Placement& p = *run->placement;
  const UsedCells used(p);
  EXPECT_EQ(used.count(), size_t(p.usedPes()));
  std::vector<float> ramp(p.regionIndex().size());
  for (size_t i = 0; i < ramp.size(); ++i) {
    ramp[i] = float(i % 1000) / 1000.0f;
  }
  render::Field field;
  used.toField(ramp.data(), field);
  EXPECT_EQ(field.width, uint32_t(p.width()));
  EXPECT_EQ(field.height, uint32_t(p.height()));
  expectSameBits(field.values, maskedByHand(p, ramp.data()));

  // The bounding box holds every used PE and each of its edges touches one.
  const render::CellRect box = used.bounds();
  ASSERT_GT(box.w, 0u);
  bool left = false, right = false, top = false, bottom = false;
  for (int y = 0; y < p.height(); ++y) {
    for (int x = 0; x < p.width(); ++x) {
      if (p.regionIndex()[size_t(y) * size_t(p.width()) + size_t(x)] < 0) {
        continue;
      }
      ASSERT_TRUE(box.contains(uint32_t(x), uint32_t(y))) << x << ", " << y;
      left |= uint32_t(x) == box.x;
      right |= uint32_t(x) == box.x + box.w - 1;
      top |= uint32_t(y) == box.y;
      bottom |= uint32_t(y) == box.y + box.h - 1;
    }
  }
  EXPECT_TRUE(left && right && top && bottom);

  // A field reused for the next frame is overwritten everywhere.
  used.zeroField(field);
  std::vector<float> zeros(ramp.size(), 0.0f);
  expectSameBits(field.values, maskedByHand(p, zeros.data()));
}

TEST(FrameBuilder, BuildsOnlyThePlaneAskedForWithTheObserversValues) {
  const auto run = test::runCard(test::kDenseCard, "wse3");
  const sim::Placement& p = *run->placement;
  const FrameWindow window = run->lastStep();

  // The same run's fields, evaluated by hand.
  sim::ActivityField activity(p);
  sim::SramField sram(p);
  sim::LinkField links(p);
  auto engine = sim::makeTimingEngine(sim::EngineKind::Fast, p);
  engine->addObserver(&activity);
  engine->addObserver(&sram);
  engine->addObserver(&links);
  sim::runPrefillAndDecode(*engine, 32, 3, 1);
  activity.evaluate(window.start, window.end);
  links.evaluate(window.start, window.end);
  sram.setContext(window.contextTokens);

  const auto busy = run->frames->build(window, Plane::Activity);
  EXPECT_EQ(busy->plane, Plane::Activity);
  EXPECT_EQ(busy->simStart, window.start);
  EXPECT_EQ(busy->simEnd, window.end);
  expectSameBits(busy->field.values, maskedByHand(p, activity.data()));
  expectSameBits(run->frames->build(window, Plane::Sram)->field.values,
                 maskedByHand(p, sram.data()));
  expectSameBits(run->frames->build(window, Plane::Links)->field.values,
                 maskedByHand(p, links.data()));

  // An empty window (the mapping before a run) is idle, not "no data".
  const auto idle = run->frames->build({0.0, 0.0, 0}, Plane::Activity);
  std::vector<float> zeros(p.regionIndex().size(), 0.0f);
  expectSameBits(idle->field.values, maskedByHand(p, zeros.data()));
}

TEST(FrameBuilder, APlaneTheRunDoesNotRecordIsAnError) {
  sim::MapOptions options;
  options.contextTokens = 256;
  const sim::Placement p =
      sim::mapModel(core::loadModelSpec(test::kDenseCard), sim::loadChipSpec("wse3"), options);
  FrameBuilder frames(p);
  EXPECT_EQ(frames.newRun({Plane::Sram}).size(), 1u);
  EXPECT_NO_THROW(frames.build({0.0, 0.0, 16}, Plane::Sram));
  EXPECT_THROW(frames.build({0.0, 1e-6, 16}, Plane::Activity), std::logic_error);
}

TEST(RegionOverlays, OutlinesEveryRegionByKindOrLeavesExpertsOut) {
  sim::MapOptions options;
  options.contextTokens = 256;
  const sim::Placement moe =
      sim::mapModel(core::loadModelSpec(test::kMoeCard), sim::loadChipSpec("wse3"), options);
  size_t experts = 0;
  for (const sim::Region& r : moe.regions()) {
    experts += r.kind == sim::RegionKind::Expert;
  }
  ASSERT_GT(experts, 0u);
  const render::FieldOverlays all = regionOverlays(moe);
  EXPECT_EQ(all.regions.size(), moe.regions().size());
  EXPECT_EQ(all.dies.cols, uint32_t(moe.chip().diesX * moe.wafers()));
  EXPECT_EQ(all.dies.rows, uint32_t(moe.chip().diesY));
  EXPECT_FALSE(all.selection);

  // A selected expert is outlined even when experts are left out.
  int expert = -1;
  for (const sim::Region& r : moe.regions()) {
    if (r.kind == sim::RegionKind::Expert) {
      expert = r.id;
      break;
    }
  }
  const render::FieldOverlays some =
      regionOverlays(moe, {.outlineExperts = false, .selectedRegion = expert});
  EXPECT_EQ(some.regions.size(), moe.regions().size() - experts + 1);
  ASSERT_TRUE(some.selection);
  const sim::PeRect& rect = moe.regions()[size_t(expert)].rect;
  EXPECT_EQ(some.selection->x, uint32_t(rect.x));
  EXPECT_EQ(some.selection->w, uint32_t(rect.w));
}

TEST(PlaneStyle, AbsoluteByDefaultInPercentAndTheStretchIsNamed) {
  for (Plane plane : {Plane::Activity, Plane::Sram, Plane::Links}) {
    const render::HeatmapStyle absolute = planeStyle(plane, ColourScale::Absolute);
    EXPECT_EQ(absolute.range, render::ValueRange::fixed(0.0f, 1.0f)) << toString(plane);
    EXPECT_EQ(absolute.displayScale, 100.0f);
    EXPECT_EQ(absolute.units.find("stretched"), std::string::npos);
    EXPECT_EQ(absolute.units.front(), '%');
    const render::HeatmapStyle data = planeStyle(plane, ColourScale::Data);
    EXPECT_TRUE(data.range.automatic);
    EXPECT_NE(data.units.find("stretched to data"), std::string::npos);
  }
}

// The golden digest of a field: its size, used and no-data cells, and an
// FNV-1a hash of its exact bytes. WS_UPDATE_GOLDEN=1 rewrites the file.
std::string digest(const render::Field& field) {
  uint64_t hash = 14695981039346656037ull;
  const auto* bytes = reinterpret_cast<const uint8_t*>(field.values.data());
  for (size_t i = 0; i < field.values.size() * sizeof(float); ++i) {
    hash = (hash ^ bytes[i]) * 1099511628211ull;
  }
  size_t noData = 0;
  double sum = 0.0;
  float max = 0.0f;
  for (float v : field.values) {
    if (std::isnan(v)) {
      ++noData;
    } else {
      sum += v;
      max = std::max(max, v);
    }
  }
  return fmt::format("{} x {}, {} no data, sum {:.6g}, max {:.6g}, fnv1a {:016x}\n", field.width,
                     field.height, noData, sum, max, hash);
}

void expectDigestMatches(const render::Field& field, const std::string& name) {
  const std::filesystem::path golden = test::sourceDir() / "golden" / (name + ".txt");
  const std::string actual = digest(field);
  const char* update = std::getenv("WS_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(golden, std::ios::binary | std::ios::trunc) << actual;
    return;
  }
  std::ifstream in(golden, std::ios::binary);
  ASSERT_TRUE(in) << golden << " is missing; run the tests with WS_UPDATE_GOLDEN=1 to create it";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << name;
}

TEST(AdapterGolden, DenseMappingFieldsAreExact) {
  const auto run = test::runCard(test::kDenseCard, "wse3");
  for (Plane plane : {Plane::Activity, Plane::Sram, Plane::Links}) {
    expectDigestMatches(run->frames->build(run->lastStep(), plane)->field,
                        std::string("dense-") + cliName(plane));
  }
}

TEST(AdapterGolden, MoeMappingFieldsAreExact) {
  const auto run = test::runCard(test::kMoeCard, "wse3");
  for (Plane plane : {Plane::Activity, Plane::Sram, Plane::Links}) {
    expectDigestMatches(run->frames->build(run->lastStep(), plane)->field,
                        std::string("moe-") + cliName(plane));
  }
}

} // namespace
} // namespace ws::app
