#pragma once
// The one sim-to-render adapter, shared by the GUI and the CLI: a placement's
// per-PE fields become render::Field values (PEs outside every region are "no
// data", not idle), its regions become outlines, and each plane gets its
// colour scale. Qt-free.
#include "app/frame/frame.h"
#include "render/field.h"
#include "sim/placement.h"

#include <cstdint>
#include <vector>

namespace ws::app {

// The PEs a mapping uses, as runs of row-major cell indices: computed once per
// mapping, so building a field is one copy of the used runs and one fill of
// the rest, with no per-cell test.
class UsedCells {
public:
  explicit UsedCells(const sim::Placement& placement);

  uint32_t width() const { return m_width; }
  uint32_t height() const { return m_height; }
  // PEs that belong to a region.
  size_t count() const { return m_count; }
  // Bounding box of the used PEs; w = h = 0 when none is used.
  render::CellRect bounds() const { return m_bounds; }
  // Writes `values` (width x height, row-major) into `field` with NaN at the
  // unused PEs, reusing the field's storage.
  void toField(const float* values, render::Field& field) const;
  // The same field for a plane that is zero wherever a region is mapped.
  void zeroField(render::Field& field) const;

private:
  struct Run {
    size_t begin = 0;
    size_t length = 0;
  };
  template <typename Fill> void write(render::Field& field, Fill fill) const;

  uint32_t m_width = 0;
  uint32_t m_height = 0;
  size_t m_count = 0;
  render::CellRect m_bounds;
  std::vector<Run> m_runs; // ascending, not touching
};

struct OverlayOptions {
  // One outline per expert: readable when zoomed in (GUI), clutter on a
  // wafer-wide picture (CLI PNG).
  bool outlineExperts = true;
  int selectedRegion = -1; // highlighted and boxed; -1 none
};

// Die grid over all wafers and one outline per region, coloured by kind.
render::FieldOverlays regionOverlays(const sim::Placement& placement,
                                     const OverlayOptions& options = {});

// How a plane's values map onto the colour scale.
enum class ColourScale {
  Absolute, // 0-100 % of capacity: an idle wafer looks idle
  Data,     // stretched to the frame's own min-max, named in the legend
};
const char* cliName(ColourScale scale); // "absolute", "data"
// The scale of a command-line name; throws std::invalid_argument otherwise.
ColourScale colourScaleFromCliName(const std::string& name);

// Colormap, range and units of a plane; the legend shows percent.
render::HeatmapStyle planeStyle(Plane plane, ColourScale scale);

} // namespace ws::app
