// The heatmap's frame path for a wafer-scale run (Llama-3.1-8B card on wse3,
// 762 x 1172 PEs): from the simulator's field observers to the bytes in the
// renderer's staging buffer, frames per second and bytes copied per frame,
// before and after the sim-to-render adapter (issue 15), measured in one run.
//
//   Before*  the path of 94f61be, reproduced: the session copied all three
//            planes into the frame, the heatmap panel copied the shown one
//            and tested every cell against the mapping for "no data", and the
//            renderer copied it into its staging buffer.
//   After*   app::FrameBuilder: only the shown plane is evaluated, written
//            once with the unused PEs' runs found once per mapping, and
//            handed to the renderer by pointer: its staging copy is the only
//            other one.
//   *Cpu     up to and including the staging copy (a plain buffer here).
//   *Drawn   the real off-screen upload and draw at 1280 x 800 (lavapipe
//            here: VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json).
//
// The window is the run's last decode step; the plane is activity, the GUI's
// default. At the end the After/Before ratios of the fastest repetitions.
#include "app/frame/field_adapter.h"
#include "app/frame/frame_builder.h"
#include "core/model_spec.h"
#include "render/offscreen_renderer.h"
#include "sim/chip_spec.h"
#include "sim/decode_run.h"
#include "sim/fields.h"
#include "sim/mapper.h"
#include "sim/timing_engine.h"
#include "sim/token_timeline.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/repeated_runs.h"

namespace {

using ws::app::FrameBuilder;
using ws::app::FrameWindow;
using ws::app::Plane;

// A wse3 run of the Llama-3.1-8B card with both paths' observers attached.
struct FrameRun {
  std::unique_ptr<ws::sim::Placement> placement;
  std::unique_ptr<FrameBuilder> frames;             // after
  std::unique_ptr<ws::sim::ActivityField> activity; // before
  std::unique_ptr<ws::sim::SramField> sram;
  std::unique_ptr<ws::sim::LinkField> link;
  FrameWindow window;
  std::vector<float> staging; // stands for the renderer's mapped staging buffer
  std::unique_ptr<ws::render::OffscreenRenderer> renderer;
  ws::render::FieldOverlays overlays;
  ws::render::HeatmapStyle style;
};

FrameRun& run() {
  static FrameRun r = [] {
    FrameRun made;
    ws::sim::MapOptions options;
    options.contextTokens = 2048;
    made.placement = std::make_unique<ws::sim::Placement>(ws::sim::mapModel(
        ws::core::loadModelSpec("llama-3.1-8b"), ws::sim::loadChipSpec("wse3"), options));
    const ws::sim::Placement& p = *made.placement;
    made.frames = std::make_unique<FrameBuilder>(p);
    made.activity = std::make_unique<ws::sim::ActivityField>(p);
    made.sram = std::make_unique<ws::sim::SramField>(p);
    made.link = std::make_unique<ws::sim::LinkField>(p);
    auto engine = ws::sim::makeTimingEngine(ws::sim::EngineKind::Fast, p);
    for (ws::sim::EngineObserver* o : made.frames->newRun()) {
      engine->addObserver(o);
    }
    ws::sim::TokenTimeline timeline;
    for (ws::sim::EngineObserver* o : std::initializer_list<ws::sim::EngineObserver*>{
             made.activity.get(), made.sram.get(), made.link.get(), &timeline}) {
      engine->addObserver(o);
    }
    ws::sim::runPrefillAndDecode(*engine, 128, 16, 1);
    const ws::sim::TokenTiming& last = timeline.tokens().back();
    made.window = {last.simStart, last.simEnd, last.contextLength};
    made.staging.resize(p.regionIndex().size());
    made.overlays = ws::app::regionOverlays(p);
    made.style = ws::app::planeStyle(Plane::Activity, ws::app::ColourScale::Absolute);
    std::printf("%s on %s: %d x %d PEs, %lld used\n", p.model().name.c_str(), p.chip().name.c_str(),
                p.width(), p.height(), static_cast<long long>(p.usedPes()));
    return made;
  }();
  return r;
}

ws::render::OffscreenRenderer& renderer() {
  FrameRun& r = run();
  if (!r.renderer) {
    r.renderer = std::make_unique<ws::render::OffscreenRenderer>(1280, 800);
    std::printf("device: %s\n", r.renderer->deviceName().c_str());
  }
  return *r.renderer;
}

// 94f61be's frame, as the session built it and the panel drew it.
struct BeforeFrame {
  std::vector<float> activity;
  std::vector<float> sram;
  std::vector<float> link;
};

// The session's makeFrame and the panel's updateField of 94f61be; returns
// the field the renderer was given and adds the bytes copied on the way.
std::shared_ptr<const ws::render::Field> beforePath(FrameRun& r, size_t& copied) {
  const ws::sim::Placement& p = *r.placement;
  const size_t cells = p.regionIndex().size();
  auto frame = std::make_shared<BeforeFrame>();
  if (r.sram->contextTokens() != r.window.contextTokens) {
    r.sram->setContext(r.window.contextTokens);
  }
  frame->sram.assign(r.sram->data(), r.sram->data() + cells);
  r.activity->evaluate(r.window.start, r.window.end);
  r.link->evaluate(r.window.start, r.window.end);
  frame->activity.assign(r.activity->data(), r.activity->data() + cells);
  frame->link.assign(r.link->data(), r.link->data() + cells);
  copied += 3 * cells * sizeof(float);
  // The panel: a copy of the shown plane, then "no data" cell by cell.
  ws::render::Field field;
  field.width = uint32_t(p.width());
  field.height = uint32_t(p.height());
  field.values = frame->activity;
  copied += cells * sizeof(float);
  const std::vector<int32_t>& regionIndex = p.regionIndex();
  for (size_t i = 0; i < field.values.size(); ++i) {
    if (regionIndex[i] < 0) {
      field.values[i] = std::numeric_limits<float>::quiet_NaN();
    }
  }
  // setField moved it on to the renderer.
  return std::make_shared<const ws::render::Field>(std::move(field));
}

std::shared_ptr<const ws::render::Field> afterPath(FrameRun& r, size_t& copied) {
  const std::shared_ptr<const ws::app::Frame> frame = r.frames->build(r.window, Plane::Activity);
  copied += frame->field.values.size() * sizeof(float);
  return {frame, &frame->field};
}

void stage(FrameRun& r, const ws::render::Field& field, size_t& copied) {
  std::memcpy(r.staging.data(), field.values.data(), field.values.size() * sizeof(float));
  copied += field.values.size() * sizeof(float);
  benchmark::ClobberMemory();
}

void report(benchmark::State& state, size_t copied) {
  state.counters["frames/s"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["MB copied/frame"] = double(copied) / double(state.iterations()) / 1e6;
}

void BeforeCpu(benchmark::State& state) {
  FrameRun& r = run();
  size_t copied = 0;
  for (auto _ : state) {
    stage(r, *beforePath(r, copied), copied);
  }
  report(state, copied);
}

void AfterCpu(benchmark::State& state) {
  FrameRun& r = run();
  size_t copied = 0;
  for (auto _ : state) {
    stage(r, *afterPath(r, copied), copied);
  }
  report(state, copied);
}

// The renderer's staging copy is its own (HeatmapRenderer::recordUploads).
void BeforeDrawn(benchmark::State& state) {
  FrameRun& r = run();
  ws::render::OffscreenRenderer& out = renderer();
  size_t copied = 0;
  for (auto _ : state) {
    out.renderFrame(beforePath(r, copied), r.overlays, r.style);
    copied += r.staging.size() * sizeof(float);
  }
  out.finish();
  report(state, copied);
}

void AfterDrawn(benchmark::State& state) {
  FrameRun& r = run();
  ws::render::OffscreenRenderer& out = renderer();
  size_t copied = 0;
  for (auto _ : state) {
    out.renderFrame(afterPath(r, copied), r.overlays, r.style);
    copied += r.staging.size() * sizeof(float);
  }
  out.finish();
  report(state, copied);
}

void repeated(benchmark::internal::Benchmark* b) {
  ws::bench::repeatFiveTimes(b, 0.5);
}

BENCHMARK(BeforeCpu)->Apply(repeated);
BENCHMARK(AfterCpu)->Apply(repeated);
BENCHMARK(BeforeDrawn)->Apply(repeated);
BENCHMARK(AfterDrawn)->Apply(repeated);

// Prints After/Before of the fastest repetitions' frames/s and of the bytes
// copied per frame once every benchmark has run.
class RatioReporter : public benchmark::ConsoleReporter {
public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& each : runs) {
      if (each.aggregate_name == "max") {
        m_fps[each.run_name.function_name] = each.counters.at("frames/s").value;
      }
      if (each.aggregate_name == "mean") {
        m_bytes[each.run_name.function_name] = each.counters.at("MB copied/frame").value;
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    for (const char* path : {"Cpu", "Drawn"}) {
      const std::string before = std::string("Before") + path;
      const std::string after = std::string("After") + path;
      if (m_fps.count(before) && m_fps.count(after)) {
        std::printf("%-5s after/before: %.2fx frames/s (%.1f -> %.1f), %.2fx bytes copied per "
                    "frame (%.2f -> %.2f MB)\n",
                    path, m_fps[after] / m_fps[before], m_fps[before], m_fps[after],
                    m_bytes[after] / m_bytes[before], m_bytes[before], m_bytes[after]);
      }
    }
  }

private:
  std::map<std::string, double> m_fps;
  std::map<std::string, double> m_bytes;
};

} // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
