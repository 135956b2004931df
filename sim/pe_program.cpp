#include "sim/pe_program.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace ws::sim {
namespace {

constexpr double kWaveletBytes = 4.0;
// A core handles one received wavelet per cycle: an FP32 add of a partial sum,
// a maximum, or the scale of a norm.
constexpr double kWaveletOpCycles = 1.0;
// Colours by role, so different kinds of traffic share links round-robin.
constexpr int kMatVecInColor = 0;
constexpr int kMatVecOutColor = 1;
constexpr int kNormSumColor = 2;
constexpr int kNormScaleColor = 3;
constexpr int kSampleColor = 4;
constexpr int kQueryColor = 5;
constexpr int kColumnColor = 6;
constexpr int kRowColor = 7;
constexpr int kMoveColor = 8; // plus the target region, so transfers interleave

int64_t ceilDiv(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}
int wavelets(double bytes) {
  return int(std::ceil(bytes / kWaveletBytes));
}

int centreX(const Region& r) {
  return r.rect.x + r.rect.w / 2;
}
int centreY(const Region& r) {
  return r.rect.y + r.rect.h / 2;
}

// A route x first, then y, between two PEs.
FlowRoute xyRoute(int x0, int y0, int x1, int y1, FlowMode mode, int color) {
  return {.x = x0,
          .y = y0,
          .first = x1 >= x0 ? Direction::East : Direction::West,
          .firstHops = std::abs(x1 - x0),
          .second = y1 >= y0 ? Direction::South : Direction::North,
          .secondHops = std::abs(y1 - y0),
          .mode = mode,
          .color = color};
}

FlowRoute lineRoute(int x, int y, Direction d, int hops, FlowMode mode, int color) {
  return {.x = x, .y = y, .first = d, .firstHops = hops, .second = d, .mode = mode, .color = color};
}

// A three-leg unicast route: `turn` hops along `across`, the whole move along
// `along`, the rest of `acrossHops` along `across` again. Parallel lanes turn
// in different rows or columns so they do not share links.
FlowRoute staircaseRoute(int x, int y, Direction across, int turn, int acrossHops, Direction along,
                         int alongHops, int color) {
  return {.x = x,
          .y = y,
          .first = across,
          .firstHops = turn,
          .second = along,
          .secondHops = alongHops,
          .third = across,
          .thirdHops = acrossHops - turn,
          .mode = FlowMode::Unicast,
          .color = color};
}

// A matvec's PE (u, v): u along the input slices, v along the broadcast.
struct MatVecAxes {
  int x0;
  int y0;
  bool down; // broadcast Y: slices travel down the columns
  int peX(int u, int v) const { return down ? x0 + u : x0 + v; }
  int peY(int u, int v) const { return down ? y0 + v : y0 + u; }
  Direction in() const { return down ? Direction::South : Direction::East; }
  Direction out() const { return down ? Direction::West : Direction::North; }
};

} // namespace

PeProgramRunner::PeProgramRunner(const Placement& placement, EventQueue& queue,
                                 OpRunListener& listener)
    : m_placement(placement), m_queue(queue), m_listener(listener),
      m_fabric(placement.width(), placement.height(), placement.chip().virtualChannels,
               placement.chip().linkBytesPerCycle, placement.chip().hopLatencyCycles, queue, *this),
      m_macsPerCycle(placement.chip().macsPerCycle), m_ramp(placement.chip().rampLatencyCycles),
      m_coreFree(size_t(placement.width()) * size_t(placement.height()), 0.0),
      m_waferLinkFree(size_t(std::max(1, placement.wafers())), 0.0) {
  if (!(m_macsPerCycle > 0.0) || !(placement.chip().sramReadBytesPerCycle > 0.0)) {
    throw std::invalid_argument("detailed engine: the chip needs positive FMAC and SRAM rates");
  }
}

void PeProgramRunner::reset() {
  m_runs.clear();
  m_lanes.clear();
  m_members.clear();
  m_fabric.reset();
  std::fill(m_coreFree.begin(), m_coreFree.end(), 0.0);
  std::fill(m_waferLinkFree.begin(), m_waferLinkFree.end(), 0.0);
}

int PeProgramRunner::schedule(int region, int op, int64_t context, double cycle, int slot) {
  const Region& r = m_placement.regions()[size_t(region)];
  OpRun run;
  run.region = region;
  run.op = op;
  run.kind = r.ops[size_t(op)].kind;
  run.context = context;
  run.slot = slot;
  run.scheduled = cycle;
  run.end = cycle;
  run.work.dispatch = m_placement.chip().taskActivationCycles;
  m_runs.push_back(run);
  const int id = int(m_runs.size() - 1);
  m_queue.push(cycle + run.work.dispatch, kOpBegin, id);
  return id;
}

void PeProgramRunner::handle(const DesEvent& e) {
  if (e.kind < WaveletFabric::kEventKinds) {
    m_fabric.handle(e);
  } else if (e.kind == kOpBegin) {
    begin(e.a);
  } else if (e.kind == kOpDone) {
    m_runs[size_t(e.a)].done = true;
    m_listener.onOpRunDone(e.a);
  } else {
    throw std::logic_error("detailed engine: not a program event");
  }
}

int PeProgramRunner::addLane(int runId, Role role, int index, int count, const FlowRoute& route) {
  FlowRoute r = route;
  r.color %= m_fabric.colors();
  const int flow = m_fabric.addFlow(r);
  m_lanes.push_back({runId, role, index, count, int32_t(m_members.size())});
  m_members.resize(m_members.size() + size_t(r.hops()) + 1);
  return flow;
}

double PeProgramRunner::occupy(int pe, double cycle, double cycles) {
  double& free = m_coreFree[size_t(pe)];
  free = std::max(free, cycle) + cycles;
  return free;
}

void PeProgramRunner::begin(int runId) {
  OpRun& run = m_runs[size_t(runId)];
  const Region& region = m_placement.regions()[size_t(run.region)];
  const Op& op = region.ops[size_t(run.op)];
  run.laneBase = int(m_lanes.size());
  switch (op.kind) {
  case OpKind::MatVec:
    beginMatVec(runId, region, op);
    break;
  case OpKind::Norm:
  case OpKind::Elementwise:
  case OpKind::Sample:
    beginVector(runId, region, op);
    break;
  case OpKind::Attention:
    beginAttention(runId, region, op);
    break;
  case OpKind::Lookup:
  case OpKind::Transfer:
    beginMove(runId, region, op);
    break;
  }
}

void PeProgramRunner::beginMatVec(int runId, const Region& region, const Op& op) {
  const ChipSpec& chip = m_placement.chip();
  const int gOut = region.gridOut(op.broadcast);
  const int gIn = region.gridIn(op.broadcast);
  const int64_t blockRows = ceilDiv(op.rows, gOut);
  const int64_t blockCols = ceilDiv(op.cols, gIn);
  const double macCycles = double(blockRows) / m_macsPerCycle;
  const double readCycles = double(blockRows) *
                            region.bytesPerWeightOr(m_placement.bytesPerWeight()) /
                            chip.sramReadBytesPerCycle;
  OpRun& run = m_runs[size_t(runId)];
  run.elementCycles = std::max(macCycles, readCycles);
  run.blockCols = blockCols;
  run.waveletsIn = wavelets(double(blockCols) * kActivationBytes);
  run.waveletsOut = wavelets(double(blockRows) * kPartialSumBytes);
  run.work.compute = macCycles * double(blockCols);
  run.work.memory = std::max(0.0, readCycles - macCycles) * double(blockCols);
  run.pending = gOut;
  const MatVecAxes axes{region.rect.x, region.rect.y, op.broadcast == Axis::Y};
  for (int u = 0; u < gIn; ++u) {
    addLane(runId, Role::MatVecIn, u, run.waveletsIn,
            lineRoute(axes.peX(u, 0), axes.peY(u, 0), axes.in(), gOut - 1, FlowMode::Multicast,
                      kMatVecInColor));
  }
  for (int v = 0; v < gOut; ++v) {
    addLane(runId, Role::MatVecOut, v, run.waveletsOut,
            lineRoute(axes.peX(gIn - 1, v), axes.peY(gIn - 1, v), axes.out(), gIn - 1,
                      FlowMode::Chain, kMatVecOutColor));
  }
  const double now = m_fabric.now();
  const int inWavelets = run.waveletsIn;
  const double sourceCycles = double(blockCols) * run.elementCycles;
  const int laneBase = run.laneBase;
  for (int u = 0; u < gIn; ++u) {
    // The top PE holds its slice: it multiplies at once and sends it down.
    const int pe = axes.peY(u, 0) * m_fabric.width() + axes.peX(u, 0);
    if (gOut > 1) {
      m_fabric.inject(laneBase + u, 0, inWavelets, 0, now + m_ramp);
    }
    chainReady(laneBase + gIn, gIn - 1 - u, occupy(pe, now, sourceCycles));
  }
}

void PeProgramRunner::beginVector(int runId, const Region& region, const Op& op) {
  OpRun& run = m_runs[size_t(runId)];
  const int w = region.rect.w;
  const double local = double(ceilDiv(op.elements, w));
  const int x0 = region.rect.x;
  const int y0 = region.rect.y;
  const double now = m_fabric.now();
  run.work.compute = local * op.flopsPerElement / m_macsPerCycle;
  if (op.kind == OpKind::Elementwise) {
    run.pending = w;
    for (int u = 0; u < w; ++u) {
      peFinished(runId, occupy(y0 * m_fabric.width() + x0 + u, now, run.work.compute));
    }
    return;
  }
  if (op.kind == OpKind::Norm) {
    // One FMAC per value for the sum of squares, the rest after the scale.
    run.localCycles = local / m_macsPerCycle;
    run.tailCycles = std::max(0.0, run.work.compute - run.localCycles);
    run.pending = w;
    addLane(runId, Role::NormSum, 0, 1,
            lineRoute(x0 + w - 1, y0, Direction::West, w - 1, FlowMode::Chain, kNormSumColor));
    addLane(runId, Role::NormScale, 0, 1,
            lineRoute(x0, y0, Direction::East, w - 1, FlowMode::Multicast, kNormScaleColor));
  } else {
    run.localCycles = run.work.compute;
    run.pending = 1;
    addLane(runId, Role::SampleMax, 0, 1,
            lineRoute(x0 + w - 1, y0, Direction::West, w - 1, FlowMode::Chain, kSampleColor));
  }
  const int lane = run.laneBase;
  const double local0 = run.localCycles;
  for (int u = 0; u < w; ++u) {
    chainReady(lane, w - 1 - u, occupy(y0 * m_fabric.width() + x0 + u, now, local0));
  }
}

void PeProgramRunner::beginAttention(int runId, const Region& region, const Op& op) {
  const ChipSpec& chip = m_placement.chip();
  OpRun& run = m_runs[size_t(runId)];
  const int w = region.rect.w;
  const int h = region.rect.h;
  const int64_t kvHeads = std::max<int64_t>(1, op.kvHeads);
  const int64_t groupHeads = std::max<int64_t>(1, op.heads / kvHeads);
  const int64_t context = std::max<int64_t>(1, run.context);
  int64_t headsPerColumn = 1;
  int& columns = run.columns;
  int64_t tokensPerPe = 0;
  if (kvHeads <= w) {
    run.columnsPerGroup = int(w / kvHeads);
    run.groups = int(kvHeads);
    columns = run.groups * run.columnsPerGroup;
    tokensPerPe = ceilDiv(context, int64_t(run.columnsPerGroup) * h);
  } else {
    headsPerColumn = ceilDiv(kvHeads, w);
    run.columnsPerGroup = 1;
    columns = int(ceilDiv(kvHeads, headsPerColumn));
    run.groups = columns;
    tokensPerPe = ceilDiv(context, h);
  }
  const double macs = double(headsPerColumn * tokensPerPe * groupHeads * op.headDim) * 2.0;
  const double bytes = double(headsPerColumn * tokensPerPe * op.headDim) * 2.0 * kActivationBytes;
  run.work.compute = macs / m_macsPerCycle;
  run.work.memory = std::max(0.0, bytes / chip.sramReadBytesPerCycle - run.work.compute);
  run.localCycles = run.work.compute + run.work.memory;
  run.waveletsIn = wavelets(double(headsPerColumn * groupHeads * op.headDim) * kActivationBytes);
  // Weighted values plus the running maximum and sum of the softmax, per head.
  run.waveletsOut =
      wavelets(double(headsPerColumn * groupHeads * (op.headDim + 2)) * kPartialSumBytes);
  run.pending = run.columnsPerGroup > 1 ? run.groups : columns;
  const int x0 = region.rect.x;
  const int y0 = region.rect.y;
  for (int u = 0; u < columns; ++u) {
    addLane(runId, Role::AttnQuery, u, run.waveletsIn,
            lineRoute(x0 + u, y0, Direction::South, h - 1, FlowMode::Multicast, kQueryColor));
  }
  for (int u = 0; u < columns; ++u) {
    addLane(runId, Role::AttnColumn, u, run.waveletsOut,
            lineRoute(x0 + u, y0 + h - 1, Direction::North, h - 1, FlowMode::Chain, kColumnColor));
  }
  if (run.columnsPerGroup > 1) {
    for (int g = 0; g < run.groups; ++g) {
      const int last = x0 + (g + 1) * run.columnsPerGroup - 1;
      addLane(runId, Role::AttnRow, g, run.waveletsOut,
              lineRoute(last, y0, Direction::West, run.columnsPerGroup - 1, FlowMode::Chain,
                        kRowColor));
    }
  }
  const double now = m_fabric.now();
  const int laneBase = run.laneBase;
  const int inWavelets = run.waveletsIn;
  const double local = run.localCycles;
  for (int u = 0; u < columns; ++u) {
    if (h > 1) {
      m_fabric.inject(laneBase + u, 0, inWavelets, 0, now + m_ramp);
    }
    chainReady(laneBase + columns + u, h - 1, occupy(y0 * m_fabric.width() + x0 + u, now, local));
  }
}

void PeProgramRunner::addMoveLanes(int runId, int total, const std::vector<FlowRoute>& routes) {
  const int lanes = int(routes.size());
  m_runs[size_t(runId)].pending = 0;
  std::vector<int> flows;
  for (int i = 0; i < lanes; ++i) {
    const int count = total / lanes + (i < total % lanes ? 1 : 0);
    if (count > 0) {
      flows.push_back(addLane(runId, Role::Move, i, count, routes[size_t(i)]));
      m_runs[size_t(runId)].pending += 1;
    }
  }
  for (int flow : flows) {
    m_fabric.inject(flow, 0, m_lanes[size_t(flow)].wavelets, 0, m_fabric.now() + m_ramp);
  }
}

void PeProgramRunner::beginMove(int runId, const Region& region, const Op& op) {
  const ChipSpec& chip = m_placement.chip();
  const auto& regions = m_placement.regions();
  OpRun& run = m_runs[size_t(runId)];
  run.pending = 1;
  run.waveletsIn = wavelets(double(op.bytes));
  const int total = run.waveletsIn;
  if (total == 0) {
    peFinished(runId, m_fabric.now());
    return;
  }
  std::vector<FlowRoute> routes;
  if (op.kind == OpKind::Lookup) {
    const PeRect& r = region.rect;
    for (int v = 0; v < r.h; ++v) {
      routes.push_back(lineRoute(r.x + r.w / 2, r.y + v, Direction::West, r.w / 2,
                                 FlowMode::Unicast, kMoveColor));
    }
    addMoveLanes(runId, total, routes);
    return;
  }
  const Region& from = op.sourceRegion < 0 ? region : regions[size_t(op.sourceRegion)];
  const Region& to = op.targetRegion < 0 ? region : regions[size_t(op.targetRegion)];
  const int color = kMoveColor + to.id;
  const int fx = centreX(from);
  const int fy = centreY(from);
  const int tx = centreX(to);
  const int ty = centreY(to);
  if (from.wafer != to.wafer) {
    // Out over the source wafer's edge, the system link, in from the
    // destination wafer's edge.
    const int fw = chip.fabricWidth;
    const bool right = to.wafer > from.wafer;
    const int fromEdge = right ? (from.wafer + 1) * fw - 1 : from.wafer * fw;
    const int toEdge = right ? to.wafer * fw : (to.wafer + 1) * fw - 1;
    const double crossings = std::abs(to.wafer - from.wafer);
    run.waferHopCycles = crossings * kWaveletBytes / chip.waferLinkBytesPerSecond * chip.clockHz;
    run.waferLatencyCycles = crossings * chip.waferLinkLatencySeconds * chip.clockHz;
    const int lane = addLane(runId, Role::Move, 0, total,
                             xyRoute(fx, fy, fromEdge, fy, FlowMode::Unicast, color));
    addLane(runId, Role::MoveOnward, 0, total,
            xyRoute(toEdge, fy, tx, ty, FlowMode::Unicast, color));
    m_fabric.inject(lane, 0, total, 0, m_fabric.now() + m_ramp);
    return;
  }
  const int dxv = tx - fx;
  const int dyv = ty - fy;
  const Direction alongX = dxv >= 0 ? Direction::East : Direction::West;
  const Direction alongY = dyv >= 0 ? Direction::South : Direction::North;
  const int lanes = std::max(1, std::min(from.rect.h, to.rect.h));
  const bool staircase = dyv != 0 && std::abs(dxv) >= lanes - 1;
  const int columnLanes = std::max(1, std::min(lanes, std::min(from.rect.w, to.rect.w)));
  if (dyv != 0 && !staircase && (dxv == 0 || std::abs(dyv) >= columnLanes - 1)) {
    // Mostly a move in y: lanes are columns, each turning at its own row.
    for (int i = 0; i < columnLanes; ++i) {
      const int turn = dxv > 0 ? columnLanes - 1 - i : i;
      routes.push_back(staircaseRoute(fx - columnLanes / 2 + i, fy, alongY, turn, std::abs(dyv),
                                      alongX, std::abs(dxv), color));
    }
    addMoveLanes(runId, total, routes);
    return;
  }
  for (int i = 0; i < lanes; ++i) {
    const int y = fy - lanes / 2 + i;
    if (dyv == 0 || !staircase) {
      routes.push_back(xyRoute(fx, y, tx, y + dyv, FlowMode::Unicast, color));
      continue;
    }
    // Lanes turn in different columns: the one leading the move turns first.
    const int turn = dyv > 0 ? lanes - 1 - i : i;
    routes.push_back(
        staircaseRoute(fx, y, alongX, turn, std::abs(dxv), alongY, std::abs(dyv), color));
  }
  addMoveLanes(runId, total, routes);
}

void PeProgramRunner::onWaveletDelivered(int flow, int wavelet, int hop, double atRouter) {
  const Lane lane = m_lanes[size_t(flow)];
  OpRun& run = m_runs[size_t(lane.run)];
  // A wavelet for the core crosses the ramp; one leaving the wafer does not.
  const bool toCore = !(lane.role == Role::Move && run.waferHopCycles > 0.0);
  const double cycle = toCore ? atRouter + m_ramp : atRouter;
  Member& member = m_members[size_t(lane.memberBase + hop)];
  const int pe = m_fabric.peAt(flow, hop);
  switch (lane.role) {
  case Role::MatVecIn: {
    const int64_t first = int64_t(wavelet) * int64_t(kWaveletBytes / kActivationBytes);
    const int64_t elements =
        std::min<int64_t>(int64_t(kWaveletBytes / kActivationBytes), run.blockCols - first);
    const double done = occupy(pe, cycle, double(elements) * run.elementCycles);
    if (wavelet == lane.wavelets - 1) {
      const Region& region = m_placement.regions()[size_t(run.region)];
      const int gIn = region.gridIn(region.ops[size_t(run.op)].broadcast);
      chainReady(run.laneBase + gIn + hop, gIn - 1 - lane.index, done);
    }
    break;
  }
  case Role::AttnQuery:
    if (++member.received == lane.wavelets) {
      const int h = m_fabric.route(flow).hops() + 1;
      chainReady(run.laneBase + run.columns + lane.index, h - 1 - hop,
                 occupy(pe, cycle, run.localCycles));
    }
    break;
  case Role::NormScale:
    peFinished(lane.run, occupy(pe, cycle, run.tailCycles));
    break;
  case Role::MatVecOut:
  case Role::NormSum:
  case Role::SampleMax:
  case Role::AttnColumn:
  case Role::AttnRow:
    ++member.received;
    chainDrain(flow, hop, cycle);
    break;
  case Role::Move:
    if (run.waferHopCycles > 0.0) {
      const Region& from = m_placement.regions()[size_t(run.region)];
      double& free = m_waferLinkFree[size_t(std::max(0, from.wafer))];
      free = std::max(free, cycle) + run.waferHopCycles;
      m_fabric.inject(flow + 1, wavelet, 1, 0, free + run.waferLatencyCycles);
    } else if (wavelet == lane.wavelets - 1) {
      laneFinished(flow, cycle);
    }
    break;
  case Role::MoveOnward:
    if (wavelet == lane.wavelets - 1) {
      laneFinished(flow, cycle);
    }
    break;
  }
}

void PeProgramRunner::chainReady(int lane, int hop, double cycle) {
  const Lane& l = m_lanes[size_t(lane)];
  if (hop == 0) {
    if (m_fabric.route(lane).hops() == 0) {
      laneFinished(lane, cycle);
    } else {
      m_fabric.inject(lane, 0, l.wavelets, 0, cycle + m_ramp);
    }
    return;
  }
  m_members[size_t(l.memberBase + hop)].ownReady = l.wavelets;
  chainDrain(lane, hop, cycle);
}

void PeProgramRunner::chainOwnWavelet(int lane, int hop, int wavelet, double cycle) {
  const Lane& l = m_lanes[size_t(lane)];
  if (hop == 0) {
    if (m_fabric.route(lane).hops() == 0) {
      chainForward(lane, 0, wavelet, cycle);
    } else {
      m_fabric.inject(lane, wavelet, 1, 0, cycle + m_ramp);
    }
    return;
  }
  m_members[size_t(l.memberBase + hop)].ownReady = wavelet + 1;
  chainDrain(lane, hop, cycle);
}

void PeProgramRunner::chainDrain(int lane, int hop, double cycle) {
  Member& member = m_members[size_t(m_lanes[size_t(lane)].memberBase + hop)];
  const int pe = m_fabric.peAt(lane, hop);
  // The core's own reservations already hold back work before its part is ready.
  while (member.processed < member.received && member.processed < member.ownReady) {
    const int wavelet = member.processed++;
    chainForward(lane, hop, wavelet, occupy(pe, cycle, kWaveletOpCycles));
  }
}

void PeProgramRunner::chainForward(int lane, int hop, int wavelet, double cycle) {
  const Lane l = m_lanes[size_t(lane)];
  if (hop < m_fabric.route(lane).hops()) {
    m_fabric.inject(lane, wavelet, 1, hop, cycle + m_ramp);
    return;
  }
  const OpRun& run = m_runs[size_t(l.run)];
  if (l.role == Role::AttnColumn && run.columnsPerGroup > 1) {
    // The column's sums stream on into its group's row chain.
    const int group = l.index / run.columnsPerGroup;
    const int rowHop = (group + 1) * run.columnsPerGroup - 1 - l.index;
    chainOwnWavelet(run.laneBase + 2 * run.columns + group, rowHop, wavelet, cycle);
    return;
  }
  if (wavelet == l.wavelets - 1) {
    laneFinished(lane, cycle);
  }
}

void PeProgramRunner::laneFinished(int lane, double cycle) {
  const Lane l = m_lanes[size_t(lane)];
  OpRun& run = m_runs[size_t(l.run)];
  switch (l.role) {
  case Role::NormSum: {
    // The left end computes the scale and multicasts it back along the row.
    const int pe = m_fabric.peAt(lane, m_fabric.route(lane).hops());
    const double scale = occupy(pe, cycle, kWaveletOpCycles);
    if (m_fabric.route(lane + 1).hops() > 0) {
      m_fabric.inject(lane + 1, 0, 1, 0, scale + m_ramp);
    }
    peFinished(l.run, occupy(pe, scale, run.tailCycles));
    break;
  }
  case Role::AttnColumn:
    if (run.columnsPerGroup > 1) {
      const int group = l.index / run.columnsPerGroup;
      const int hop = (group + 1) * run.columnsPerGroup - 1 - l.index;
      chainReady(run.laneBase + 2 * run.columns + group, hop, cycle);
    } else {
      peFinished(l.run, cycle);
    }
    break;
  default:
    peFinished(l.run, cycle);
    break;
  }
}

void PeProgramRunner::peFinished(int runId, double cycle) {
  OpRun& run = m_runs[size_t(runId)];
  run.end = std::max(run.end, cycle);
  if (--run.pending == 0) {
    m_queue.push(run.end, kOpDone, runId);
  }
}

} // namespace ws::sim
