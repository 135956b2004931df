#pragma once
// The detailed engine: a discrete-event simulation per PE and per 32-bit
// wavelet (sim/pe_program.h says what each op's PEs do, sim/wavelet_fabric.h
// how links, ports and colours behave). It is the reference the fast engine's
// closed forms are checked against (tests/sim/cosimulation_test.cpp).
//
// A step runs every token of the call through the stages as one simulation:
// a region's op starts when its previous op has ended everywhere (a barrier),
// a stage starts when all regions of the previous one are done, and the
// tokens of a prompt stream behind each other region by region (token i
// attends to i + 1 KV entries; a region serves one token at a time, so token
// i + 1 enters it once token i has left it), sharing cores and links first
// come first served. Steps of different calls meet only through the regions:
// a region serves a step once the steps before have left it; their wavelets
// do not contend across calls.
#include "sim/event_queue.h"
#include "sim/pe_program.h"
#include "sim/timing_engine.h"

#include <memory>
#include <utility>
#include <vector>

namespace ws::sim {

// The most PEs (all wafers side by side) the detailed engine takes: a whole
// wafer is too much for it, one layer of a wafer-scale mapping cut out at its
// real size (sim/layer_window.h) is not.
inline constexpr int64_t kDetailedMaxPes = 512 * 512;

class DetailedEngine final : public TimingEngine, private OpRunListener {
public:
  // Throws std::invalid_argument when the fabric has more than kDetailedMaxPes PEs.
  // prefill() throws WorkBudgetError (sim/work_budget.h) before a prompt whose
  // simulation would exceed the event budget.
  explicit DetailedEngine(const Placement& placement);
  EngineKind kind() const override { return EngineKind::Detailed; }
  TokenTiming prefill(int64_t tokens, int sequence = 0) override;
  TokenTiming decodeStep(int sequence = 0) override;
  // Events handled since construction (wavelet hops, port wake-ups, injections, op steps).
  uint64_t eventsProcessed() const { return m_queue.processed(); }
  // Wavelets moved over mesh links since construction.
  uint64_t meshWavelets() const { return m_programs.fabric().meshWavelets(); }

protected:
  void holdSequenceUntil(int sequence, double cycle) override;

private:
  struct SequenceState {
    double readyCycle = 0.0;
    int64_t generated = 0;
  };
  struct TokenSlot {
    int64_t tokenIndex = 0; // for the choice of routed experts
    int64_t context = 0;
    int stage = -1;
    int pendingRegions = 0;
    int firstVisit = 0; // the current stage's visits in m_visits
    int visitCount = 0;
    double stageArrival = 0.0;
    double stageEnd = 0.0;
    TimeBreakdown stagePath;
    TimeBreakdown path; // along the critical path, cycles
    double end = 0.0;
  };
  struct RegionVisit {
    int slot = 0;
    int region = 0;
    int nextOp = 0;
    int endOp = 0;
    bool routed = false;
    bool critical = true;
    double start = 0.0;
    double end = 0.0;
    TimeBreakdown sum;
  };

  TokenTiming runStep(int sequence, int64_t tokens, bool prefill);
  void startStage(int slot, int stage, double cycle);
  void finishStage(int slot, double cycle);
  void onOpRunDone(int run) override;
  // Starts the visit's first op from `cycle` on, or once the tokens ahead
  // that visit the region have left it.
  void requestOp(int visit, double cycle);
  void scheduleOp(int visit, double cycle);
  TimeBreakdown breakdown(const OpRun& run) const;

  EventQueue m_queue;
  PeProgramRunner m_programs;
  std::vector<SequenceState> m_sequences;
  std::vector<double> m_regionFreeCycle;
  // Per step.
  int m_sequence = 0;
  bool m_prefill = false;
  std::vector<TokenSlot> m_slots;
  double m_eventsPerToken = 0.0; // estimated, for the work budget
  std::vector<RegionVisit> m_visits;
  std::vector<int> m_visitOfRun;    // run id -> visit
  std::vector<double> m_regionLeft; // when the step's last token left each region
  // Per op of every region (m_firstOp[region] + op), used at the last op of
  // a region visit: the step's tokens that visit the region, in token order,
  // how many of them have left it, and the visits ready to enter it but
  // waiting for a token ahead to leave (visit, ready cycle).
  std::vector<size_t> m_firstOp;
  std::vector<std::vector<int>> m_opVisitors;
  std::vector<int> m_opDone;
  std::vector<std::vector<std::pair<int, double>>> m_opWaiting;
  std::vector<int> m_stageRegions; // scratch
};

std::unique_ptr<TimingEngine> makeDetailedEngine(const Placement& placement);

} // namespace ws::sim
