#pragma once
// The one interface to the timing engines. A run is a prefill per sequence and
// then decode steps; every step returns its TokenTiming and notifies the
// observers. A region serves one token at a time (its PEs hold one token's
// activations, its ops are barrier-separated): a prompt streams through the
// pipeline region by region, token i + 1 entering a region once token i has
// left it, so it streams at the longest region visit; and several sequences
// share the pipeline, a sequence's step waiting for the regions still busy
// with another's.
//
// Plugging in the detailed engine: sim/detailed_engine.h declares
//   std::unique_ptr<TimingEngine> makeDetailedEngine(const Placement&);
// (derive from TimingEngine, emit the same events through notify*). The
// factory picks it up when that header exists (__has_include).
#include "sim/engine_observer.h"
#include "sim/placement.h"

#include <memory>
#include <string>
#include <vector>

namespace ws::sim {

enum class EngineKind { Fast, Detailed };
const char* toString(EngineKind kind);
// "fast" or "detailed"; throws std::invalid_argument otherwise.
EngineKind engineKindFromString(const std::string& name);

class TimingEngine {
public:
  explicit TimingEngine(const Placement& placement);
  virtual ~TimingEngine() = default;
  TimingEngine(const TimingEngine&) = delete;
  TimingEngine& operator=(const TimingEngine&) = delete;

  virtual EngineKind kind() const = 0;
  // Processes a prompt of `tokens` tokens of `sequence` (0 <= sequence <
  // options().sequences); the result ends when its first output token is out.
  virtual TokenTiming prefill(int64_t tokens, int sequence = 0) = 0;
  // Generates one token of `sequence`; its KV cache grows by one. Throws
  // FitError when the cache would outgrow the SRAM of the mapping.
  virtual TokenTiming decodeStep(int sequence = 0) = 0;

  const Placement& placement() const { return m_placement; }
  int64_t contextLength(int sequence) const;
  // Drops the last `tokens` KV entries of `sequence` (speculative decoding's
  // rejected draft tokens). The entries stay in SRAM until overwritten: on
  // the wafer a rollback moves each region's cache length, nothing else.
  // Throws std::out_of_range when the cache holds fewer entries.
  void rollbackContext(int sequence, int64_t tokens);
  // Simulated time reached by the latest step or wait, seconds.
  double now() const { return m_now; }
  // The next step of `sequence` starts no earlier than `seconds`: it waits
  // for something outside this engine (a speculative step's draft tokens
  // from another model's regions). Its regions stay idle until then.
  void waitUntil(int sequence, double seconds);

  void addObserver(EngineObserver* observer);
  void removeObserver(EngineObserver* observer);

protected:
  // waitUntil's effect on the engine's own sequence state (checked index).
  virtual void holdSequenceUntil(int sequence, double cycle) = 0;
  // Checks the sequence index and that `extraTokens` more fit in its cache.
  void reserveContext(int sequence, int64_t extraTokens);
  void notifyOp(const OpEvent& event);
  void notifyActivity(const RegionActivity& activity);
  void notifyToken(const TokenTiming& timing);
  void notifySram(const SramEvent& event);
  void advanceTo(double seconds);
  bool hasObservers() const { return !m_observers.empty(); }
  // Fills a step's times (seconds) from its cycle span, the critical path's
  // breakdown in cycles, and the critical region: the one with the most busy
  // cycles. Both engines report their steps through this.
  TokenTiming withCycles(TokenTiming timing, double startCycle, double endCycle,
                         const TimeBreakdown& pathCycles,
                         const std::vector<double>& regionCycles) const;

private:
  const Placement& m_placement;
  std::vector<int64_t> m_context; // per sequence
  std::vector<EngineObserver*> m_observers;
  double m_now = 0.0;
};

// The placement must outlive the engine. Detailed throws std::invalid_argument
// when this build has no detailed engine or the fabric is too large for it.
std::unique_ptr<TimingEngine> makeTimingEngine(EngineKind kind, const Placement& placement);

} // namespace ws::sim
