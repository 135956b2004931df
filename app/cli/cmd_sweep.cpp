// waferscope-cli sweep: runs every point of a sweep file on the local cores
// or as one Slurm array job, and writes DIR/results.csv (app/sweep/).
// sweep-shard (hidden) is what each Slurm array task runs.
#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "app/sweep/point_eval.h"
#include "app/sweep/point_runner.h"
#include "app/sweep/slurm_backend.h"
#include "app/sweep/sweep_spec.h"
#include "app/sweep/sweep_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <thread>

namespace ws::cli {
namespace {

namespace fs = std::filesystem;

struct SweepArgs {
  std::string file;
  std::string out;
  std::string backend = "local";
  int threads = 0;
  bool yes = false;
  std::string partition;
  std::string time;
  int maxParallel = 0;
  uint64_t shards = 0;
};

struct ShardArgs {
  std::string dir;
  uint64_t task = 0;
  int threads = 1;
};

// Ctrl-C (and a scheduler's SIGTERM) stop the run after the points in flight:
// every finished point is already in a part file.
std::atomic<bool> g_stop{false};

extern "C" void requestStop(int) {
  g_stop = true;
}

class StopOnSignals {
public:
  StopOnSignals() {
    g_stop = false;
    struct sigaction action {};
    action.sa_handler = requestStop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &m_oldInt);
    sigaction(SIGTERM, &action, &m_oldTerm);
  }
  ~StopOnSignals() {
    sigaction(SIGINT, &m_oldInt, nullptr);
    sigaction(SIGTERM, &m_oldTerm, nullptr);
  }
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

private:
  struct sigaction m_oldInt {};
  struct sigaction m_oldTerm {};
};

uint64_t rowsWithErrors(const sweep::SweepStore& store) {
  uint64_t errors = 0;
  std::vector<std::string> fields;
  for (const auto& [point, row] : store.finishedRows()) {
    if (sweep::splitCsvLine(row, fields) && !fields.back().empty()) {
      ++errors;
    }
  }
  return errors;
}

void finish(const sweep::SweepSpec& spec, const sweep::SweepStore& store, uint64_t ranNow) {
  const uint64_t missing = store.writeResults();
  if (missing != 0) {
    throw std::runtime_error(fmt::format("{}: {} of {} points have no row yet", spec.file(),
                                         missing, spec.pointCount()));
  }
  const uint64_t errors = rowsWithErrors(store);
  std::printf("%llu points (%llu run now, %llu already done), %llu with an error -> %s\n",
              static_cast<unsigned long long>(spec.pointCount()),
              static_cast<unsigned long long>(ranNow),
              static_cast<unsigned long long>(spec.pointCount() - ranNow),
              static_cast<unsigned long long>(errors), store.resultsPath().c_str());
}

void runSweep(const SweepArgs& a) {
  if (a.backend != "local" && a.backend != "slurm") {
    throw std::runtime_error("--backend must be local or slurm, got '" + a.backend + "'");
  }
  const sweep::SweepSpec spec = sweep::SweepSpec::load(a.file);
  spec.checkSize(a.yes);
  const sweep::SweepStore store(a.out, spec);
  const std::vector<uint64_t> pending = store.pendingPoints();
  const uint64_t already = spec.pointCount() - pending.size();
  StopOnSignals signals;

  if (a.backend == "local") {
    const int threads =
        a.threads > 0 ? a.threads : std::max(1, int(std::thread::hardware_concurrency()));
    ProgressBar progress("sweep", int64_t(spec.pointCount()));
    sweep::PointRunOptions options;
    options.threads = threads;
    options.stop = &g_stop;
    options.progress = [&](uint64_t done) { progress.update(int64_t(already + done)); };
    const uint64_t ran = sweep::runPoints(spec, store, pending, options);
    progress.finish();
    if (ran < pending.size()) {
      throw std::runtime_error(fmt::format(
          "interrupted: {} of {} points have a row in {}; rerun the same command to continue",
          already + ran, spec.pointCount(), store.partsDir().string()));
    }
    finish(spec, store, ran);
    return;
  }

  sweep::SlurmOptions options;
  options.cli = fs::read_symlink("/proc/self/exe");
  options.partition = a.partition;
  options.time = a.time;
  options.maxParallel = a.maxParallel;
  options.shards = a.shards;
  options.stop = &g_stop;
  ProgressBar progress("sweep (slurm)", int64_t(spec.pointCount()));
  options.progress = [&](uint64_t done, uint64_t) { progress.update(int64_t(done)); };
  options.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  const sweep::SlurmOutcome outcome = sweep::runOnSlurm(store, options);
  progress.finish();
  if (outcome.stopped) {
    throw std::runtime_error(
        fmt::format("interrupted: job {} cancelled; finished points are in {}; rerun to continue",
                    outcome.jobIds.back(), store.partsDir().string()));
  }
  if (!outcome.failedPoints.empty()) {
    for (const std::string& line : outcome.failedPoints) {
      std::fprintf(stderr, "failed: %s\n", line.c_str());
    }
    throw std::runtime_error(fmt::format(
        "{}: {} points failed on Slurm (shards resubmitted once: {}); the rest are in {}; rerun "
        "to retry them",
        spec.file(), outcome.failedPoints.size(), outcome.resubmittedShards.size(),
        store.partsDir().string()));
  }
  finish(spec, store, pending.size());
}

void runShard(const ShardArgs& a) {
  const fs::path dir = a.dir;
  const sweep::SweepSpec spec = sweep::SweepSpec::load(dir / "sweep.json");
  const sweep::SweepStore store(dir, spec);
  StopOnSignals signals;
  const uint64_t ran = sweep::runSlurmTask(spec, store, a.task, a.threads, &g_stop);
  std::printf("task %llu: %llu points\n", static_cast<unsigned long long>(a.task),
              static_cast<unsigned long long>(ran));
  if (g_stop) {
    throw std::runtime_error(fmt::format("task {} stopped by a signal", a.task));
  }
}

const bool registered = registerCommand(
    "sweep", "Run a design-space sweep (a grid of simulate runs) locally or on Slurm",
    [](CLI::App& cmd) {
      auto a = std::make_shared<SweepArgs>();
      cmd.add_option("file", a->file, "sweep file (JSON; see README, Sweeps)")->required();
      cmd.add_option("--out", a->out, "output folder (results.csv; rerun to resume)")->required();
      cmd.add_option("--backend", a->backend, "local or slurm")->capture_default_str();
      cmd.add_option("--threads", a->threads, "local threads (default: all cores)");
      cmd.add_flag("--yes", a->yes, "run a grid of more than 10 million points");
      cmd.add_option("--partition", a->partition, "Slurm partition (default: the cluster's)");
      cmd.add_option("--time", a->time, "Slurm time limit per task (e.g. 30, 2:00:00)");
      cmd.add_option("--max-parallel", a->maxParallel, "Slurm tasks running at once (0: any)")
          ->capture_default_str();
      cmd.add_option("--shards", a->shards,
                     "Slurm array tasks (default: one per 5000 points, at most 1000)");
      cmd.callback([a] { runSweep(*a); });
    });

const bool shardRegistered =
    registerCommand("sweep-shard", "", // hidden: what each Slurm array task runs
                    [](CLI::App& cmd) {
                      cmd.group("");
                      auto a = std::make_shared<ShardArgs>();
                      cmd.add_option("dir", a->dir, "the sweep's output folder")->required();
                      cmd.add_option("--task", a->task, "array task index")->required();
                      cmd.add_option("--threads", a->threads, "threads")->capture_default_str();
                      cmd.callback([a] { runShard(*a); });
                    });

} // namespace
} // namespace ws::cli
