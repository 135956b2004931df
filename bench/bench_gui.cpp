// UI frames per second while a run streams: the main window at 1280 x 800
// with Llama-3.1-8B (card, timing only) mapped over the whole wse3 field, the
// heatmap redrawn as fast as it can while the session worker publishes frames
// at 1/1000x and tokens feed the charts and the text panel. Run under a
// display (xvfb-run on lavapipe, or a GPU).
//
//   xvfb-run -a -s "-screen 0 1280x800x24" ./bench_gui
#include "app/gui/generated_text_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/run_panel.h"
#include "app/gui/screenshot_run.h"
#include "render/qt/heatmap_window.h"

#include <benchmark/benchmark.h>

#include <QApplication>

#include <cstdio>

namespace {

constexpr const char* kModel = "llama-3.1-8b";
constexpr int kStreamTokens = 96; // at 1/1000x this streams longer than the measurement
constexpr int kLoadTimeoutMs = 120000;
constexpr int kFrameTimeoutMs = 10000;

ws::app::MainWindow* g_window = nullptr;

void BM_UiFramesWhileStreaming(benchmark::State& state) {
  ws::app::MainWindow& window = *g_window;
  ws::render::HeatmapView* view = window.heatmapPanel()->view();
  int frames = 0;
  double frameMs = 0.0;
  const auto counter =
      QObject::connect(view, &ws::render::HeatmapView::frameRendered, [&](double ms) {
        ++frames;
        frameMs += ms;
      });
  window.runPanel()->setSpeed(ws::app::PlaybackSpeed::Thousandth);
  window.runPanel()->setMaxTokens(kStreamTokens);
  window.startRun();
  ws::app::waitUntil([&] { return window.bridge().session().running(); }, kLoadTimeoutMs);
  int counted = 0;
  for (auto _ : state) {
    const int target = frames + 1;
    view->window()->requestUpdate();
    if (!ws::app::waitUntil([&] { return frames >= target; }, kFrameTimeoutMs)) {
      state.SkipWithError("no frame rendered");
      break;
    }
    ++counted;
  }
  const bool streamed = window.bridge().session().running();
  window.bridge().session().stop();
  QObject::disconnect(counter);
  state.SetItemsProcessed(counted);
  state.counters["fps"] = benchmark::Counter(double(counted), benchmark::Counter::kIsRate);
  state.counters["render_ms"] = frames > 0 ? frameMs / frames : 0.0;
  state.counters["tokens"] = double(window.textPanel()->tokenCount());
  if (!streamed) {
    state.SkipWithError("the run ended before the measurement did");
  }
}
BENCHMARK(BM_UiFramesWhileStreaming)->UseRealTime()->MinTime(5.0)->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName("Waferscope");
  QApplication::setApplicationName("waferscope-bench");
  benchmark::Initialize(&argc, argv);
  ws::app::MainWindowOptions options;
  options.model = kModel;
  options.chip = "wse3";
  options.restoreSettings = false;
  try {
    ws::app::MainWindow window(options);
    window.resize(1280, 800);
    window.show();
    if (!ws::app::waitUntil([&] { return window.hasMapping(); }, kLoadTimeoutMs)) {
      std::fprintf(stderr, "bench_gui: %s was not mapped onto wse3\n", kModel);
      return 1;
    }
    g_window = &window;
    benchmark::RunSpecifiedBenchmarks();
    g_window = nullptr;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_gui: %s\n", error.what());
    return 1;
  }
  benchmark::Shutdown();
  return 0;
}
