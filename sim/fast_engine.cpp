#include "sim/fast_engine.h"

#include "sim/mapper.h"
#include "sim/mechanisms.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace ws::sim {
namespace {

// What the closed forms read besides the region and op.
struct CostContext {
  const ChipSpec& chip;
  double bytesPerWeight;
  const std::vector<Region>& regions;
};

int centreX(const Region& r) {
  return r.rect.x + r.rect.w / 2;
}
int centreY(const Region& r) {
  return r.rect.y + r.rect.h / 2;
}

TimeBreakdown matVecCycles(const CostContext& p, const Region& r, const Op& op,
                           const ChipTerms& c) {
  TimeBreakdown t;
  const double gOut = r.gridOut(op.broadcast);
  const double gIn = r.gridIn(op.broadcast);
  const double blockRows = ceilDiv(double(op.rows), gOut);
  const double blockCols = ceilDiv(double(op.cols), gIn);
  const double inSerial = ceilDiv(blockCols * kActivationBytes, c.link);
  const double outSerial = ceilDiv(blockRows * kPartialSumBytes, c.link);
  TimeBreakdown work;
  addWork(work, c, blockRows * blockCols,
          blockRows * blockCols * r.bytesPerWeightOr(p.bytesPerWeight));
  // The block computes as its input slice streams in: whichever is slower.
  if (inSerial >= work.compute + work.memory) {
    t.serialisation += inSerial;
  } else {
    t.compute += work.compute;
    t.memory += work.memory;
  }
  // The slice multicast down gOut PEs, then the partial sums' chain along gIn
  // PEs (the vendor's pipelined-allreduce GEMV, WaferLLM §7.3), streaming
  // their wavelets behind the first.
  addMulticast(t, c, gOut - 1);
  addChain(t, c, gIn);
  t.serialisation += outSerial;
  t.dispatch += c.dispatch;
  return t;
}

TimeBreakdown vectorCycles(const Region& r, const Op& op, const ChipTerms& c, bool reduce) {
  TimeBreakdown t;
  const double edge = r.rect.w;
  t.compute += ceilDiv(double(op.elements), edge) * op.flopsPerElement / c.macs;
  if (reduce) {
    // One wavelet chained to the left end; a norm then computes the scale
    // (one cycle) and multicasts it back along the row.
    addChain(t, c, edge);
    if (op.kind == OpKind::Norm) {
      t.reduction += 1.0;
      addMulticast(t, c, edge - 1);
    }
  }
  t.dispatch += c.dispatch;
  return t;
}

// KV heads own column groups (w / kvHeads columns each, or several heads
// per column when there are more heads than columns); a group's tokens
// spread over its PEs. The query goes down each column, every PE scores and
// weighs its tokens once it has the whole query, and the FP32 weighted
// values with the softmax maximum and sum chain up each column and then along
// the top row to the group's first column (the chains pipeline).
TimeBreakdown attentionCycles(const Region& r, const Op& op, int64_t context, const ChipTerms& c) {
  TimeBreakdown t;
  const double w = r.rect.w;
  const double h = r.rect.h;
  const double kvHeads = double(std::max<int64_t>(1, op.kvHeads));
  const double groupHeads = std::max(1.0, std::floor(double(op.heads) / kvHeads));
  const double ctx = double(std::max<int64_t>(context, 1));
  double headsPerColumn = 1.0;
  double columnsPerGroup = 1.0;
  double tokensPerPe = 0.0;
  if (kvHeads <= w) {
    columnsPerGroup = std::floor(w / kvHeads);
    tokensPerPe = ceilDiv(ctx, columnsPerGroup * h);
  } else {
    headsPerColumn = ceilDiv(kvHeads, w);
    tokensPerPe = ceilDiv(ctx, h);
  }
  const double macs = headsPerColumn * tokensPerPe * groupHeads * double(op.headDim) * 2.0;
  const double kvBytes = headsPerColumn * tokensPerPe * double(op.headDim) * 2.0 * kActivationBytes;
  addWork(t, c, macs, kvBytes);
  const double inWavelets =
      ceilDiv(headsPerColumn * groupHeads * double(op.headDim) * kActivationBytes, c.link);
  const double outWavelets =
      ceilDiv(headsPerColumn * groupHeads * (double(op.headDim) + 2.0) * kPartialSumBytes, c.link);
  // Where a column's chain meets the row's, every wavelet waits for one add
  // on that PE's core: the row chain adds a full pass of the output.
  addMulticast(t, c, h - 1);
  t.serialisation += inWavelets - 1;
  addChain(t, c, h);
  t.serialisation += outWavelets - 1;
  if (columnsPerGroup > 1) {
    addChain(t, c, columnsPerGroup);
    t.serialisation += outWavelets;
  }
  t.dispatch += c.dispatch;
  return t;
}

// Parallel lanes of a move between regions: as many rows as both have; when
// the move is mostly in y (a band above or below), as many columns as both
// have, each lane turning at its own row so that no two share a link.
double transferLanes(const Region& from, const Region& to) {
  const int lanes = std::max(1, std::min(from.rect.h, to.rect.h));
  const int dx = centreX(to) - centreX(from);
  const int dy = centreY(to) - centreY(from);
  const bool staircase = dy != 0 && std::abs(dx) >= lanes - 1;
  const int columnLanes = std::max(1, std::min(lanes, std::min(from.rect.w, to.rect.w)));
  if (dy != 0 && !staircase && (dx == 0 || std::abs(dy) >= columnLanes - 1)) {
    return columnLanes;
  }
  return lanes;
}

TimeBreakdown transferCycles(const CostContext& p, const Region& r, const Op& op,
                             const ChipTerms& c) {
  TimeBreakdown t;
  const auto& regions = p.regions;
  const Region& from = op.sourceRegion < 0 ? r : regions[size_t(op.sourceRegion)];
  const Region& to = op.targetRegion < 0 ? r : regions[size_t(op.targetRegion)];
  const double serial = ceilDiv(double(op.bytes), c.link * transferLanes(from, to));
  double hops = 0.0;
  if (from.wafer == to.wafer) {
    hops = std::abs(centreX(from) - centreX(to)) + std::abs(centreY(from) - centreY(to));
  } else {
    const int fw = p.chip.fabricWidth;
    const int fromEdge = (from.wafer + 1) * fw - 1;
    const int toEdge = to.wafer * fw;
    hops =
        (fromEdge - centreX(from)) + (centreX(to) - toEdge) + std::abs(centreY(from) - centreY(to));
    const ChipSpec& chip = p.chip;
    const double crossings = std::abs(to.wafer - from.wafer);
    t.hop += crossings * chip.waferLinkLatencySeconds * c.clockHz;
    t.serialisation += crossings * double(op.bytes) / chip.waferLinkBytesPerSecond * c.clockHz;
  }
  // Pipelined: the last wavelet arrives serial - 1 cycles after the first;
  // out of the source's core and into the target's over their ramps.
  t.hop += hops * c.hop + 2.0 * c.ramp;
  t.serialisation += std::max(0.0, serial - 1.0);
  t.dispatch += c.dispatch;
  return t;
}

// Cycles a transfer's lane through the source's (and the target's) centre PE
// is busy: the bytes split over the lanes as evenly as wavelets allow, the
// centre lane (index lanes / 2) taking one of the remainder when it falls
// there. Transfers from one source or into one target all pass that PE.
double centreLaneCycles(const Region& from, const Region& to, double bytes, double link) {
  const int64_t lanes = int64_t(transferLanes(from, to));
  const int64_t wavelets = int64_t(std::ceil(bytes / kWaveletBytes));
  const int64_t count = wavelets / lanes + (lanes / 2 < wavelets % lanes ? 1 : 0);
  return double(count) * kWaveletBytes / link;
}

// Contention for a stage's prediction without a timeline (the mapper's, the
// prompt's stream rate): the regions that receive from one source (a layer's
// shared and active experts, taken alike as the routed ones are not known)
// leave over its centre PE together, served round-robin, so each waits for
// its centre lane's wavelets once per other receiver. FastEngine's steps use
// the windows of the actual transfers instead (addSharedLinkCycles).
double fanOutCycles(const CostContext& p, const Region& r, const Op& op, size_t receivers) {
  if (op.kind != OpKind::Transfer || op.sourceRegion < 0 || receivers < 2) {
    return 0.0;
  }
  const Region& from = p.regions[size_t(op.sourceRegion)];
  return double(receivers - 1) *
         centreLaneCycles(from, r, double(op.bytes), p.chip.linkBytesPerCycle);
}

} // namespace

// Transfers of one stage that leave the same region or enter the same region
// pass the same centre PE. Where their wavelets are there at the same time
// they share its ramp and links, served round-robin a wavelet at a time, so
// each is delayed by the overlap of the others' windows there with its own:
// at the source the windows open when the transfers start, at the target they
// close when the last wavelets arrive.
void FastEngine::addSharedLinkCycles(std::vector<PlannedOp>& ops) const {
  const Placement& p = placement();
  const double link = p.chip().linkBytesPerCycle;
  // Wavelets leave once the task is active and they crossed the ramp.
  const double sync = p.chip().taskActivationCycles + p.chip().rampLatencyCycles;
  std::vector<TransferWindow>& windows = m_windows;
  windows.clear();
  for (const PlannedOp& planned : ops) {
    const Region& r = p.regions()[size_t(planned.region)];
    const Op& op = r.ops[planned.op];
    if (op.kind != OpKind::Transfer) {
      windows.push_back({-1, -1, 0.0, 0.0, 0.0, 0.0});
      continue;
    }
    const Region& from = op.sourceRegion < 0 ? r : p.regions()[size_t(op.sourceRegion)];
    const Region& to = op.targetRegion < 0 ? r : p.regions()[size_t(op.targetRegion)];
    const double lane = centreLaneCycles(from, to, double(op.bytes), link);
    const double end = planned.start + planned.cycles.total();
    windows.push_back(
        {from.id, to.id, planned.start + sync, planned.start + sync + lane, end - lane, end});
  }
  const auto overlap = [](double a0, double a1, double b0, double b1) {
    return std::max(0.0, std::min(a1, b1) - std::max(a0, b0));
  };
  for (size_t a = 0; a < ops.size(); ++a) {
    const TransferWindow& wa = windows[a];
    if (wa.from < 0) {
      continue;
    }
    double extra = 0.0;
    for (size_t b = 0; b < ops.size(); ++b) {
      const TransferWindow& wb = windows[b];
      if (wb.from < 0 || ops[b].region == ops[a].region) {
        continue;
      }
      if (wb.from == wa.from) {
        extra += overlap(wa.leaveStart, wa.leaveEnd, wb.leaveStart, wb.leaveEnd);
      }
      if (wb.to == wa.to) {
        extra += overlap(wa.arriveStart, wa.arriveEnd, wb.arriveStart, wb.arriveEnd);
      }
    }
    ops[a].cycles.queueing += extra;
  }
}

namespace {

size_t stageReceivers(const Stage& stage) {
  return stage.always.size() + (stage.routed.empty() ? 0 : size_t(stage.activeRouted));
}

TimeBreakdown opCyclesIn(const CostContext& ctx, const Region& region, const Op& op,
                         int64_t contextTokens) {
  const ChipTerms c = terms(ctx.chip);
  switch (op.kind) {
  case OpKind::MatVec:
    return matVecCycles(ctx, region, op, c);
  case OpKind::Norm:
    return vectorCycles(region, op, c, true);
  case OpKind::Elementwise:
    return vectorCycles(region, op, c, false);
  case OpKind::Sample:
    return vectorCycles(region, op, c, true);
  case OpKind::Attention:
    return attentionCycles(region, op, contextTokens, c);
  case OpKind::Lookup: {
    TimeBreakdown t;
    // The row's slices sit down the centre column, one per row; every row
    // sends its slice west to the left column, the last wavelet arriving
    // serialisation - 1 cycles after the first.
    t.hop = (region.rect.w / 2) * c.hop + 2.0 * c.ramp;
    t.serialisation = std::max(0.0, ceilDiv(double(op.bytes), c.link * region.rect.h) - 1.0);
    t.dispatch = c.dispatch;
    return t;
  }
  case OpKind::Transfer:
    return transferCycles(ctx, region, op, c);
  }
  return {};
}

} // namespace

TimeBreakdown opCycles(const Placement& placement, const Region& region, const Op& op,
                       int64_t contextTokens) {
  return opCyclesIn({placement.chip(), placement.bytesPerWeight(), placement.regions()}, region, op,
                    contextTokens);
}

namespace {

// Cycles of a region's ops [first, end) at a context.
TimeBreakdown stageRegionCycles(const CostContext& p, const Region& r, const Stage& s,
                                int64_t context) {
  TimeBreakdown total;
  const size_t end = s.endOp < 0 ? r.ops.size() : size_t(s.endOp);
  for (size_t i = size_t(s.firstOp); i < end; ++i) {
    total += opCyclesIn(p, r, r.ops[i], context);
    total.queueing += fanOutCycles(p, r, r.ops[i], stageReceivers(s));
  }
  return total;
}

} // namespace

double stageCyclesIn(const CostContext& ctx, const Stage& stage, int64_t contextTokens) {
  double longest = 0.0;
  for (int id : stage.always) {
    longest = std::max(
        longest, stageRegionCycles(ctx, ctx.regions[size_t(id)], stage, contextTokens).total());
  }
  if (!stage.routed.empty() && stage.activeRouted > 0) {
    // All experts of a layer share one shape: any stands for the slowest.
    longest = std::max(longest, stageRegionCycles(ctx, ctx.regions[size_t(stage.routed.front())],
                                                  stage, contextTokens)
                                    .total());
  }
  return longest;
}

double streamCycles(const Placement& placement, int64_t contextTokens) {
  // A region serves one token at a time: the next token enters it once this
  // one has left, so the prompt streams at the longest visit of any region.
  const CostContext ctx{placement.chip(), placement.bytesPerWeight(), placement.regions()};
  double longest = 0.0;
  for (const Stage& stage : placement.stages()) {
    for (int id : stage.always) {
      longest = std::max(
          longest, stageRegionCycles(ctx, ctx.regions[size_t(id)], stage, contextTokens).total());
    }
    for (int id : stage.routed) {
      longest = std::max(
          longest, stageRegionCycles(ctx, ctx.regions[size_t(id)], stage, contextTokens).total());
    }
  }
  return longest;
}

double stageCycles(const Placement& placement, const Stage& stage, int64_t contextTokens) {
  return stageCyclesIn({placement.chip(), placement.bytesPerWeight(), placement.regions()}, stage,
                       contextTokens);
}

double predictDecodeSeconds(const ChipSpec& chip, double bytesPerWeight,
                            const std::vector<Region>& regions, const std::vector<Stage>& stages,
                            int64_t contextTokens) {
  const CostContext ctx{chip, bytesPerWeight, regions};
  double cycles = 0.0;
  for (const Stage& stage : stages) {
    cycles += stageCyclesIn(ctx, stage, contextTokens);
  }
  return cycles / chip.clockHz;
}

double predictDecodeSeconds(const Placement& placement, int64_t contextTokens) {
  return predictDecodeSeconds(placement.chip(), placement.bytesPerWeight(), placement.regions(),
                              placement.stages(), contextTokens);
}

FastEngine::FastEngine(const Placement& placement)
    : TimingEngine(placement), m_sequences(size_t(std::max(1, placement.options().sequences))),
      m_regionFreeCycle(placement.regions().size(), 0.0),
      m_tokenRegionCycles(placement.regions().size(), 0.0) {
  for (const Region& r : placement.regions()) {
    m_firstOp.push_back(m_opCycles.size());
    for (const Op& op : r.ops) {
      m_opCycles.push_back(op.kind == OpKind::Attention ? TimeBreakdown{}
                                                        : opCycles(placement, r, op, 0));
    }
  }
}

TimeBreakdown FastEngine::cachedOpCycles(const Region& region, size_t op, int64_t context) const {
  if (region.ops[op].kind == OpKind::Attention) {
    return opCycles(placement(), region, region.ops[op], context);
  }
  return m_opCycles[m_firstOp[size_t(region.id)] + op];
}

// A matvec's PEs in two phases, as its program runs them: each PE works on
// its block once the input slice's wavefront has reached it (hop by hop down
// the broadcast axis), then each row's partial sums chain to the output edge,
// one dependent stage (hop + 2 T_R + 1) per PE, so the reduction sweeps
// across the region behind the wavefront. Other ops: one phase shifted by the
// hop distance from the region's corner.
void FastEngine::notifyOpActivity(const Region& r, const Op& op, const TimeBreakdown& c,
                                  double start, double end) {
  const ChipSpec& chip = placement().chip();
  const ChipTerms terms = sim::terms(chip);
  const float hop = float(terms.hop);
  RegionActivity a;
  a.region = r.id;
  a.sourceX = r.rect.x;
  a.sourceY = r.rect.y;
  const double total = std::max(c.total(), 1e-9);
  if (op.kind != OpKind::MatVec) {
    a.hopCyclesX = a.hopCyclesY = hop;
    const double maxShift = terms.hop * double(r.rect.w - 1 + r.rect.h - 1);
    a.startCycle = start;
    a.endCycle = std::max(start + 1.0, end - maxShift);
    a.computeShare = float((c.compute + c.memory) / total);
    a.fabricShare = float(c.fabric() / total);
    notifyActivity(a);
    return;
  }
  const bool down = op.broadcast == Axis::Y;
  const int gIn = r.gridIn(op.broadcast);
  const double blockRows = ceilDiv(double(op.rows), double(r.gridOut(op.broadcast)));
  const double outWavelets = ceilDiv(blockRows * kPartialSumBytes, terms.link);
  // The block's work, or the input slice's stream where that is slower.
  const double work = c.compute + c.memory > 0.0 ? c.compute + c.memory
                                                 : std::max(1.0, c.serialisation - outWavelets);
  const double arrive = start + terms.dispatch + 2.0 * terms.ramp;
  // Phase 1: the wavefront down the broadcast axis, then the block's work.
  a.hopCyclesX = down ? 0.0f : hop;
  a.hopCyclesY = down ? hop : 0.0f;
  a.startCycle = arrive;
  a.endCycle = arrive + work;
  a.computeShare = c.compute + c.memory > 0.0 ? 1.0f : 0.0f;
  a.fabricShare = 1.0f - a.computeShare;
  notifyActivity(a);
  // Phase 2: the chain from the far edge back to the output edge.
  const float stage = float(terms.hop + terms.stage());
  a.sourceX = down ? r.rect.x + gIn - 1 : r.rect.x;
  a.sourceY = down ? r.rect.y : r.rect.y + gIn - 1;
  a.hopCyclesX = down ? stage : hop;
  a.hopCyclesY = down ? hop : stage;
  a.startCycle = arrive + work + terms.ramp;
  a.endCycle = a.startCycle + outWavelets;
  a.computeShare = 0.0f;
  a.fabricShare = 1.0f;
  notifyActivity(a);
}

TokenTiming FastEngine::runToken(int sequence, double startCycle, int64_t context, bool prefill,
                                 int64_t tokens, double streamCycles) {
  const Placement& p = placement();
  const ChipSpec& chip = p.chip();
  const auto& regions = p.regions();
  SequenceState& seq = m_sequences[size_t(sequence)];
  const int64_t tokenIndex = prefill ? 0 : seq.generated + 1;
  std::vector<double>& regionCycles = m_tokenRegionCycles;
  std::fill(regionCycles.begin(), regionCycles.end(), 0.0);
  TimeBreakdown path; // cycles along the critical path
  double arrival = startCycle;
  std::vector<int>& ids = m_stageRegions;
  for (const Stage& stage : p.stages()) {
    ids.assign(stage.always.begin(), stage.always.end());
    // Experts of a layer share one shape, so the first routed one stands for
    // the critical path; the others run beside it.
    const size_t criticalCount = ids.size() + 1;
    appendRoutedRegions(stage, sequence, tokenIndex, ids);
    double stageEnd = arrival;
    TimeBreakdown stagePath;
    int slowest = -1;
    // Where several regions share the stage, lay out their ops first and add
    // what their transfers lose to each other on shared links.
    const bool shared = ids.size() > 1;
    std::vector<PlannedOp>& planned = m_plannedOps;
    if (shared) {
      planned.clear();
      for (int id : ids) {
        const Region& r = regions[size_t(id)];
        double t = std::max(arrival, m_regionFreeCycle[size_t(id)]);
        const size_t end = stage.endOp < 0 ? r.ops.size() : size_t(stage.endOp);
        for (size_t i = size_t(stage.firstOp); i < end; ++i) {
          planned.push_back({id, i, t, cachedOpCycles(r, i, context)});
          t += planned.back().cycles.total();
        }
      }
      addSharedLinkCycles(planned);
    }
    size_t next = 0;
    for (size_t k = 0; k < ids.size(); ++k) {
      const int id = ids[k];
      const Region& r = regions[size_t(id)];
      double t = std::max(arrival, m_regionFreeCycle[size_t(id)]);
      const double regionStart = t;
      TimeBreakdown sum;
      const size_t end = stage.endOp < 0 ? r.ops.size() : size_t(stage.endOp);
      for (size_t i = size_t(stage.firstOp); i < end; ++i) {
        const TimeBreakdown c = shared ? planned[next++].cycles : cachedOpCycles(r, i, context);
        const double opEnd = t + c.total();
        if (hasObservers()) {
          OpEvent e;
          e.region = id;
          e.op = int(i);
          e.kind = r.ops[i].kind;
          e.token = tokenIndex;
          e.sequence = sequence;
          e.prefill = prefill;
          e.critical = k < criticalCount;
          e.startCycle = t;
          e.endCycle = opEnd;
          e.cycles = c;
          notifyOp(e);
          notifyOpActivity(r, r.ops[i], c, t, opEnd);
        }
        sum += c;
        t = opEnd;
      }
      if (prefill && streamCycles > 0.0) {
        // The rest of the prompt streams through behind the first token.
        const double busy = double(tokens - 1) * streamCycles;
        if (hasObservers() && busy > 0.0) {
          RegionActivity a;
          a.region = id;
          a.sourceX = r.rect.x;
          a.sourceY = r.rect.y;
          a.hopCyclesX = a.hopCyclesY = float(chip.hopLatencyCycles);
          a.startCycle = t;
          a.endCycle = t + busy;
          a.computeShare = float(std::min(1.0, sum.total() / streamCycles));
          a.fabricShare = 0.0f;
          notifyActivity(a);
        }
      }
      // A prefill holds the region until the rest of the prompt has passed.
      m_regionFreeCycle[size_t(id)] =
          prefill && streamCycles > 0.0 ? t + double(tokens - 1) * streamCycles : t;
      regionCycles[size_t(id)] += sum.total();
      if (t > stageEnd || slowest < 0) {
        stageEnd = std::max(stageEnd, t);
        stagePath = sum;
        stagePath.queueing += regionStart - arrival; // waiting for another sequence
        slowest = id;
      }
    }
    path += stagePath;
    arrival = stageEnd;
  }
  double endCycle = arrival;
  if (prefill && streamCycles > 0.0) {
    const double rest = double(tokens - 1) * streamCycles;
    path.compute += rest;
    endCycle += rest;
  }
  TokenTiming timing;
  timing.index = tokenIndex;
  timing.sequence = sequence;
  timing.prefill = prefill;
  timing.tokens = tokens;
  timing.contextLength = context;
  timing = withCycles(timing, startCycle, endCycle, path, regionCycles);
  seq.readyCycle = endCycle;
  return timing;
}

TokenTiming FastEngine::prefill(int64_t tokens, int sequence) {
  if (tokens < 1) {
    throw std::invalid_argument("prefill needs at least one token");
  }
  reserveContext(sequence, tokens);
  const Placement& p = placement();
  const double stream = streamCycles(p, contextLength(sequence));
  SequenceState& seq = m_sequences[size_t(sequence)];
  TokenTiming timing =
      runToken(sequence, seq.readyCycle, contextLength(sequence), true, tokens, stream);
  advanceTo(timing.simEnd);
  notifyToken(timing);
  SramEvent sram;
  sram.cycle = timing.simEnd * p.chip().clockHz;
  sram.sequence = sequence;
  sram.contextLength = contextLength(sequence);
  notifySram(sram);
  return timing;
}

void FastEngine::holdSequenceUntil(int sequence, double cycle) {
  double& ready = m_sequences[size_t(sequence)].readyCycle;
  ready = std::max(ready, cycle);
}

TokenTiming FastEngine::decodeStep(int sequence) {
  reserveContext(sequence, 1);
  SequenceState& seq = m_sequences[size_t(sequence)];
  TokenTiming timing = runToken(sequence, seq.readyCycle, contextLength(sequence), false, 1, 0.0);
  seq.generated += 1;
  advanceTo(timing.simEnd);
  notifyToken(timing);
  SramEvent sram;
  sram.cycle = timing.simEnd * placement().chip().clockHz;
  sram.sequence = sequence;
  sram.contextLength = contextLength(sequence);
  notifySram(sram);
  return timing;
}

} // namespace ws::sim
