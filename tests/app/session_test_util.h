#pragma once
// Drives a Session from a test: collects its events until a condition holds.
#include "app/session/session.h"

#include <chrono>
#include <functional>
#include <thread>
#include <type_traits>
#include <vector>

namespace ws::test {

class SessionEvents {
public:
  explicit SessionEvents(app::Session& session) : m_session(session) {}

  // Collects events until `done` holds for the collected list or the timeout
  // passes; returns whether it held.
  bool collectUntil(const std::function<bool(const std::vector<app::SessionEvent>&)>& done,
                    double timeoutSeconds = 60.0) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(timeoutSeconds);
    while (true) {
      for (auto& event : m_session.takeEvents()) {
        m_events.push_back(std::move(event));
      }
      if (done(m_events)) {
        return true;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  template <class T> bool waitFor(double timeoutSeconds = 60.0) {
    return collectUntil([](const auto& events) { return count<T>(events) > 0; }, timeoutSeconds);
  }
  // Waits for the run to end (finished or failed).
  bool waitForRunEnd(double timeoutSeconds = 60.0) {
    return collectUntil(
        [](const auto& events) {
          for (const auto& event : events) {
            if (const auto* state = std::get_if<app::StateEvent>(&event);
                state && !state->running && count<app::RunStartedEvent>(events) > 0) {
              return true;
            }
          }
          return false;
        },
        timeoutSeconds);
  }

  template <class T> static size_t count(const std::vector<app::SessionEvent>& events) {
    size_t n = 0;
    for (const auto& event : events) {
      n += std::holds_alternative<T>(event) ? 1 : 0;
    }
    return n;
  }
  template <class T> std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& event : m_events) {
      if (const auto* e = std::get_if<T>(&event)) {
        out.push_back(*e);
      }
    }
    return out;
  }
  template <class T> size_t count() const { return count<T>(m_events); }
  void clear() { m_events.clear(); }
  const std::vector<app::SessionEvent>& events() const { return m_events; }

private:
  app::Session& m_session;
  std::vector<app::SessionEvent> m_events;
};

} // namespace ws::test
