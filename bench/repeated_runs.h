#pragma once
// Repetitions for benchmarks on a shared machine (2 cores, other jobs): five
// timed repetitions; the fastest is the figure least disturbed by other
// processes: its time is the "_min" row and its frames/s the "_max" row.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <vector>

namespace ws::bench {

inline double lowest(const std::vector<double>& v) {
  return *std::min_element(v.begin(), v.end());
}
inline double highest(const std::vector<double>& v) {
  return *std::max_element(v.begin(), v.end());
}

// Real time in milliseconds, at least `minSeconds` per repetition.
inline void repeatFiveTimes(benchmark::internal::Benchmark* b, double minSeconds) {
  b->UseRealTime()
      ->Unit(benchmark::kMillisecond)
      ->MinTime(minSeconds)
      ->Repetitions(5)
      ->ComputeStatistics("min", lowest)
      ->ComputeStatistics("max", highest)
      ->ReportAggregatesOnly(true);
}

} // namespace ws::bench
