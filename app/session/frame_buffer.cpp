#include "app/session/frame_buffer.h"

namespace ws::app {

void FrameBuffer::publish(std::shared_ptr<const Frame> frame) {
  m_slots[m_writeSlot] = std::move(frame);
  const uint32_t previous = m_readySlot.exchange(m_writeSlot | kFresh, std::memory_order_acq_rel);
  m_writeSlot = previous & ~kFresh;
}

std::shared_ptr<const Frame> FrameBuffer::take() {
  if ((m_readySlot.load(std::memory_order_acquire) & kFresh) == 0) {
    return nullptr;
  }
  const uint32_t ready = m_readySlot.exchange(m_readSlot, std::memory_order_acq_rel);
  m_readSlot = ready & ~kFresh;
  return m_slots[m_readSlot];
}

} // namespace ws::app
