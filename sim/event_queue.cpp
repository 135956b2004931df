#include "sim/event_queue.h"

namespace ws::sim {

void EventQueue::push(double time, uint32_t kind, int32_t a, int32_t b, int32_t c, int32_t d) {
  DesEvent e{time, m_nextOrder++, kind, a, b, c, d};
  size_t i = m_heap.size();
  m_heap.push_back(e);
  while (i > 0) {
    const size_t parent = (i - 1) / 2;
    if (!before(e, m_heap[parent])) {
      break;
    }
    m_heap[i] = m_heap[parent];
    i = parent;
  }
  m_heap[i] = e;
}

DesEvent EventQueue::pop() {
  const DesEvent result = m_heap.front();
  const DesEvent last = m_heap.back();
  m_heap.pop_back();
  const size_t n = m_heap.size();
  if (n > 0) {
    size_t i = 0;
    for (;;) {
      size_t child = 2 * i + 1;
      if (child >= n) {
        break;
      }
      if (child + 1 < n && before(m_heap[child + 1], m_heap[child])) {
        ++child;
      }
      if (!before(m_heap[child], last)) {
        break;
      }
      m_heap[i] = m_heap[child];
      i = child;
    }
    m_heap[i] = last;
  }
  ++m_processed;
  return result;
}

void EventQueue::clear() {
  m_heap.clear();
}

} // namespace ws::sim
