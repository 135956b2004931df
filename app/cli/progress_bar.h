#pragma once
// A one-line terminal progress bar on stderr, drawn only when stderr is a
// terminal (pipes and logs stay clean). Redraws at most every 1/20 s and
// shows the time left, extrapolated from the rate since the first update.
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace ws::cli {

class ProgressBar {
public:
  ProgressBar(std::string label, int64_t total)
      : m_label(std::move(label)), m_total(total > 0 ? total : 1),
        m_enabled(isatty(fileno(stderr)) != 0) {}
  ~ProgressBar() { finish(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(int64_t done) {
    if (!m_enabled || m_finished) {
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (done < m_total && now - m_lastDraw < std::chrono::milliseconds(50)) {
      return;
    }
    m_lastDraw = now;
    if (m_firstDone < 0) {
      m_firstDone = done;
      m_start = now;
    }
    std::string eta;
    const double elapsed = std::chrono::duration<double>(now - m_start).count();
    if (done > m_firstDone && done < m_total && elapsed > 0.5) {
      const double left = elapsed / double(done - m_firstDone) * double(m_total - done);
      eta = left >= 3600 ? " ETA " + std::to_string(int(left / 3600)) + "h" +
                               std::to_string(int(left / 60) % 60) + "m"
            : left >= 60 ? " ETA " + std::to_string(int(left / 60)) + "m" +
                               std::to_string(int(left) % 60) + "s"
                         : " ETA " + std::to_string(int(left)) + "s";
    }
    constexpr int width = 40;
    const double fraction = double(done < m_total ? done : m_total) / double(m_total);
    const int filled = int(fraction * width);
    std::string bar(size_t(filled), '#');
    bar.append(size_t(width - filled), '.');
    std::fprintf(stderr, "\r%s [%s] %3d%% (%lld/%lld)%s\033[K", m_label.c_str(), bar.c_str(),
                 int(fraction * 100.0), static_cast<long long>(done),
                 static_cast<long long>(m_total), eta.c_str());
    std::fflush(stderr);
    m_drawn = true;
  }

  void finish() {
    if (m_enabled && m_drawn && !m_finished) {
      std::fputs("\n", stderr);
    }
    m_finished = true;
  }

private:
  std::string m_label;
  int64_t m_total;
  bool m_enabled;
  bool m_drawn = false;
  bool m_finished = false;
  std::chrono::steady_clock::time_point m_lastDraw{};
  // The rate is measured from the first update: a resumed sweep starts at
  // its finished points.
  int64_t m_firstDone = -1;
  std::chrono::steady_clock::time_point m_start{};
};

} // namespace ws::cli
