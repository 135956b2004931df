#pragma once
// The timing mechanisms every closed form is built from, in cycles, each with
// its published source (docs/timing-model.md has the table):
// - a hop: hopLatencyCycles per router + wire (Cerebras' benchmark code
//   corrects PE clocks by px + py cycles);
// - serialisation: one 32-bit wavelet per cycle per link direction;
// - the ramp between a PE's router and its core, T_R each way, so a dependent
//   reduce stage costs 2 T_R + 1 plus its hops (Luczynski et al., "Near-
//   Optimal Wafer-Scale Reduce", HPDC 2024);
// - task activation per op (taskActivationCycles, UNCONFIRMED);
// - FMAC and SRAM-read work on the PE (macsPerCycle UNCONFIRMED).
// Used by the fast engine (sim/fast_engine.cpp) and the WaferLLM dataflow
// (sim/mesh_dataflow.cpp); the detailed engine runs the same mechanisms
// wavelet by wavelet (sim/pe_program.cpp).
#include "sim/chip_spec.h"
#include "sim/engine_observer.h"

#include <algorithm>
#include <cmath>

namespace ws::sim {

inline constexpr double kWaveletBytes = 4.0; // 32-bit wavelets

inline double ceilDiv(double a, double b) {
  return std::ceil(a / b);
}

struct ChipTerms {
  double hop;
  double link;
  double macs;
  double read;
  double ramp;     // router <-> core, each way
  double dispatch; // task activation per op
  double clockHz;
  // A dependent reduce stage on a PE: in over the ramp, one add, out again.
  double stage() const { return 2.0 * ramp + 1.0; }
};

inline ChipTerms terms(const ChipSpec& chip) {
  return {chip.hopLatencyCycles,
          chip.linkBytesPerCycle,
          chip.macsPerCycle,
          chip.sramReadBytesPerCycle,
          chip.rampLatencyCycles,
          chip.taskActivationCycles,
          chip.clockHz};
}

// FMAC work of `macs` multiply-adds reading `bytes` from SRAM: compute time,
// plus the memory time by which the SRAM read exceeds it.
inline void addWork(TimeBreakdown& t, const ChipTerms& c, double macs, double bytes) {
  const double compute = macs / c.macs;
  const double memory = bytes / c.read;
  t.compute += compute;
  t.memory += std::max(0.0, memory - compute);
}

// A chain of `members` PEs `hopsApart` hops apart reducing into its last
// member (Luczynski et al.'s pipelined chain): each of the members - 1
// dependent stages costs its hops plus 2 T_R + 1.
inline void addChain(TimeBreakdown& t, const ChipTerms& c, double members, double hopsApart = 1.0) {
  if (members > 1.0) {
    t.hop += (members - 1.0) * hopsApart * c.hop;
    t.reduction += (members - 1.0) * c.stage();
  }
}

// A multicast from one core over `hops` hops: out over the source's ramp, the
// wavefront, in over the receivers' ramps (duplication in the routers is free).
inline void addMulticast(TimeBreakdown& t, const ChipTerms& c, double hops) {
  if (hops > 0.0) {
    t.hop += hops * c.hop + 2.0 * c.ramp;
  }
}

} // namespace ws::sim
