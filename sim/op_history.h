#pragma once
// Which op each region runs at a moment of simulated time, for the heatmap
// inspector. Keeps the op intervals of the latest tokens, bounded in size so
// a long run (or an unattended demo) does not grow without limit.
#include "sim/engine_observer.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace ws::sim {

class OpHistory : public EngineObserver {
public:
  // At most this many op intervals are kept (oldest tokens dropped first).
  explicit OpHistory(size_t maxRecords = size_t(1) << 20) : m_maxRecords(maxRecords) {}

  void onOp(const OpEvent& event) override;
  // Per region (regionCount entries): the op that started last among those
  // overlapping [startCycle, endCycle) (the op running at startCycle for an
  // empty window); -1 when the region ran none then or that time is no
  // longer kept.
  std::vector<int> opsIn(double startCycle, double endCycle, size_t regionCount) const;
  size_t recordCount() const { return m_records; }

private:
  struct Interval {
    int region = 0;
    int op = 0;
    double startCycle = 0.0;
    double endCycle = 0.0;
  };
  struct Step {
    int64_t token = 0; // 0 for the prefill
    int sequence = 0;
    double startCycle = 0.0;
    double endCycle = 0.0;
    std::vector<Interval> ops;
  };

  size_t m_maxRecords;
  size_t m_records = 0;
  std::deque<Step> m_steps;
};

} // namespace ws::sim
