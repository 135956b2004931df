#pragma once
// A one-line terminal progress bar on stderr, drawn only when stderr is a
// terminal (pipes and logs stay clean). Redraws at most every 1/20 s.
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
    constexpr int width = 40;
    const double fraction = double(done < m_total ? done : m_total) / double(m_total);
    const int filled = int(fraction * width);
    std::string bar(size_t(filled), '#');
    bar.append(size_t(width - filled), '.');
    std::fprintf(stderr, "\r%s [%s] %3d%% (%lld/%lld)", m_label.c_str(), bar.c_str(),
                 int(fraction * 100.0), static_cast<long long>(done),
                 static_cast<long long>(m_total));
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
};

} // namespace ws::cli
