#include "tests/fuzz/case_runner.h"

#include "tests/fuzz/mutator.h"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <map>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define WS_FUZZ_LEAK_CHECK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/lsan_interface.h>
#define WS_FUZZ_LEAK_CHECK 1
#endif
#endif

namespace ws::fuzz {
namespace {

namespace fs = std::filesystem;

// Child exit codes.
constexpr int kReadThrough = 0;
constexpr int kRefused = 2;
constexpr int kUnnamed = 3;
constexpr int kLeaked = 4;

struct Running {
  int index = 0;
  int pipe = -1;
  fs::path file;
};

void writeFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

[[noreturn]] void runChild(Target target, const fs::path& file, int pipe, int timeoutSeconds) {
  alarm(unsigned(timeoutSeconds));
  const Outcome outcome = exercise(target, file);
  int code = outcome.refused ? kRefused : kReadThrough;
  if (outcome.unnamed) {
    const std::string line = outcome.unnamed->substr(0, 300);
    (void)!write(pipe, line.data(), line.size());
    code = kUnnamed;
  }
#ifdef WS_FUZZ_LEAK_CHECK
  if (__lsan_do_recoverable_leak_check() != 0) {
    code = kLeaked;
  }
#endif
  _exit(code);
}

std::string readAll(int fd) {
  std::string text;
  char buffer[512];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) {
    text.append(buffer, size_t(n));
  }
  return text;
}

} // namespace

CampaignReport runCampaign(const CampaignOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  CampaignReport report;
  const std::string name(targetName(o.target));
  const fs::path dir = o.workDir / std::string(targetFileName(o.target));
  fs::create_directories(dir / "failures");
  Mutator mutator(o.seed);
  std::map<pid_t, Running> running;
  int next = 0;

  const auto reap = [&](bool block) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, block ? 0 : WNOHANG);
    if (pid <= 0) {
      return false;
    }
    const Running r = running.at(pid);
    running.erase(pid);
    const std::string message = readAll(r.pipe);
    close(r.pipe);
    ++report.cases;
    std::string problem;
    if (WIFEXITED(status) && WEXITSTATUS(status) == kReadThrough) {
      ++report.readThrough;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == kRefused) {
      ++report.refused;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == kUnnamed) {
      problem = "error does not name the file: " + message;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == kLeaked) {
      problem = "leak (LeakSanitizer report above)";
    } else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
      problem = fmt::format("hang: still running after {} s", o.timeoutSeconds);
    } else if (WIFSIGNALED(status)) {
      problem = fmt::format("crash: signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
    } else {
      problem = fmt::format("crash or sanitizer report: exit {}", WEXITSTATUS(status));
    }
    if (!problem.empty()) {
      const fs::path kept =
          dir / "failures" /
          fmt::format("seed{}-case{}-{}", o.seed, r.index, r.file.filename().string());
      fs::copy_file(r.file, kept, fs::copy_options::overwrite_existing);
      report.failures.push_back(fmt::format("{} case {} (seed {}): {} [bytes: {}]", name, r.index,
                                            o.seed, problem, kept.string()));
    }
    std::error_code ignored; // failures were copied out
    fs::remove_all(r.file.parent_path(), ignored);
    return true;
  };

  while (next < o.cases || !running.empty()) {
    if (next < o.cases && int(running.size()) < o.jobs) {
      const Seed& seed = o.seeds[size_t(mutator.below(o.seeds.size()))];
      const Seed& other = o.seeds[size_t(mutator.below(o.seeds.size()))];
      const std::string bytes = o.json ? mutator.mutateJson(seed.bytes, other.bytes)
                                       : mutator.mutateBytes(seed.bytes, other.bytes);
      // A directory per case: children run side by side, and a target's file
      // name (config.json) is fixed.
      const fs::path caseDir = dir / fmt::format("case{}", next);
      fs::create_directories(caseDir);
      const fs::path file = caseDir / std::string(targetFileName(o.target));
      writeFile(file, bytes);
      int fds[2];
      if (pipe(fds) != 0) {
        throw std::runtime_error("fuzz: pipe failed");
      }
      const pid_t pid = fork();
      if (pid < 0) {
        throw std::runtime_error("fuzz: fork failed");
      }
      if (pid == 0) {
        close(fds[0]);
        runChild(o.target, file, fds[1], o.timeoutSeconds);
      }
      close(fds[1]);
      running[pid] = Running{next, fds[0], file};
      ++next;
      continue;
    }
    reap(true);
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

} // namespace ws::fuzz
