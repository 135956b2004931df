#pragma once
// The Slurm backend: the pending points are split into shards, one
// `sbatch --array` job runs one task per shard, and each task runs
// `waferscope-cli sweep-shard DIR --task K` on the cluster, appending its rows
// to DIR/parts/slurm-K-*.csv (the output folder must be on a file system the
// nodes share). The launcher waits with squeue, resubmits the shards that
// left points without a row once, and reports the points still missing with
// the last line of their task's log (DIR/slurm/task-K.log).
#include "app/sweep/sweep_store.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace ws::sweep {

// A Slurm command that failed; what() names the command, its exit status and
// its first line of output.
class SlurmError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// A task costs a few seconds of scheduling and start-up (README, Sweeps): a
// default shard holds about 20 s of wafer-scale fast-engine points.
inline constexpr uint64_t kPointsPerShard = 5000;

struct SlurmOptions {
  std::filesystem::path cli; // the waferscope-cli the tasks run
  std::string partition;     // "" = the cluster's default
  std::string time;          // per task, Slurm's format ("10", "1:00:00"); "" = default
  int maxParallel = 0;       // most tasks running at once (0 = no limit)
  uint64_t shards = 0;       // 0: kPointsPerShard points each, at least 1, at most 1000
  double pollSeconds = 1.0;
  const std::atomic<bool>* stop = nullptr; // set: cancel the job and return
  // Called while waiting with the points that have a row and the total.
  std::function<void(uint64_t done, uint64_t total)> progress;
  // Called with one line per submission (job id, shards), for the terminal.
  std::function<void(const std::string& line)> log;
};

struct SlurmOutcome {
  std::vector<std::string> jobIds;
  uint64_t shards = 0;
  std::vector<uint64_t> resubmittedShards;
  // Points with no row after the resubmission: "point N (task K): reason".
  std::vector<std::string> failedPoints;
  bool stopped = false;
};

SlurmOutcome runOnSlurm(const SweepStore& store, const SlurmOptions& options);

// What one array task does: the points DIR/slurm/todo.txt assigns to `task`
// that have no row in its part files yet, on `threads` threads.
uint64_t runSlurmTask(const SweepSpec& spec, const SweepStore& store, uint64_t task, int threads,
                      const std::atomic<bool>* stop);

struct CommandResult {
  int exitCode = 0;
  std::string out; // stdout
  std::string err; // stderr
};
// Runs argv[0] (looked up in PATH) with the arguments, capturing both streams.
CommandResult runCommand(const std::vector<std::string>& argv);

} // namespace ws::sweep
