// Frames per second of the off-screen heatmap path at 1280 x 800 with a
// changing 1000 x 900 field (a new field uploaded every frame), on whatever
// device the Vulkan loader offers (lavapipe here: VK_DRIVER_FILES=...lvp_icd).
// Goals (issue 3): >= 30 fps on lavapipe, >= 500 fps on a real GPU.
//
//   UploadAndDraw          new field + draw, no readback, 2 frames in flight
//   UploadDrawAndReadback  new field + draw + RGBA8 readback (synchronous)
#include "render/offscreen_renderer.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "bench/repeated_runs.h"

namespace {

constexpr uint32_t kImageWidth = 1280;
constexpr uint32_t kImageHeight = 800;
constexpr uint32_t kFieldWidth = 1000;
constexpr uint32_t kFieldHeight = 900;
constexpr int kDistinctFields = 4; // cycled so every frame uploads different data

// A travelling wavefront with a die grid of idle PEs, like an activity field.
std::vector<ws::render::Field> makeFields() {
  std::vector<ws::render::Field> fields;
  for (int k = 0; k < kDistinctFields; ++k) {
    ws::render::Field f{kFieldWidth, kFieldHeight,
                        std::vector<float>(size_t(kFieldWidth) * kFieldHeight)};
    for (uint32_t y = 0; y < kFieldHeight; ++y) {
      for (uint32_t x = 0; x < kFieldWidth; ++x) {
        const float r = std::hypot(float(x) - 500.0f, float(y) - 450.0f);
        f.values[size_t(y) * kFieldWidth + x] = 0.5f + 0.5f * std::sin(r * 0.05f - float(k));
      }
    }
    fields.push_back(std::move(f));
  }
  return fields;
}

struct Scene {
  std::unique_ptr<ws::render::OffscreenRenderer> renderer;
  std::vector<ws::render::Field> fields;
  ws::render::FieldOverlays overlays;
  ws::render::HeatmapStyle style;
};

Scene& scene() {
  static Scene s = [] {
    Scene made;
    made.renderer = std::make_unique<ws::render::OffscreenRenderer>(kImageWidth, kImageHeight);
    made.fields = makeFields();
    made.overlays.dies = {7, 12};
    for (uint32_t i = 0; i < 8; ++i) {
      made.overlays.regions.push_back(
          {{i * 120 + 10, 20, 100, 860}, "layer " + std::to_string(i), {1, 1, 1, 1}, i == 3});
    }
    made.style.units = "% busy";
    made.style.title = "bench_heatmap";
    std::printf("device: %s\n", made.renderer->deviceName().c_str());
    return made;
  }();
  return s;
}

void UploadAndDraw(benchmark::State& state) {
  Scene& s = scene();
  size_t frame = 0;
  for (auto _ : state) {
    s.renderer->renderFrame(s.fields[frame++ % s.fields.size()], s.overlays, s.style);
  }
  s.renderer->finish(); // the last frames count too
  state.counters["fps"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}

void UploadDrawAndReadback(benchmark::State& state) {
  Scene& s = scene();
  size_t frame = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        s.renderer->render(s.fields[frame++ % s.fields.size()], s.overlays, s.style));
  }
  state.counters["fps"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}

void repeated(benchmark::internal::Benchmark* b) {
  ws::bench::repeatFiveTimes(b, 1.0);
}

BENCHMARK(UploadAndDraw)->Apply(repeated);
BENCHMARK(UploadDrawAndReadback)->Apply(repeated);

} // namespace

BENCHMARK_MAIN();
