#pragma once
// Colormap lookup tables (256 sRGB entries each), uploaded as one LUT texture.
#include "render/field.h"

#include <array>
#include <cstdint>

namespace ws::render {

inline constexpr uint32_t kColormapLutSize = 256;
inline constexpr int kColormapCount = 3;

struct Rgba8 {
  uint8_t r = 0, g = 0, b = 0, a = 255;
  bool operator==(const Rgba8&) const = default;
};

using ColormapLut = std::array<Rgba8, kColormapLutSize>;

// Entry i is the colour at t = i / 255.
ColormapLut colormapLut(Colormap colormap);
// The colour at t in [0, 1] (clamped), as the LUT texture samples it.
Rgba8 colormapColour(Colormap colormap, float t);
// Drawn for NaN cells: neutral grey, distinct from every colormap's ends.
inline constexpr Rgba8 kNoDataColour{96, 96, 96, 255};
// Behind the field (outside its cells).
inline constexpr Rgba8 kBackgroundColour{24, 24, 28, 255};

const char* colormapName(Colormap colormap);

} // namespace ws::render
