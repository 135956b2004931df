#pragma once
// Runs a list of sweep points on local threads, each thread appending its
// rows to its own part file (SweepStore). Used by the local backend (all
// pending points, all cores) and by a Slurm task (its shard).
#include "app/sweep/sweep_store.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ws::sweep {

struct PointRunOptions {
  int threads = 1;
  // Part files are PARTS/<partPrefix>-<thread>.csv.
  std::string partPrefix = "local";
  // Set (e.g. by SIGINT) to stop: threads finish the point they are on.
  const std::atomic<bool>* stop = nullptr;
  // Called (from any thread, serialised) after each point with the number done.
  std::function<void(uint64_t done)> progress;
};

// Returns the number of points that got a row (all of them unless stopped).
uint64_t runPoints(const SweepSpec& spec, const SweepStore& store,
                   const std::vector<uint64_t>& points, const PointRunOptions& options);

} // namespace ws::sweep
