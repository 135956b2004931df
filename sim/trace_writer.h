#pragma once
// Chrome Trace Event JSON (opens in Perfetto UI and chrome://tracing): a
// process per wafer, a thread per region, "X" events per op, "C" counters for
// utilisation and tokens per second, "M" metadata naming processes/threads,
// and a "tokens" process with one X event per step (a thread per sequence).
//
// Size bound by aggregation: the prefill and the first `detailedTokens` decode
// steps of each sequence get one X event per op; later steps get one X event
// per region per token (args: op count and the compute/fabric/memory/sync
// split), and counters are written once per token. A decode step of
// Llama-3.1-8B on wse3 then costs ~66 events (~10 KB), so 1000 tokens stay
// near 10 MB (tests/sim/trace_writer_test.cpp checks < 50 MB).
#include "sim/engine_observer.h"
#include "sim/placement.h"

#include <cstdio>
#include <string>
#include <vector>

namespace ws::sim {

struct TraceOptions {
  int64_t detailedTokens = 8; // decode steps per sequence traced op by op
};

class TraceWriter : public EngineObserver {
public:
  // Opens `path` for writing; throws std::runtime_error naming it on failure.
  TraceWriter(const Placement& placement, const std::string& path, TraceOptions options = {});
  ~TraceWriter() override;
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  void onOp(const OpEvent& event) override;
  void onToken(const TokenTiming& timing) override;
  // Writes pending aggregates and closes the JSON; the destructor calls it.
  void finish();
  size_t eventsWritten() const { return m_events; }
  size_t bytesWritten() const { return m_bytes; }

private:
  struct Pending {
    double start = -1.0;
    double end = 0.0;
    int ops = 0;
    TimeBreakdown cycles;
  };
  void writeMetadata();
  void writeEvent(const std::string& json);
  void flushPending();
  double micros(double cycles) const;
  std::string breakdownArgs(const TimeBreakdown& cycles) const;
  int tokensPid() const;

  const Placement& m_placement;
  TraceOptions m_options;
  std::string m_path;
  std::FILE* m_file = nullptr;
  size_t m_events = 0;
  size_t m_bytes = 0;
  std::vector<Pending> m_pending; // per region, for the aggregated token
  std::vector<int64_t> m_pendingToken;
  int m_pendingSequence = 0;
  double m_busyPeCycles = 0.0; // PE-cycles of the ops of the token in flight
};

} // namespace ws::sim
