#pragma once
// The fast engine: every PE of a region runs the same program, so an op's time
// is computed once per region from closed forms (in cycles) built from the
// mechanisms of sim/mechanisms.h (d = task activation, r = ramp T_R each way,
// stage = 2 r + 1, a dependent reduce step on a core):
//
//   matvec     = d + max(serialise(in slice), compute) + multicast(gOut - 1)
//                + chain(gIn) + serialise(out partials)
//   multicast  = r + hops * hop + r               (router duplication is free)
//   chain(n)   = (n - 1) * (hop + stage)          (Luczynski et al.'s pipelined chain)
//   compute    = max(block MACs / macs, block bytes / SRAM read)
//   serialise  = ceil(bytes / link bytes per cycle)   (32-bit wavelets)
//   norm       = d + chain(edge) + 1 + multicast(edge - 1) + elements / edge PEs
//   attention  = d + multicast(q) + compute(K and V of the context share)
//                + chain(column) [+ chain(row)] + serialisation of the sums
//   transfer   = d + r + Manhattan hops * hop + r + serialise(bytes) [+ wafer link]
//                + queueing: what it waits for the other transfers of its stage
//                that leave or enter the same region (the overlap of their
//                windows at that region's centre PE with its own)
//
// A decode step is the sum along the token's path (routed experts: the
// slowest active one); prefill streams the prompt through the pipeline:
// first-token latency plus (n - 1) times the longest visit of any region (a
// region serves one token at a time). Per-PE activity follows each op's
// schedule: a matvec's broadcast wavefront and then its reduce chain stage by
// stage; other ops the region interval shifted by hop distance.
#include "sim/timing_engine.h"

#include <cstdint>
#include <vector>

namespace ws::sim {

// Closed-form cycles of one op for one token, split by cause.
TimeBreakdown opCycles(const Placement& placement, const Region& region, const Op& op,
                       int64_t contextTokens);
// Cycles per token of a prompt streaming through the pipeline (prefill): a
// region serves one token at a time, so the longest visit of any region (its
// ops of one stage, contention included) at a context length.
double streamCycles(const Placement& placement, int64_t contextTokens);
// Cycles of one stage of a decode step (its slowest region).
double stageCycles(const Placement& placement, const Stage& stage, int64_t contextTokens);
// Seconds of one decode step of a single sequence at a context length
// (per-token overhead included): what the mapper minimises.
double predictDecodeSeconds(const Placement& placement, int64_t contextTokens);
// The same for regions and stages not yet made into a Placement (the mapper's
// candidates).
double predictDecodeSeconds(const ChipSpec& chip, double bytesPerWeight,
                            const std::vector<Region>& regions, const std::vector<Stage>& stages,
                            int64_t contextTokens);

class FastEngine : public TimingEngine {
public:
  explicit FastEngine(const Placement& placement);
  EngineKind kind() const override { return EngineKind::Fast; }
  TokenTiming prefill(int64_t tokens, int sequence = 0) override;
  TokenTiming decodeStep(int sequence = 0) override;

protected:
  void holdSequenceUntil(int sequence, double cycle) override;

private:
  struct SequenceState {
    double readyCycle = 0.0;
    int64_t generated = 0;
  };
  // Runs one token of `sequence` through every stage from `startCycle`.
  TokenTiming runToken(int sequence, double startCycle, int64_t context, bool prefill,
                       int64_t tokens, double streamCycles);
  TimeBreakdown cachedOpCycles(const Region& region, size_t op, int64_t context) const;
  // Tells the observers which PEs the op kept busy when (its phases).
  void notifyOpActivity(const Region& region, const Op& op, const TimeBreakdown& cycles,
                        double start, double end);
  struct PlannedOp {
    int region;
    size_t op;
    double start; // cycle, before contention
    TimeBreakdown cycles;
  };
  // Adds to the transfers of one stage's ops the cycles they wait for each
  // other where they share links.
  void addSharedLinkCycles(std::vector<PlannedOp>& ops) const;

  std::vector<SequenceState> m_sequences;
  std::vector<double> m_regionFreeCycle; // when each region can take the next token
  // Cycles of every op that does not depend on the context (all but
  // attention), computed once: m_opCycles[m_firstOp[region] + op].
  std::vector<TimeBreakdown> m_opCycles;
  std::vector<size_t> m_firstOp;
  std::vector<double> m_tokenRegionCycles; // scratch, per region
  std::vector<int> m_stageRegions;         // scratch
  std::vector<PlannedOp> m_plannedOps;     // scratch
  struct TransferWindow {
    int from;
    int to;
    double leaveStart;
    double leaveEnd;
    double arriveStart;
    double arriveEnd;
  };
  mutable std::vector<TransferWindow> m_windows; // scratch, per planned op
};

} // namespace ws::sim
