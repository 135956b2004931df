#include "sim/detailed_engine.h"

#include "sim/fast_engine.h"
#include "sim/mapper.h"
#include "sim/work_budget.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace ws::sim {
namespace {

const Placement& checkedSize(const Placement& placement) {
  const int64_t pes = int64_t(placement.width()) * placement.height();
  if (pes > kDetailedMaxPes) {
    throw std::invalid_argument(fmt::format(
        "the detailed engine simulates fabrics of up to {} PEs; {} is {} x {} = {} PEs (use the "
        "fast engine, or one layer's window)",
        kDetailedMaxPes, placement.chip().name, placement.width(), placement.height(), pes));
  }
  return placement;
}

} // namespace

DetailedEngine::DetailedEngine(const Placement& placement)
    : TimingEngine(placement), m_programs(checkedSize(placement), m_queue, *this),
      m_sequences(size_t(std::max(1, placement.options().sequences))),
      m_regionFreeCycle(placement.regions().size(), 0.0) {
  size_t ops = 0;
  for (const Region& r : placement.regions()) {
    m_firstOp.push_back(ops);
    ops += r.ops.size();
  }
  m_opVisitors.resize(ops);
  m_opDone.resize(ops);
  m_opWaiting.resize(ops);
  m_eventsPerToken = detailedEventsPerToken(placement);
}

TokenTiming DetailedEngine::prefill(int64_t tokens, int sequence) {
  if (tokens < 1) {
    throw std::invalid_argument("prefill needs at least one token");
  }
  checkWorkBudget({m_eventsPerToken * double(tokens), 0.0},
                  fmt::format("a {}-token prefill on the detailed engine", tokens));
  reserveContext(sequence, tokens);
  return runStep(sequence, tokens, true);
}

void DetailedEngine::holdSequenceUntil(int sequence, double cycle) {
  double& ready = m_sequences[size_t(sequence)].readyCycle;
  ready = std::max(ready, cycle);
}

TokenTiming DetailedEngine::decodeStep(int sequence) {
  reserveContext(sequence, 1);
  TokenTiming timing = runStep(sequence, 1, false);
  m_sequences[size_t(sequence)].generated += 1;
  return timing;
}

TimeBreakdown DetailedEngine::breakdown(const OpRun& run) const {
  // The busiest PE's dispatch, compute and SRAM time are known exactly; the
  // rest of the op's span went to moving wavelets, split between hops,
  // serialisation, reduce stages and queueing in the proportions of the op's
  // closed form (the wavelet simulation does not label each cycle's cause).
  const double total = run.end - run.scheduled;
  TimeBreakdown t;
  t.dispatch = std::min(run.work.dispatch, total);
  const double work = run.work.compute + run.work.memory;
  const double room = total - t.dispatch;
  const double scale = work > room && work > 0.0 ? room / work : 1.0;
  t.compute = run.work.compute * scale;
  t.memory = run.work.memory * scale;
  const double moving = std::max(0.0, total - t.dispatch - t.compute - t.memory);
  const Region& region = placement().regions()[size_t(run.region)];
  const TimeBreakdown closed =
      opCycles(placement(), region, region.ops[size_t(run.op)], run.context);
  const double closedMoving = closed.fabric();
  if (closedMoving > 0.0) {
    t.hop = moving * closed.hop / closedMoving;
    t.serialisation = moving * closed.serialisation / closedMoving;
    t.reduction = moving * closed.reduction / closedMoving;
    t.queueing = moving * closed.queueing / closedMoving;
  } else {
    t.hop = moving;
  }
  return t;
}

TokenTiming DetailedEngine::runStep(int sequence, int64_t tokens, bool prefill) {
  const Placement& p = placement();
  const ChipSpec& chip = p.chip();
  SequenceState& seq = m_sequences[size_t(sequence)];
  const int64_t contextAfter = contextLength(sequence);
  const double startCycle = seq.readyCycle;

  m_programs.reset();
  m_sequence = sequence;
  m_prefill = prefill;
  m_visits.clear();
  m_visitOfRun.clear();
  m_regionLeft.assign(p.regions().size(), -1.0);
  m_slots.assign(size_t(tokens), TokenSlot{});
  for (int64_t i = 0; i < tokens; ++i) {
    TokenSlot& slot = m_slots[size_t(i)];
    slot.tokenIndex = prefill ? i : seq.generated + 1;
    slot.context = contextAfter - tokens + i + 1;
  }
  for (auto& v : m_opVisitors) {
    v.clear();
  }
  for (auto& w : m_opWaiting) {
    w.clear();
  }
  std::fill(m_opDone.begin(), m_opDone.end(), 0);
  for (int64_t i = 0; i < tokens; ++i) {
    for (const Stage& stage : p.stages()) {
      m_stageRegions.assign(stage.always.begin(), stage.always.end());
      appendRoutedRegions(stage, sequence, m_slots[size_t(i)].tokenIndex, m_stageRegions);
      for (int id : m_stageRegions) {
        const Region& r = p.regions()[size_t(id)];
        const size_t end = stage.endOp < 0 ? r.ops.size() : size_t(stage.endOp);
        if (size_t(stage.firstOp) < end) {
          m_opVisitors[m_firstOp[size_t(id)] + end - 1].push_back(int(i));
        }
      }
    }
  }
  m_programs.fabric().setNow(startCycle);
  for (int64_t i = 0; i < tokens; ++i) {
    startStage(int(i), 0, startCycle);
  }
  while (!m_queue.empty()) {
    const DesEvent e = m_queue.pop();
    m_programs.fabric().setNow(e.time);
    m_programs.handle(e);
  }

  // Ops of the step's first token, in start order.
  std::vector<int> firstRuns;
  std::vector<double> regionCycles(p.regions().size(), 0.0);
  for (size_t run = 0; run < m_visitOfRun.size(); ++run) {
    const OpRun& r = m_programs.run(int(run));
    if (r.slot == 0) {
      firstRuns.push_back(int(run));
      regionCycles[size_t(r.region)] += r.end - r.scheduled;
    }
  }
  std::stable_sort(firstRuns.begin(), firstRuns.end(), [this](int a, int b) {
    return m_programs.run(a).scheduled < m_programs.run(b).scheduled;
  });
  if (hasObservers()) {
    for (int id : firstRuns) {
      const OpRun& r = m_programs.run(id);
      const Region& region = p.regions()[size_t(r.region)];
      OpEvent e;
      e.region = r.region;
      e.op = r.op;
      e.kind = r.kind;
      e.token = m_slots[0].tokenIndex;
      e.sequence = sequence;
      e.prefill = prefill;
      e.critical = m_visits[size_t(m_visitOfRun[size_t(id)])].critical;
      e.startCycle = r.scheduled;
      e.endCycle = r.end;
      e.cycles = breakdown(r);
      notifyOp(e);
      RegionActivity a;
      a.region = r.region;
      a.sourceX = region.rect.x;
      a.sourceY = region.rect.y;
      a.hopCyclesX = a.hopCyclesY = float(chip.hopLatencyCycles);
      const double maxShift = chip.hopLatencyCycles * double(region.rect.w - 1 + region.rect.h - 1);
      a.startCycle = r.scheduled;
      a.endCycle = std::max(r.scheduled + 1.0, r.end - maxShift);
      const double total = std::max(r.end - r.scheduled, 1e-9);
      a.computeShare = float((e.cycles.compute + e.cycles.memory) / total);
      a.fabricShare = float(e.cycles.fabric() / total);
      notifyActivity(a);
    }
    if (tokens > 1) {
      // The rest of the prompt streaming through each region: the share of
      // the interval its cores spent on the later tokens' work.
      std::vector<double> firstLeft(p.regions().size(), -1.0);
      std::vector<double> laterWork(p.regions().size(), 0.0);
      for (size_t run = 0; run < m_visitOfRun.size(); ++run) {
        const OpRun& r = m_programs.run(int(run));
        if (r.slot == 0) {
          firstLeft[size_t(r.region)] = std::max(firstLeft[size_t(r.region)], r.end);
        } else {
          laterWork[size_t(r.region)] += r.work.compute + r.work.memory;
        }
      }
      for (size_t id = 0; id < firstLeft.size(); ++id) {
        const double span = m_regionLeft[id] - firstLeft[id];
        if (firstLeft[id] < 0.0 || span <= 0.0) {
          continue;
        }
        const Region& region = p.regions()[id];
        RegionActivity a;
        a.region = int(id);
        a.sourceX = region.rect.x;
        a.sourceY = region.rect.y;
        a.hopCyclesX = a.hopCyclesY = float(chip.hopLatencyCycles);
        a.startCycle = firstLeft[id];
        a.endCycle = m_regionLeft[id];
        a.computeShare = float(std::min(1.0, laterWork[id] / span));
        a.fabricShare = 0.0f;
        notifyActivity(a);
      }
    }
  }

  double endCycle = startCycle;
  for (const TokenSlot& slot : m_slots) {
    endCycle = std::max(endCycle, slot.end);
  }
  TimeBreakdown path = m_slots[0].path;
  // Later prompt tokens finish behind the first: their streaming is compute.
  path.compute += endCycle - m_slots[0].end;
  for (size_t id = 0; id < m_regionLeft.size(); ++id) {
    if (m_regionLeft[id] >= 0.0) {
      m_regionFreeCycle[id] = std::max(m_regionFreeCycle[id], m_regionLeft[id]);
    }
  }

  TokenTiming timing;
  timing.index = prefill ? 0 : seq.generated + 1;
  timing.sequence = sequence;
  timing.prefill = prefill;
  timing.tokens = tokens;
  timing.contextLength = contextAfter;
  timing = withCycles(timing, startCycle, endCycle, path, regionCycles);
  seq.readyCycle = endCycle;
  advanceTo(timing.simEnd);
  notifyToken(timing);
  SramEvent sram;
  sram.cycle = endCycle;
  sram.sequence = sequence;
  sram.contextLength = contextAfter;
  notifySram(sram);
  return timing;
}

void DetailedEngine::startStage(int slotIndex, int stageIndex, double cycle) {
  const Placement& p = placement();
  TokenSlot& slot = m_slots[size_t(slotIndex)];
  const int stages = int(p.stages().size());
  slot.stage = stageIndex;
  if (stageIndex == stages) {
    slot.end = cycle;
    return;
  }
  const Stage& stage = p.stages()[size_t(stageIndex)];
  std::vector<int> ids = stage.always;
  const size_t alwaysCount = ids.size();
  appendRoutedRegions(stage, m_sequence, slot.tokenIndex, ids);
  slot.stageArrival = cycle;
  slot.stageEnd = cycle;
  slot.stagePath = TimeBreakdown{};
  slot.pendingRegions = 0;
  slot.firstVisit = int(m_visits.size());
  for (size_t k = 0; k < ids.size(); ++k) {
    const Region& region = p.regions()[size_t(ids[k])];
    RegionVisit visit;
    visit.slot = slotIndex;
    visit.region = ids[k];
    visit.nextOp = stage.firstOp;
    visit.endOp = stage.endOp < 0 ? int(region.ops.size()) : stage.endOp;
    visit.routed = k >= alwaysCount;
    visit.critical = !visit.routed;
    visit.start = std::max(cycle, m_regionFreeCycle[size_t(ids[k])]);
    if (visit.nextOp < visit.endOp) {
      m_visits.push_back(visit);
      ++slot.pendingRegions;
    }
  }
  slot.visitCount = slot.pendingRegions;
  if (slot.pendingRegions == 0) {
    finishStage(slotIndex, cycle);
    return;
  }
  for (int v = slot.firstVisit; v < slot.firstVisit + slot.visitCount; ++v) {
    requestOp(v, m_visits[size_t(v)].start);
  }
}

void DetailedEngine::requestOp(int v, double cycle) {
  const RegionVisit& visit = m_visits[size_t(v)];
  const size_t last = m_firstOp[size_t(visit.region)] + size_t(visit.endOp - 1);
  if (m_opVisitors[last][size_t(m_opDone[last])] == visit.slot) {
    scheduleOp(v, cycle);
  } else {
    m_opWaiting[last].emplace_back(v, cycle);
  }
}

void DetailedEngine::scheduleOp(int v, double cycle) {
  RegionVisit& visit = m_visits[size_t(v)];
  const int run = m_programs.schedule(visit.region, visit.nextOp++,
                                      m_slots[size_t(visit.slot)].context, cycle, visit.slot);
  m_visitOfRun.resize(size_t(run) + 1, -1);
  m_visitOfRun[size_t(run)] = v;
}

void DetailedEngine::finishStage(int slotIndex, double cycle) {
  TokenSlot& slot = m_slots[size_t(slotIndex)];
  slot.path += slot.stagePath;
  startStage(slotIndex, slot.stage + 1, cycle);
}

void DetailedEngine::onOpRunDone(int runId) {
  // A copy: scheduleOp below adds runs, which moves the runner's storage.
  const OpRun run = m_programs.run(runId);
  const int v = m_visitOfRun[size_t(runId)];
  m_visits[size_t(v)].sum += breakdown(run);
  // The token behind that visits this region may enter it now.
  const size_t op = m_firstOp[size_t(run.region)] + size_t(run.op);
  const int done = ++m_opDone[op];
  if (size_t(done) < m_opVisitors[op].size()) {
    auto& waiting = m_opWaiting[op];
    const int next = m_opVisitors[op][size_t(done)];
    for (size_t i = 0; i < waiting.size(); ++i) {
      if (m_visits[size_t(waiting[i].first)].slot == next) {
        const auto [waitingVisit, ready] = waiting[i];
        waiting.erase(waiting.begin() + ptrdiff_t(i));
        scheduleOp(waitingVisit, std::max(ready, run.end));
        break;
      }
    }
  }
  const RegionVisit visit = m_visits[size_t(v)];
  if (visit.nextOp < visit.endOp) {
    scheduleOp(v, run.end);
    return;
  }
  // The region is done with this token.
  m_regionLeft[size_t(visit.region)] = std::max(m_regionLeft[size_t(visit.region)], run.end);
  TokenSlot& slot = m_slots[size_t(visit.slot)];
  if (run.end >= slot.stageEnd) {
    slot.stageEnd = run.end;
    slot.stagePath = visit.sum;
    slot.stagePath.queueing += visit.start - slot.stageArrival; // waiting for another step
  }
  m_visits[size_t(v)].end = run.end;
  if (--slot.pendingRegions == 0) {
    // A routed expert is on the critical path only when it was the slowest.
    for (int i = slot.firstVisit; i < slot.firstVisit + slot.visitCount; ++i) {
      RegionVisit& other = m_visits[size_t(i)];
      if (other.routed) {
        other.critical = other.end >= slot.stageEnd;
      }
    }
    finishStage(visit.slot, slot.stageEnd);
  }
}

std::unique_ptr<TimingEngine> makeDetailedEngine(const Placement& placement) {
  return std::make_unique<DetailedEngine>(placement);
}

} // namespace ws::sim
