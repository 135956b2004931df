#include "sim/timing_engine.h"

#include "sim/fast_engine.h"
#include "sim/mapper.h"

#if __has_include("sim/detailed_engine.h")
#include "sim/detailed_engine.h"
#define WS_HAVE_DETAILED_ENGINE 1
#endif

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace ws::sim {

TimeBreakdown& TimeBreakdown::operator+=(const TimeBreakdown& other) {
  for (int c = 0; c < kCategories; ++c) {
    category(c) += other.category(c);
  }
  return *this;
}

TimeBreakdown TimeBreakdown::scaled(double factor) const {
  TimeBreakdown t;
  for (int c = 0; c < kCategories; ++c) {
    t.category(c) = category(c) * factor;
  }
  return t;
}

const char* TimeBreakdown::categoryName(int category) {
  static constexpr const char* kNames[kCategories] = {
      "compute", "memory", "hop", "serialisation", "reduction", "dispatch", "queueing"};
  if (category < 0 || category >= kCategories) {
    throw std::out_of_range("TimeBreakdown: no category " + std::to_string(category));
  }
  return kNames[category];
}

double TimeBreakdown::category(int c) const {
  return const_cast<TimeBreakdown*>(this)->category(c);
}

double& TimeBreakdown::category(int c) {
  switch (c) {
  case 0:
    return compute;
  case 1:
    return memory;
  case 2:
    return hop;
  case 3:
    return serialisation;
  case 4:
    return reduction;
  case 5:
    return dispatch;
  case 6:
    return queueing;
  default:
    throw std::out_of_range("TimeBreakdown: no category " + std::to_string(c));
  }
}

const char* toString(EngineKind kind) {
  return kind == EngineKind::Fast ? "fast" : "detailed";
}

EngineKind engineKindFromString(const std::string& name) {
  if (name == "fast") {
    return EngineKind::Fast;
  }
  if (name == "detailed") {
    return EngineKind::Detailed;
  }
  throw std::invalid_argument("unknown engine '" + name + "' (use fast or detailed)");
}

TimingEngine::TimingEngine(const Placement& placement)
    : m_placement(placement), m_context(size_t(std::max(1, placement.options().sequences)), 0) {}

int64_t TimingEngine::contextLength(int sequence) const {
  if (sequence < 0 || size_t(sequence) >= m_context.size()) {
    throw std::out_of_range(
        fmt::format("sequence {} out of range (mapping has {})", sequence, m_context.size()));
  }
  return m_context[size_t(sequence)];
}

void TimingEngine::reserveContext(int sequence, int64_t extraTokens) {
  const int64_t now = contextLength(sequence);
  const int64_t capacity = m_placement.maxContextTokens();
  if (now + extraTokens > capacity) {
    const double perToken = m_placement.model().kvBytesPerToken();
    throw FitError(fmt::format("the KV cache of {} outgrows SRAM at {} tokens: the mapping of "
                               "{} on {} holds {} tokens per sequence ({} sequences); map with "
                               "a longer --context or use more wafers",
                               m_placement.model().name, now + extraTokens,
                               m_placement.model().name, m_placement.chip().name, capacity,
                               m_placement.options().sequences),
                   perToken * double(now + extraTokens), perToken * double(capacity));
  }
  m_context[size_t(sequence)] = now + extraTokens;
}

void TimingEngine::waitUntil(int sequence, double seconds) {
  contextLength(sequence); // checks the index
  holdSequenceUntil(sequence, seconds * m_placement.chip().clockHz);
  advanceTo(seconds);
}

void TimingEngine::rollbackContext(int sequence, int64_t tokens) {
  const int64_t now = contextLength(sequence);
  if (tokens < 0 || tokens > now) {
    throw std::out_of_range(fmt::format("cannot roll back {} of the {} KV entries of sequence {}",
                                        tokens, now, sequence));
  }
  m_context[size_t(sequence)] = now - tokens;
}

void TimingEngine::addObserver(EngineObserver* observer) {
  if (observer != nullptr &&
      std::find(m_observers.begin(), m_observers.end(), observer) == m_observers.end()) {
    m_observers.push_back(observer);
  }
}

void TimingEngine::removeObserver(EngineObserver* observer) {
  m_observers.erase(std::remove(m_observers.begin(), m_observers.end(), observer),
                    m_observers.end());
}

void TimingEngine::notifyOp(const OpEvent& event) {
  for (EngineObserver* o : m_observers) {
    o->onOp(event);
  }
}

void TimingEngine::notifyActivity(const RegionActivity& activity) {
  for (EngineObserver* o : m_observers) {
    o->onActivity(activity);
  }
}

void TimingEngine::notifyToken(const TokenTiming& timing) {
  for (EngineObserver* o : m_observers) {
    o->onToken(timing);
  }
}

void TimingEngine::notifySram(const SramEvent& event) {
  SramEvent e = event;
  e.totalContextTokens = 0;
  for (int64_t c : m_context) {
    e.totalContextTokens += c;
  }
  for (EngineObserver* o : m_observers) {
    o->onSram(e);
  }
}

void TimingEngine::advanceTo(double seconds) {
  m_now = std::max(m_now, seconds);
}

std::unique_ptr<TimingEngine> makeTimingEngine(EngineKind kind, const Placement& placement) {
  if (kind == EngineKind::Fast) {
    return std::make_unique<FastEngine>(placement);
  }
#ifdef WS_HAVE_DETAILED_ENGINE
  return makeDetailedEngine(placement);
#else
  throw std::invalid_argument("the detailed engine is not part of this build; use --engine fast");
#endif
}

TokenTiming TimingEngine::withCycles(TokenTiming timing, double startCycle, double endCycle,
                                     const TimeBreakdown& pathCycles,
                                     const std::vector<double>& regionCycles) const {
  const double clockHz = m_placement.chip().clockHz;
  timing.simStart = startCycle / clockHz;
  timing.simEnd = endCycle / clockHz;
  timing.breakdown = pathCycles.scaled(1.0 / clockHz);
  timing.criticalRegion =
      int(std::max_element(regionCycles.begin(), regionCycles.end()) - regionCycles.begin());
  return timing;
}

} // namespace ws::sim
