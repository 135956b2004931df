#pragma once
// What the heatmap draws: a W x H grid of floats plus overlays. render/ knows
// nothing about chips or models; callers translate their data into a Field.
#include <glm/vec4.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ws::render {

// Row-major W x H values; row 0 is drawn at the top. NaN means "no data".
struct Field {
  uint32_t width = 0;
  uint32_t height = 0;
  std::vector<float> values;

  bool empty() const { return width == 0 || height == 0; }
  float at(uint32_t x, uint32_t y) const { return values[size_t(y) * width + x]; }
};

// Throws std::invalid_argument (one line) when values.size() != width * height.
void validateField(const Field& field);

// Dies grid: cols x rows equal dies over the field; 0 x 0 draws no die lines.
struct DieGrid {
  uint32_t cols = 0;
  uint32_t rows = 0;
};

// A rectangle of cells: [x, x + w) x [y, y + h).
struct CellRect {
  uint32_t x = 0;
  uint32_t y = 0;
  uint32_t w = 0;
  uint32_t h = 0;

  bool contains(uint32_t cx, uint32_t cy) const {
    return cx >= x && cy >= y && cx - x < w && cy - y < h;
  }
};

// A labelled outline (e.g. the PEs owned by one layer). Colour is RGBA in 0..1.
struct RegionOutline {
  CellRect rect;
  std::string label;
  glm::vec4 colour{1.0f, 1.0f, 1.0f, 1.0f};
  bool highlighted = false;
};

struct FieldOverlays {
  DieGrid dies;
  std::vector<RegionOutline> regions;
  std::optional<CellRect> selection;
};

enum class Colormap { Viridis, Magma, Diverging };

// Range of values mapped onto the colormap. Automatic uses the finite min/max
// of the field; values outside a fixed range are clamped to its ends.
struct ValueRange {
  bool automatic = true;
  float min = 0.0f;
  float max = 1.0f;

  static ValueRange automaticRange() { return {}; }
  bool operator==(const ValueRange&) const = default;
  static ValueRange fixed(float lo, float hi) { return {false, lo, hi}; }
};

// The range actually used for one field. When the field has no finite value
// `valid` is false (everything is drawn as "no data"); a zero-width range maps
// every value to the colormap's middle.
struct ResolvedRange {
  float min = 0.0f;
  float max = 1.0f;
  bool valid = false;
  bool hasNoData = false; // some cell is NaN
};
ResolvedRange resolveRange(const ValueRange& range, const Field& field);

// How the heatmap is drawn, shared by the on-screen and off-screen paths.
struct HeatmapStyle {
  Colormap colormap = Colormap::Viridis;
  ValueRange range;
  std::string units; // shown in the legend, e.g. "% busy"
  // The legend and inspector show value x displayScale (100: fractions as percent).
  float displayScale = 1.0f;
  std::string title; // drawn at the top left when not empty
  bool showLegend = true;
};

} // namespace ws::render
