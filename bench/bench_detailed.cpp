// Detailed engine throughput: events handled per host second on one core
// (goal: at least 5 million), decoding a dense model mapped onto a 128 x 128
// fabric (teach-32x32's PEs on a larger mesh) and prefilling a short prompt;
// and the golden model at real size: one Llama-3.1-8B decoder layer as the
// mapper places it on a WSE-3 (goal: one decode step in at most 60 s on 2
// cores).
#include "core/model_spec.h"
#include "sim/chip_spec.h"
#include "sim/detailed_engine.h"
#include "sim/fast_engine.h"
#include "sim/layer_window.h"
#include "sim/mapper.h"

#include <benchmark/benchmark.h>

#include <cstdio>

namespace {

using namespace ws;

sim::ChipSpec fabric128() {
  sim::ChipSpec chip = sim::loadChipSpec("teach-32x32");
  chip.name = "teach-128x128";
  chip.fabricWidth = 128;
  chip.fabricHeight = 128;
  chip.diesX = 4;
  chip.diesY = 4;
  return chip;
}

core::ModelSpec denseModel() {
  core::ModelSpec m;
  m.name = "dense-1024";
  m.architecture = "llama";
  m.layers = 4;
  m.hiddenSize = 1024;
  m.heads = 16;
  m.kvHeads = 4;
  m.headDim = 64;
  m.ffnSize = 2816;
  m.vocabSize = 4096;
  m.contextLength = 2048;
  m.bytesPerWeight = 2.0;
  m.source = "bench/bench_detailed.cpp (hand-made)";
  return m;
}

const sim::Placement& placement() {
  static const sim::Placement p = [] {
    sim::MapOptions options;
    options.contextTokens = 1024;
    return sim::mapModel(denseModel(), fabric128(), options);
  }();
  return p;
}

void BM_DetailedDecode128(benchmark::State& state) {
  sim::DetailedEngine engine(placement());
  engine.prefill(16);
  const uint64_t before = engine.eventsProcessed();
  const uint64_t wavesBefore = engine.meshWavelets();
  for (auto _ : state) {
    benchmark::DoNotOptimize(engine.decodeStep());
  }
  const double events = double(engine.eventsProcessed() - before);
  state.counters["events_per_s"] = benchmark::Counter(events, benchmark::Counter::kIsRate);
  state.counters["events_per_token"] = events / double(state.iterations());
  state.counters["wavelet_hops_per_token"] =
      double(engine.meshWavelets() - wavesBefore) / double(state.iterations());
}
BENCHMARK(BM_DetailedDecode128)->Unit(benchmark::kMillisecond);

void BM_DetailedPrefill128(benchmark::State& state) {
  uint64_t events = 0;
  for (auto _ : state) {
    sim::DetailedEngine engine(placement());
    benchmark::DoNotOptimize(engine.prefill(state.range(0)));
    events += engine.eventsProcessed();
  }
  state.counters["events_per_s"] = benchmark::Counter(double(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DetailedPrefill128)->Arg(4)->Unit(benchmark::kMillisecond);

void BM_DetailedLlama8bLayerOnWse3(benchmark::State& state) {
  sim::MapOptions options;
  options.contextTokens = 2048;
  const sim::Placement full =
      sim::mapModel(core::loadModelSpec("llama-3.1-8b"), sim::loadChipSpec("wse3"), options);
  const sim::Placement layer = sim::layerWindow(full, 5);
  uint64_t events = 0;
  double detailedSeconds = 0.0;
  for (auto _ : state) {
    sim::DetailedEngine engine(layer);
    engine.prefill(1);
    const uint64_t before = engine.eventsProcessed();
    detailedSeconds = engine.decodeStep().seconds();
    events += engine.eventsProcessed() - before;
  }
  sim::FastEngine fast(layer);
  fast.prefill(1);
  const double fastSeconds = fast.decodeStep().seconds();
  state.counters["pes"] = double(layer.usedPes());
  state.counters["events_per_step"] = double(events) / double(state.iterations());
  state.counters["events_per_s"] = benchmark::Counter(double(events), benchmark::Counter::kIsRate);
  state.counters["detailed_over_fast"] = detailedSeconds / fastSeconds;
}
BENCHMARK(BM_DetailedLlama8bLayerOnWse3)->Unit(benchmark::kSecond)->Iterations(1);

} // namespace

BENCHMARK_MAIN();
