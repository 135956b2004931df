#pragma once
// One layer of a mapping cut out at its real size, for the detailed engine:
// the golden model cannot hold a whole wafer, but it can hold the regions of
// one layer exactly as the mapper shaped and placed them.
#include "sim/placement.h"

namespace ws::sim {

// The regions of `layer` in a placement, on a chip the size of their bounding
// box (one wafer, same mechanisms), moved into it with their ops and SRAM;
// the stages that visit only them. Hand-offs to or from regions outside the
// window (the previous and next layers) are left out: the full mapping times
// those. Throws std::invalid_argument when the layer has no region or spans
// wafers.
Placement layerWindow(const Placement& placement, int layer);

} // namespace ws::sim
