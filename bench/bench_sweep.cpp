// Sweep points per second per core (one thread, as each local thread and
// each Slurm task runs them): a wafer-scale point (Llama-3.1-8B on wse3, the
// fast engine, 16 generated tokens, 1 and 64 users) and a test-grid point
// (the built-in model on the teaching plate). The README's "Sweeps" section
// sizes a million-point sweep from these rates.
#include "app/sweep/point_eval.h"
#include "app/sweep/sweep_spec.h"

#include <benchmark/benchmark.h>

namespace {

using ws::sweep::PointEvaluator;
using ws::sweep::SweepSpec;

void runPoints(benchmark::State& state, const char* sweepJson) {
  const SweepSpec spec = SweepSpec::parse(sweepJson, "bench.json", "");
  PointEvaluator evaluator(spec); // models and chips load once, as in a run
  uint64_t point = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(evaluator.evaluate(point));
    point = (point + 1) % spec.pointCount();
  }
  state.counters["points_per_s"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_Llama8bOnWse3OneUser(benchmark::State& state) {
  runPoints(state, R"({"base": {"model": "llama-3.1-8b", "chip": "wse3", "promptTokens": 512,
    "genTokens": 16}, "axes": [{"field": "chip.clockHz", "values": [0.85e9, 1.1e9]}]})");
}
BENCHMARK(BM_Llama8bOnWse3OneUser)->Unit(benchmark::kMillisecond);

void BM_Llama8bOnWse3SixtyFourUsers(benchmark::State& state) {
  runPoints(state, R"({"base": {"model": "llama-3.1-8b", "chip": "wse3", "promptTokens": 512,
    "genTokens": 16, "users": 64}, "axes": [{"field": "chip.clockHz", "values": [0.85e9, 1.1e9]}]})");
}
BENCHMARK(BM_Llama8bOnWse3SixtyFourUsers)->Unit(benchmark::kMillisecond);

void BM_BuiltinOnTeachingPlate(benchmark::State& state) {
  runPoints(state, R"({"base": {"model": "builtin", "chip": "teach-32x32", "promptTokens": 16,
    "genTokens": 4}, "axes": [{"field": "users", "values": [1, 2, 4, 8]}]})");
}
BENCHMARK(BM_BuiltinOnTeachingPlate)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
