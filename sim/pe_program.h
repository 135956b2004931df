#pragma once
// The task programs the detailed engine runs on the PEs of a region, one op
// of one token at a time, following the op semantics in sim/placement.h. Each
// program is a set of flows over the WaveletFabric (32-bit wavelets) and a
// state machine per PE driven by the wavelets that reach its core:
//
// - MatVec (broadcast Y; X swaps the axes): the top-row PE of each column
//   multicasts its input slice down the column and multiplies its own block;
//   every other PE multiplies as the wavelets arrive (each wavelet's
//   elements at the core's FMAC rate, or its SRAM read rate when slower).
//   Partial sums then run a chain along each row to the left column: the
//   rightmost PE sends its FP32 partials, each PE adds its own to every
//   wavelet it receives (one cycle per wavelet) and forwards it.
// - Norm: the top-row PEs square-accumulate their share, a one-wavelet chain
//   sums it to the left end, which computes the scale (one cycle) and
//   multicasts it back along the row; each PE then scales its share.
// - Elementwise: the top-row PEs work on their share, no wavelets.
// - Sample: the top-row PEs scan their share, a one-wavelet chain (value and
//   index) takes the maximum to the left end.
// - Attention: KV heads own column groups (columns / kvHeads columns each, or
//   several heads per column when there are more heads than columns); a
//   group's tokens spread evenly over its PEs. The top-row PE of each column
//   multicasts its heads' query down the column; once a PE has the whole
//   query it scores and weighs its tokens (K and V read from SRAM); the
//   FP32 weighted values and the softmax maximum and sum per head chain up
//   each column and then along the top row to the group's first column.
//   At the top of a group's other columns the column's sums and the row's
//   meet wavelet by wavelet, so the two chains pipeline; that core adds
//   every wavelet of both, so the row chain moves at half rate.
// - Lookup: the embedding row's slices sit down the region's centre column,
//   one per row; each row sends its slice west to the left column.
// - Transfer: the bytes leave over min(source rows, target rows) parallel
//   lanes centred on the source region's centre and arrive centred on the
//   target's. Lanes on one row are straight; otherwise each lane turns at
//   its own column (a staircase, so no two lanes share a link) when the
//   regions are far enough apart in x; otherwise the lanes are columns (no
//   more than both regions are wide), each turning at its own row, when the
//   regions are stacked or far enough apart in y; x-then-y routes (which may
//   share links) when neither holds.
//   Across wafers one lane runs over the source wafer's edge, the
//   system-to-system link (a first-come first-served server with the chip's
//   bandwidth and latency) and on from the destination wafer's edge.
//
// Every op starts the chip's task activation (taskActivationCycles) after it
// is scheduled. Every wavelet that leaves a core or reaches one crosses the
// ramp between router and core (rampLatencyCycles, each way), so a chain's
// dependent stage costs its hop plus 2 T_R + 1 (Luczynski et al.'s model).
// A PE's core is one first-come first-served server shared by all ops in
// flight on it.
#include "sim/engine_observer.h"
#include "sim/event_queue.h"
#include "sim/placement.h"
#include "sim/wavelet_fabric.h"

#include <cstdint>
#include <vector>

namespace ws::sim {

// One op of one region for one token.
struct OpRun {
  int region = 0;
  int op = 0;
  OpKind kind = OpKind::MatVec;
  int64_t context = 0;
  int slot = 0;           // the caller's token tag
  double scheduled = 0.0; // cycle it was scheduled (dispatch starts)
  double end = 0.0;       // cycle its last PE finished
  TimeBreakdown work;     // compute, memory and dispatch of its busiest PE
  bool done = false;
  // Program state.
  int pending = 0;            // lanes or PEs still to finish
  int laneBase = 0;           // its first flow id
  int columns = 0;            // attention: columns holding KV heads
  int groups = 0;             // attention: column groups
  int columnsPerGroup = 1;    // attention
  double elementCycles = 0.0; // matvec: core cycles per input element
  int64_t blockCols = 0;      // matvec: input elements per PE
  double localCycles = 0.0;   // core work per PE of the op's main phase
  double tailCycles = 0.0;    // norm: scaling after the broadcast
  int waveletsIn = 0;
  int waveletsOut = 0;
  double waferHopCycles = 0.0; // transfer across wafers: per-wavelet link time
  double waferLatencyCycles = 0.0;
};

class OpRunListener {
public:
  virtual ~OpRunListener() = default;
  // Called at the cycle the run ended (events before it are handled).
  virtual void onOpRunDone(int run) = 0;
};

class PeProgramRunner final : public WaveletSink {
public:
  static constexpr uint32_t kOpBegin = WaveletFabric::kEventKinds;
  static constexpr uint32_t kOpDone = kOpBegin + 1;
  static constexpr uint32_t kEventKinds = kOpBegin + 2;

  PeProgramRunner(const Placement& placement, EventQueue& queue, OpRunListener& listener);

  // Schedules op `op` of `region` at `cycle` (not before the clock) for a
  // token that sees `context` KV entries; returns the run id.
  int schedule(int region, int op, int64_t context, double cycle, int slot);
  const OpRun& run(int id) const { return m_runs[size_t(id)]; }
  // Handles an event of a kind below kEventKinds (fabric kinds included).
  void handle(const DesEvent& event);
  void onWaveletDelivered(int flow, int wavelet, int hop, double atRouter) override;
  // Forgets all runs and flows; the queue must have drained.
  void reset();
  WaveletFabric& fabric() { return m_fabric; }
  const WaveletFabric& fabric() const { return m_fabric; }

private:
  enum class Role : uint8_t {
    MatVecIn,
    MatVecOut,
    NormSum,
    NormScale,
    SampleMax,
    AttnQuery,
    AttnColumn,
    AttnRow,
    Move,       // lookup, transfer (to the wafer edge when crossing)
    MoveOnward, // transfer after the wafer link
  };
  struct Lane {
    int32_t run;
    Role role;
    int32_t index; // column, row or group of the run
    int32_t wavelets;
    int32_t memberBase;
  };
  struct Member {
    int32_t received = 0; // wavelets delivered from upstream
    int32_t ownReady = 0; // chain: wavelets of its own contribution computed
    int32_t processed = 0;
  };

  void begin(int runId);
  int addLane(int runId, Role role, int index, int wavelets, const FlowRoute& route);
  // The PE `pe`'s core does `cycles` of work, not before `cycle`; returns when it is done.
  double occupy(int pe, double cycle, double cycles);
  // Chain member `hop` has its whole contribution from `cycle` on.
  void chainReady(int lane, int hop, double cycle);
  // Chain member `hop` has wavelet `wavelet` of its contribution from `cycle` on.
  void chainOwnWavelet(int lane, int hop, int wavelet, double cycle);
  // Adds and passes on every wavelet that has both its inputs.
  void chainDrain(int lane, int hop, double cycle);
  void chainForward(int lane, int hop, int wavelet, double cycle);
  // Splits `total` wavelets over parallel lanes of one run.
  void addMoveLanes(int runId, int total, const std::vector<FlowRoute>& routes);
  void laneFinished(int lane, double cycle);
  void peFinished(int runId, double cycle);
  void beginMatVec(int runId, const Region& region, const Op& op);
  void beginVector(int runId, const Region& region, const Op& op);
  void beginAttention(int runId, const Region& region, const Op& op);
  void beginMove(int runId, const Region& region, const Op& op);

  const Placement& m_placement;
  EventQueue& m_queue;
  OpRunListener& m_listener;
  WaveletFabric m_fabric;
  double m_macsPerCycle;
  double m_ramp; // router <-> core, each way
  std::vector<OpRun> m_runs;
  std::vector<Lane> m_lanes; // by flow id
  std::vector<Member> m_members;
  std::vector<double> m_coreFree;      // per PE
  std::vector<double> m_waferLinkFree; // per source wafer
};

} // namespace ws::sim
