#pragma once
// The detailed engine's event queue: a binary min-heap of small POD events,
// ordered by time and, at equal times, by insertion (so runs are
// deterministic). Storage grows geometrically and is reused: pushing and
// popping allocate nothing once the heap has reached its working size.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ws::sim {

struct DesEvent {
  double time = 0.0; // cycles
  uint64_t order = 0;
  uint32_t kind = 0; // owner-defined
  int32_t a = 0;
  int32_t b = 0;
  int32_t c = 0;
  int32_t d = 0;
};

class EventQueue {
public:
  void push(double time, uint32_t kind, int32_t a = 0, int32_t b = 0, int32_t c = 0, int32_t d = 0);
  bool empty() const { return m_heap.empty(); }
  size_t size() const { return m_heap.size(); }
  // The earliest event; the queue must not be empty.
  const DesEvent& top() const { return m_heap.front(); }
  DesEvent pop();
  void clear();
  // Events popped since construction.
  uint64_t processed() const { return m_processed; }

private:
  static bool before(const DesEvent& x, const DesEvent& y) {
    return x.time < y.time || (x.time == y.time && x.order < y.order);
  }
  std::vector<DesEvent> m_heap;
  uint64_t m_nextOrder = 0;
  uint64_t m_processed = 0;
};

} // namespace ws::sim
