#include "sim/op_history.h"

#include <algorithm>

namespace ws::sim {

void OpHistory::onOp(const OpEvent& event) {
  const int64_t token = event.prefill ? 0 : event.token;
  if (m_steps.empty() || m_steps.back().token != token ||
      m_steps.back().sequence != event.sequence) {
    m_steps.push_back({token, event.sequence, event.startCycle, event.endCycle, {}});
  }
  Step& step = m_steps.back();
  step.startCycle = std::min(step.startCycle, event.startCycle);
  step.endCycle = std::max(step.endCycle, event.endCycle);
  step.ops.push_back({event.region, event.op, event.startCycle, event.endCycle});
  ++m_records;
  while (m_records > m_maxRecords && m_steps.size() > 1) {
    m_records -= m_steps.front().ops.size();
    m_steps.pop_front();
  }
}

std::vector<int> OpHistory::opsIn(double startCycle, double endCycle, size_t regionCount) const {
  const auto overlaps = [&](double start, double end) {
    return endCycle > startCycle ? start < endCycle && end > startCycle
                                 : start <= startCycle && startCycle < end;
  };
  std::vector<int> ops(regionCount, -1);
  std::vector<double> latestStart(regionCount, 0.0);
  for (const Step& step : m_steps) {
    if (!overlaps(step.startCycle, step.endCycle)) {
      continue;
    }
    for (const Interval& interval : step.ops) {
      const size_t region = size_t(interval.region);
      if (region < regionCount && overlaps(interval.startCycle, interval.endCycle) &&
          (ops[region] < 0 || interval.startCycle >= latestStart[region])) {
        ops[region] = interval.op;
        latestStart[region] = interval.startCycle;
      }
    }
  }
  return ops;
}

} // namespace ws::sim
