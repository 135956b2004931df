#pragma once
// Regions ranked by their share of the critical path of the decode steps.
// A token's path runs through its stages in order, so the critical path is the
// token's own ops: every op of an `always` region and of the slowest routed
// expert of each stage (OpEvent::critical). Prefill ops are not counted.
#include "sim/engine_observer.h"
#include "sim/placement.h"

#include <string>
#include <vector>

namespace ws::sim {

struct RegionShare {
  int region = 0;
  std::string name;
  double seconds = 0.0;
  double share = 0.0;      // of the summed critical path, 0..1
  TimeBreakdown breakdown; // seconds
};

class BottleneckReport : public EngineObserver {
public:
  explicit BottleneckReport(const Placement& placement);
  void onOp(const OpEvent& event) override;
  // Highest share first; at most `limit` entries (all when 0).
  std::vector<RegionShare> ranked(size_t limit = 0) const;
  // Shares summed per region kind (attention vs ffn vs experts ...).
  std::vector<std::pair<RegionKind, double>> sharesByKind() const;

private:
  const Placement& m_placement;
  std::vector<double> m_cycles;
  std::vector<TimeBreakdown> m_breakdown;
  double m_totalCycles = 0.0;
};

} // namespace ws::sim
