#include "sim/bottleneck_report.h"

#include <algorithm>
#include <map>

namespace ws::sim {

BottleneckReport::BottleneckReport(const Placement& placement)
    : m_placement(placement), m_cycles(placement.regions().size(), 0.0),
      m_breakdown(placement.regions().size()) {}

void BottleneckReport::onOp(const OpEvent& event) {
  if (event.prefill || !event.critical) {
    return;
  }
  const double cycles = event.endCycle - event.startCycle;
  m_cycles[size_t(event.region)] += cycles;
  m_breakdown[size_t(event.region)] += event.cycles;
  m_totalCycles += cycles;
}

std::vector<RegionShare> BottleneckReport::ranked(size_t limit) const {
  std::vector<RegionShare> shares;
  const double secondsPerCycle = m_placement.chip().secondsPerCycle();
  for (size_t i = 0; i < m_cycles.size(); ++i) {
    if (m_cycles[i] <= 0) {
      continue;
    }
    RegionShare s;
    s.region = int(i);
    s.name = m_placement.regions()[i].name;
    s.seconds = m_cycles[i] * secondsPerCycle;
    s.share = m_cycles[i] / m_totalCycles;
    s.breakdown = m_breakdown[i].scaled(secondsPerCycle);
    shares.push_back(std::move(s));
  }
  std::stable_sort(shares.begin(), shares.end(),
                   [](const RegionShare& a, const RegionShare& b) { return a.share > b.share; });
  if (limit > 0 && shares.size() > limit) {
    shares.resize(limit);
  }
  return shares;
}

std::vector<std::pair<RegionKind, double>> BottleneckReport::sharesByKind() const {
  std::map<RegionKind, double> byKind;
  for (size_t i = 0; i < m_cycles.size(); ++i) {
    if (m_cycles[i] > 0) {
      byKind[m_placement.regions()[i].kind] += m_cycles[i] / m_totalCycles;
    }
  }
  std::vector<std::pair<RegionKind, double>> out(byKind.begin(), byKind.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

} // namespace ws::sim
