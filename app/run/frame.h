#pragma once
// What the heatmap shows at one moment of a run, built by the RunController
// and handed to the GUI through the session's FrameBuffer.
#include <cstdint>
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

} // namespace ws::app
