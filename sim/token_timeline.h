#pragma once
// Every step of a run in simulated time, with the summary figures a report
// shows (time to first token, decode tokens per second).
#include "sim/engine_observer.h"

#include <vector>

namespace ws::sim {

class TokenTimeline : public EngineObserver {
public:
  void onToken(const TokenTiming& timing) override { m_tokens.push_back(timing); }
  const std::vector<TokenTiming>& tokens() const { return m_tokens; }
  size_t generatedTokens() const; // decode steps
  // End of the first prefill (first output token), seconds; 0 when none.
  double timeToFirstToken() const;
  // Decode steps per simulated second, over all sequences: steps divided by
  // the span from the first decode start to the last decode end.
  double decodeTokensPerSecond() const;
  // Mean seconds per decode step of one sequence.
  double meanDecodeSeconds() const;
  // Sum of the decode steps' breakdowns, seconds.
  TimeBreakdown decodeBreakdown() const;
  void clear() { m_tokens.clear(); }

private:
  std::vector<TokenTiming> m_tokens;
};

} // namespace ws::sim
