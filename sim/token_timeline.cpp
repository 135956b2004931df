#include "sim/token_timeline.h"

#include <algorithm>
#include <limits>

namespace ws::sim {

size_t TokenTimeline::generatedTokens() const {
  return size_t(std::count_if(m_tokens.begin(), m_tokens.end(),
                              [](const TokenTiming& t) { return !t.prefill; }));
}

double TokenTimeline::timeToFirstToken() const {
  for (const TokenTiming& t : m_tokens) {
    if (t.prefill) {
      return t.simEnd;
    }
  }
  return 0.0;
}

double TokenTimeline::decodeTokensPerSecond() const {
  double first = std::numeric_limits<double>::infinity();
  double last = 0.0;
  size_t steps = 0;
  for (const TokenTiming& t : m_tokens) {
    if (!t.prefill) {
      first = std::min(first, t.simStart);
      last = std::max(last, t.simEnd);
      ++steps;
    }
  }
  return steps == 0 || last <= first ? 0.0 : double(steps) / (last - first);
}

double TokenTimeline::meanDecodeSeconds() const {
  double sum = 0.0;
  size_t steps = 0;
  for (const TokenTiming& t : m_tokens) {
    if (!t.prefill) {
      sum += t.seconds();
      ++steps;
    }
  }
  return steps == 0 ? 0.0 : sum / double(steps);
}

TimeBreakdown TokenTimeline::decodeBreakdown() const {
  TimeBreakdown sum;
  for (const TokenTiming& t : m_tokens) {
    if (!t.prefill) {
      sum += t.breakdown;
    }
  }
  return sum;
}

} // namespace ws::sim
