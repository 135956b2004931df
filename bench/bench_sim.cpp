// Simulator speed: the fast engine's real-time factor (simulated tokens per
// host second over the predicted chip tokens per second) for Llama-3.1-8B on
// wse3, and full per-PE activity fields for wse3 produced per second.
#include "core/model_spec.h"
#include "sim/chip_spec.h"
#include "sim/fast_engine.h"
#include "sim/fields.h"
#include "sim/mapper.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <ctime>

namespace {

using namespace ws;

// CPU seconds of this thread: on a shared, loaded machine wall time says more
// about the neighbours than about the simulator.
double threadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

const sim::Placement& llama8bOnWse3() {
  static const sim::Placement placement = [] {
    sim::MapOptions options;
    options.contextTokens = 8192;
    return sim::mapModel(core::loadModelSpec("llama-3.1-8b"), sim::loadChipSpec("wse3"), options);
  }();
  return placement;
}

// Timing only: decode steps with no observers attached.
void BM_RealTimeFactorLlama8bWse3(benchmark::State& state) {
  const sim::Placement& placement = llama8bOnWse3();
  auto engine = std::make_unique<sim::FastEngine>(placement);
  engine->prefill(128);
  int64_t tokens = 0;
  double simulated = 0.0;
  const auto start = std::chrono::steady_clock::now();
  const double cpuStart = threadCpuSeconds();
  for (auto _ : state) {
    if (engine->contextLength(0) + 1 > placement.options().contextTokens) {
      state.PauseTiming();
      engine = std::make_unique<sim::FastEngine>(placement);
      engine->prefill(128);
      state.ResumeTiming();
    }
    const sim::TokenTiming t = engine->decodeStep();
    simulated += t.seconds();
    ++tokens;
  }
  const double cpu = threadCpuSeconds() - cpuStart;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double chipTokensPerSecond = double(tokens) / simulated;
  state.counters["chip_tok_per_s"] = chipTokensPerSecond;
  state.counters["rtf_wall"] = double(tokens) / wall / chipTokensPerSecond;
  state.counters["rtf_cpu"] = double(tokens) / cpu / chipTokensPerSecond;
}
BENCHMARK(BM_RealTimeFactorLlama8bWse3)->Unit(benchmark::kMicrosecond);

// One field = every PE of the wafer over one decode step's window.
void BM_ActivityFieldWse3(benchmark::State& state) {
  const sim::Placement& placement = llama8bOnWse3();
  sim::FastEngine engine(placement);
  sim::ActivityField field(placement);
  engine.addObserver(&field);
  engine.prefill(128);
  std::vector<sim::TokenTiming> steps;
  for (int i = 0; i < 64; ++i) {
    steps.push_back(engine.decodeStep());
  }
  size_t k = 0;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    const sim::TokenTiming& t = steps[k++ % steps.size()];
    field.evaluate(t.simStart, t.simEnd);
    benchmark::DoNotOptimize(field.data());
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  state.counters["fields_per_s_wall"] = double(state.iterations()) / wall;
  state.counters["pes"] = double(field.width()) * field.height();
}
BENCHMARK(BM_ActivityFieldWse3)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
