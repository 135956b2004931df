#pragma once
// One heatmap frame: a plane of the simulator's per-PE fields over a window
// of simulated time, already in render/'s terms (unused PEs are NaN), so it
// goes from the worker to the renderer's staging buffer without another copy.
#include "render/field.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ws::app {

// The per-PE fields a frame can carry.
enum class Plane { Activity, Sram, Links };
// Display name ("Activity", "SRAM occupancy", "Link load").
const char* toString(Plane plane);
// Command-line name ("activity", "sram", "links").
const char* cliName(Plane plane);
// The plane of a command-line name; throws std::invalid_argument otherwise.
Plane planeFromCliName(const std::string& name);

// The fields of the heatmap at one moment of simulated time: the one plane
// asked for. The region array is per region of the mapping.
struct Frame {
  uint64_t serial = 0;   // increases with every published frame
  double simStart = 0.0; // window the activity and link load cover, seconds
  double simEnd = 0.0;
  int64_t contextTokens = 0; // KV length the SRAM field shows
  Plane plane = Plane::Activity;
  render::Field field;       // the plane, 0..1; NaN where no region is mapped
  std::vector<int> regionOp; // per region: the op it ran last in the window, -1 none
};

} // namespace ws::app
