#pragma once
// The latest-frame triple buffer between the session worker and its consumer:
// the worker publishes whole frames, the consumer takes the newest one; older
// unread frames are dropped, and neither side ever waits for the other.

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace ws::app {

// The fields of the heatmap at one moment of simulated time. Row-major
// width x height; the region and op arrays are per region of the mapping.
struct Frame {
  uint64_t serial = 0;   // increases with every published frame
  double simStart = 0.0; // window the activity and link load cover, seconds
  double simEnd = 0.0;
  int64_t contextTokens = 0; // KV length the SRAM field shows
  int width = 0;
  int height = 0;
  std::vector<float> activity; // busy fraction, 0..1
  std::vector<float> sram;     // occupancy of capacity, 0..1
  std::vector<float> link;     // fraction of link capacity, 0..1
  std::vector<int> regionOp;   // per region: the op it ran last in the window, -1 none
};

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
