#pragma once
// The latest-frame triple buffer between the session worker and its consumer:
// the worker publishes whole frames, the consumer takes the newest one; older
// unread frames are dropped, and neither side ever waits for the other.

#include "app/frame/frame.h"

#include <atomic>
#include <cstdint>
#include <memory>

namespace ws::app {

class FrameBuffer {
public:
  // [producer] Makes `frame` the newest; the previous unread one is dropped.
  void publish(std::shared_ptr<const Frame> frame);
  // [consumer] The newest frame not taken yet, or null.
  std::shared_ptr<const Frame> take();

private:
  // Three slots: one being written, one ready, one held by the consumer. The
  // index of the ready slot and a "fresh" bit live in one atomic.
  static constexpr uint32_t kFresh = 4;
  std::shared_ptr<const Frame> m_slots[3];
  uint32_t m_writeSlot = 0;             // producer only
  uint32_t m_readSlot = 1;              // consumer only
  std::atomic<uint32_t> m_readySlot{2}; // slot index | kFresh
};

} // namespace ws::app
