#include "sim/layer_window.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace ws::sim {

Placement layerWindow(const Placement& placement, int layer) {
  std::map<int, int> newId;
  int x0 = 0;
  int y0 = 0;
  int x1 = 0;
  int y1 = 0;
  int wafer = -1;
  for (const Region& r : placement.regions()) {
    if (r.layer != layer) {
      continue;
    }
    if (wafer >= 0 && r.wafer != wafer) {
      throw std::invalid_argument(
          fmt::format("layer {} spans wafers {} and {}", layer, wafer, r.wafer));
    }
    const bool first = newId.empty();
    wafer = r.wafer;
    x0 = first ? r.rect.x : std::min(x0, r.rect.x);
    y0 = first ? r.rect.y : std::min(y0, r.rect.y);
    x1 = first ? r.rect.x + r.rect.w : std::max(x1, r.rect.x + r.rect.w);
    y1 = first ? r.rect.y + r.rect.h : std::max(y1, r.rect.y + r.rect.h);
    const int id = int(newId.size());
    newId[r.id] = id;
  }
  if (newId.empty()) {
    throw std::invalid_argument(fmt::format("the mapping has no region of layer {}", layer));
  }
  auto inside = [&](int id) { return id < 0 || newId.count(id) > 0; };
  std::vector<Region> regions;
  // Per region: new index of each kept op, so stages' op ranges follow.
  std::map<int, std::vector<int>> keptBefore;
  for (const Region& r : placement.regions()) {
    if (!newId.count(r.id)) {
      continue;
    }
    Region copy = r;
    copy.id = newId.at(r.id);
    copy.wafer = 0;
    copy.rect.x -= x0;
    copy.rect.y -= y0;
    copy.ops.clear();
    std::vector<int>& before = keptBefore[r.id];
    for (const Op& op : r.ops) {
      before.push_back(int(copy.ops.size()));
      if (!inside(op.sourceRegion) || !inside(op.targetRegion)) {
        continue;
      }
      Op moved = op;
      moved.sourceRegion = op.sourceRegion < 0 ? -1 : newId.at(op.sourceRegion);
      moved.targetRegion = op.targetRegion < 0 ? -1 : newId.at(op.targetRegion);
      copy.ops.push_back(moved);
    }
    before.push_back(int(copy.ops.size()));
    regions.push_back(std::move(copy));
  }
  std::vector<Stage> stages;
  for (const Stage& s : placement.stages()) {
    const bool all =
        std::all_of(s.always.begin(), s.always.end(),
                    [&](int id) { return newId.count(id) > 0; }) &&
        std::all_of(s.routed.begin(), s.routed.end(), [&](int id) { return newId.count(id) > 0; });
    if (!all || (s.always.empty() && s.routed.empty())) {
      continue;
    }
    Stage moved = s;
    for (int& id : moved.always) {
      id = newId.at(id);
    }
    for (int& id : moved.routed) {
      id = newId.at(id);
    }
    // Op ranges follow the ops kept (all regions of a stage share one range).
    const std::vector<int>& before =
        keptBefore.at(s.always.empty() ? s.routed.front() : s.always.front());
    moved.firstOp = before[size_t(s.firstOp)];
    if (s.endOp >= 0) {
      moved.endOp = before[size_t(s.endOp)];
    }
    stages.push_back(std::move(moved));
  }
  ChipSpec chip = placement.chip();
  chip.name = fmt::format("{} (layer {} window)", placement.chip().name, layer);
  chip.fabricWidth = x1 - x0;
  chip.fabricHeight = y1 - y0;
  chip.wafers = 1;
  chip.diesX = 1;
  chip.diesY = 1;
  return Placement(std::move(chip), placement.model(), placement.options(), 1,
                   placement.bytesPerWeight(), std::move(regions), std::move(stages));
}

} // namespace ws::sim
