#pragma once
// Events both timing engines emit while they run. Times are in chip cycles
// from the start of the run (double: the fast engine's closed forms are not
// integral). Observers run on the engine's thread, in event order.
#include "sim/placement.h"

#include <cstdint>

namespace ws::sim {

// Where time went, by mechanism (docs/timing-model.md names the source of
// each). For an op, a token or a whole run; in seconds or cycles as the owner
// says.
struct TimeBreakdown {
  double compute = 0.0;       // FMAC work on the PE's datapath
  double memory = 0.0;        // SRAM-bandwidth bound beyond compute
  double hop = 0.0;           // wavelets travelling hop by hop (router + wire)
  double serialisation = 0.0; // wavelets queued one per cycle onto a link
  double reduction = 0.0;     // dependent stages of reduce chains and trees (ramp + add)
  double dispatch = 0.0;      // task activation before an op's first instruction
  double queueing = 0.0;      // waiting for links, ramps or regions another op holds
  double total() const {
    return compute + memory + hop + serialisation + reduction + dispatch + queueing;
  }
  // Moving wavelets, whatever held them up.
  double fabric() const { return hop + serialisation + reduction + queueing; }
  TimeBreakdown& operator+=(const TimeBreakdown& other);
  TimeBreakdown scaled(double factor) const;

  // The categories in a fixed order, for tables, charts and CSV columns.
  static constexpr int kCategories = 7;
  static const char* categoryName(int category); // "compute", "memory", "hop", ...
  double category(int category) const;
  double& category(int category);
};

// One op of one region for one token (or one prefill chunk).
struct OpEvent {
  int region = 0;
  int op = 0; // index into Region::ops
  OpKind kind = OpKind::MatVec;
  int64_t token = 0; // index of the token (prefill: of its last token)
  int sequence = 0;
  bool prefill = false;
  bool critical = true; // on the token's critical path (false: a faster routed expert)
  double startCycle = 0.0;
  double endCycle = 0.0;
  TimeBreakdown cycles; // sums to endCycle - startCycle
};

// What the region's PEs were busy with during one phase of an op, for per-PE
// fields. PE (x, y) of the region is busy from startCycle + shift to
// endCycle + shift, where shift = hopCyclesX * |x - sourceX| + hopCyclesY *
// |y - sourceY|: a broadcast's wavefront (hop cycles per PE along its axis)
// or a reduce chain's stages (hop + 2 T_R + 1 per PE along the chain).
// computeShare + fabricShare <= 1 is the busy fraction of that interval spent
// computing / moving wavelets. An op can send several phases.
struct RegionActivity {
  int region = 0;
  double startCycle = 0.0;
  double endCycle = 0.0;
  int sourceX = 0;
  int sourceY = 0;
  float hopCyclesX = 0.0f;
  float hopCyclesY = 0.0f;
  float computeShare = 0.0f;
  float fabricShare = 0.0f;
};

struct TokenTiming {
  int64_t index = 0; // per sequence: 0 = the prefill, 1.. = generated tokens
  int sequence = 0;
  bool prefill = false;
  int64_t tokens = 1;        // tokens processed (prompt length for prefill)
  int64_t contextLength = 0; // KV entries after this step
  double simStart = 0.0;     // seconds
  double simEnd = 0.0;
  TimeBreakdown breakdown; // seconds along the critical path
  int criticalRegion = -1; // region with the largest share of the critical path
  double seconds() const { return simEnd - simStart; }
};

// KV cache occupancy changed (after every step).
struct SramEvent {
  double cycle = 0.0;
  int sequence = 0;
  int64_t contextLength = 0;      // of that sequence
  int64_t totalContextTokens = 0; // over all sequences
};

class EngineObserver {
public:
  virtual ~EngineObserver() = default;
  virtual void onOp(const OpEvent&) {}
  virtual void onActivity(const RegionActivity&) {}
  virtual void onToken(const TokenTiming&) {}
  virtual void onSram(const SramEvent&) {}
};

} // namespace ws::sim
