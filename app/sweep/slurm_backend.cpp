#include "app/sweep/slurm_backend.h"

#include "app/run/atomic_file.h"
#include "app/sweep/point_runner.h"

#include <fmt/format.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

extern char** environ;

namespace ws::sweep {
namespace {

namespace fs = std::filesystem;

fs::path slurmDir(const SweepStore& store) {
  return store.dir() / "slurm";
}
fs::path todoPath(const SweepStore& store) {
  return slurmDir(store) / "todo.txt";
}
fs::path taskLog(const SweepStore& store, uint64_t task) {
  return slurmDir(store) / fmt::format("task-{}.log", task);
}
std::string partPrefix(uint64_t task) {
  return fmt::format("slurm-{}", task);
}

// The shard count and the points of the latest submission, in order; task K
// runs the entries at positions K, K + shards, K + 2 shards, ...
struct Todo {
  uint64_t shards = 0;
  std::vector<uint64_t> points;
  std::vector<uint64_t> pointsOf(uint64_t task) const {
    std::vector<uint64_t> mine;
    for (size_t j = task; j < points.size(); j += shards) {
      mine.push_back(points[j]);
    }
    return mine;
  }
};

void writeTodo(const SweepStore& store, const Todo& todo) {
  std::string text = std::to_string(todo.shards) + "\n";
  for (uint64_t p : todo.points) {
    text += std::to_string(p) + "\n";
  }
  app::writeTextAtomically(todoPath(store), text);
}

Todo readTodo(const SweepStore& store) {
  std::ifstream in(todoPath(store));
  Todo todo;
  if (!(in >> todo.shards) || todo.shards == 0) {
    throw SweepError(todoPath(store).string() + ": missing or broken (the launcher writes it)");
  }
  uint64_t p = 0;
  while (in >> p) {
    todo.points.push_back(p);
  }
  return todo;
}

std::string firstLine(const std::string& text) {
  const size_t start = text.find_first_not_of(" \n\r\t");
  if (start == std::string::npos) {
    return "";
  }
  return text.substr(start, text.find('\n', start) - start);
}

std::string lastLine(const std::string& text) {
  const size_t end = text.find_last_not_of(" \n\r\t");
  if (end == std::string::npos) {
    return "";
  }
  const size_t start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1,
                     end + 1 - (start == std::string::npos ? 0 : start + 1));
}

std::string shellQuote(const std::string& s) {
  std::string q = "'";
  for (char ch : s) {
    q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  }
  return q + "'";
}

// Runs a Slurm command; throws SlurmError naming it when it fails.
std::string slurm(const std::vector<std::string>& argv) {
  const CommandResult r = runCommand(argv);
  if (r.exitCode != 0) {
    std::string why = firstLine(r.err);
    if (why.empty()) {
      why = firstLine(r.out);
    }
    throw SlurmError(
        fmt::format("{} failed (exit {}){}{}", argv[0], r.exitCode, why.empty() ? "" : ": ", why));
  }
  return r.out;
}

// Submits the array tasks `tasks` ("0-9" or "3,7") and returns the job id.
std::string submit(const SweepStore& store, const SlurmOptions& options, const std::string& tasks) {
  std::vector<std::string> argv = {"sbatch",
                                   "--parsable",
                                   "--job-name=waferscope-sweep",
                                   "--open-mode=append",
                                   "--output=" + (slurmDir(store) / "task-%a.log").string(),
                                   "--chdir=" + store.dir().string()};
  std::string array = "--array=" + tasks;
  if (options.maxParallel > 0) {
    array += "%" + std::to_string(options.maxParallel);
  }
  argv.push_back(array);
  if (!options.partition.empty()) {
    argv.push_back("--partition=" + options.partition);
  }
  if (!options.time.empty()) {
    argv.push_back("--time=" + options.time);
  }
  argv.push_back("--wrap=exec " + shellQuote(options.cli.string()) + " sweep-shard " +
                 shellQuote(store.dir().string()) + " --task \"$SLURM_ARRAY_TASK_ID\"");
  const std::string out = slurm(argv);
  // --parsable prints "JOBID" or "JOBID;CLUSTER".
  const std::string id = firstLine(out).substr(0, firstLine(out).find(';'));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
    throw SlurmError(fmt::format("sbatch printed no job id (got '{}')", firstLine(out)));
  }
  return id;
}

bool jobActive(const std::string& jobId) {
  const CommandResult r =
      runCommand({"squeue", "--noheader", "--jobs=" + jobId, "--format=%i",
                  "--states=PENDING,CONFIGURING,RUNNING,COMPLETING,SUSPENDED,REQUEUED,RESIZING"});
  if (r.exitCode != 0) {
    // A job that has left the controller's memory is no longer "valid".
    if (r.err.find("Invalid job id") != std::string::npos) {
      return false;
    }
    throw SlurmError(fmt::format("squeue failed (exit {}): {}", r.exitCode, firstLine(r.err)));
  }
  return !firstLine(r.out).empty();
}

// Waits for the job, reporting progress; false when stopped (job cancelled).
bool waitFor(const std::string& jobId, const SweepStore& store, const SlurmOptions& options) {
  const uint64_t total = store.finishedRows().size() + store.pendingPoints().size();
  while (jobActive(jobId)) {
    if (options.stop != nullptr && options.stop->load()) {
      runCommand({"scancel", jobId});
      return false;
    }
    if (options.progress) {
      options.progress(store.finishedRows().size(), total);
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(options.pollSeconds));
  }
  if (options.progress) {
    options.progress(store.finishedRows().size(), total);
  }
  return true;
}

// Tasks of `todo` that left points without a row.
std::vector<uint64_t> failedTasks(const SweepStore& store, const Todo& todo) {
  const auto finished = store.finishedRows();
  std::set<uint64_t> failed;
  for (size_t j = 0; j < todo.points.size(); ++j) {
    if (finished.count(todo.points[j]) == 0) {
      failed.insert(j % todo.shards);
    }
  }
  return {failed.begin(), failed.end()};
}

std::string readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

CommandResult runCommand(const std::vector<std::string>& argv) {
  int outPipe[2];
  int errPipe[2];
  if (pipe(outPipe) != 0 || pipe(errPipe) != 0) {
    throw SlurmError(fmt::format("{}: cannot create a pipe: {}", argv[0], std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2);
  posix_spawn_file_actions_addclose(&actions, outPipe[0]);
  posix_spawn_file_actions_addclose(&actions, errPipe[0]);
  std::vector<char*> args;
  for (const std::string& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(outPipe[1]);
  close(errPipe[1]);
  CommandResult result;
  if (spawned != 0) {
    close(outPipe[0]);
    close(errPipe[0]);
    result.exitCode = 127;
    result.err = fmt::format("cannot run {}: {}", argv[0], std::strerror(spawned));
    return result;
  }
  pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open = 2;
  char buffer[4096];
  while (open > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
        if (n > 0) {
          sinks[i]->append(buffer, size_t(n));
        } else if (n == 0 || errno != EINTR) {
          close(fds[i].fd);
          fds[i].fd = -1;
          --open;
        }
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

SlurmOutcome runOnSlurm(const SweepStore& store, const SlurmOptions& options) {
  SlurmOutcome outcome;
  Todo todo;
  todo.points = store.pendingPoints();
  if (todo.points.empty()) {
    return outcome;
  }
  todo.shards = options.shards > 0
                    ? options.shards
                    : std::clamp<uint64_t>(todo.points.size() / kPointsPerShard, 1, 1000);
  todo.shards = std::min<uint64_t>(todo.shards, todo.points.size());
  outcome.shards = todo.shards;
  std::error_code error;
  fs::create_directories(slurmDir(store), error);
  writeTodo(store, todo);

  std::string tasks = fmt::format("0-{}", todo.shards - 1);
  for (int round = 0; round < 2; ++round) {
    const std::string jobId = submit(store, options, tasks);
    outcome.jobIds.push_back(jobId);
    if (options.log) {
      options.log(fmt::format("{} job {}: tasks {} of {} shards ({} points)",
                              round == 0 ? "submitted" : "resubmitted failed shards as", jobId,
                              tasks, todo.shards, todo.points.size()));
    }
    if (!waitFor(jobId, store, options)) {
      outcome.stopped = true;
      return outcome;
    }
    const std::vector<uint64_t> failed = failedTasks(store, todo);
    if (failed.empty()) {
      return outcome;
    }
    if (round == 0) {
      outcome.resubmittedShards = failed;
      tasks.clear();
      for (uint64_t t : failed) {
        tasks += (tasks.empty() ? "" : ",") + std::to_string(t);
      }
    }
  }
  const auto finished = store.finishedRows();
  for (size_t j = 0; j < todo.points.size(); ++j) {
    if (finished.count(todo.points[j]) == 0) {
      const uint64_t task = j % todo.shards;
      std::string why = lastLine(readText(taskLog(store, task)));
      if (why.empty()) {
        why = "the task never ran (no log)";
      }
      outcome.failedPoints.push_back(fmt::format("point {} (task {}, {}): {}", todo.points[j], task,
                                                 taskLog(store, task).string(), why));
    }
  }
  return outcome;
}

uint64_t runSlurmTask(const SweepSpec& spec, const SweepStore& store, uint64_t task, int threads,
                      const std::atomic<bool>* stop) {
  const Todo todo = readTodo(store);
  if (task >= todo.shards) {
    throw SweepError(fmt::format("task {} is outside the {} shards of {}", task, todo.shards,
                                 todoPath(store).string()));
  }
  // A resubmitted task continues where it stopped.
  const auto done = store.finishedRows(partPrefix(task) + "-");
  std::vector<uint64_t> points;
  for (uint64_t p : todo.pointsOf(task)) {
    if (done.count(p) == 0) {
      points.push_back(p);
    }
  }
  PointRunOptions run;
  run.threads = threads;
  run.partPrefix = partPrefix(task);
  run.stop = stop;
  return runPoints(spec, store, points, run);
}

} // namespace ws::sweep
