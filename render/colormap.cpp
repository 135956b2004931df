#include "render/colormap.h"

#include <algorithm>
#include <cmath>

namespace ws::render {
namespace {

// Degree-6 polynomial fits of matplotlib's viridis and magma (Stéfan van der
// Walt and Nathaniel Smith's maps), by Matt Zucker, CC0:
// https://www.shadertoy.com/view/WlfXRN . Coefficients c0..c6 per channel.
using Poly = std::array<std::array<double, 3>, 7>;

constexpr Poly kViridis{{
    {0.2777273272234177, 0.005407344544966578, 0.3340998053353061},
    {0.1050930431085774, 1.404613529898575, 1.384590162594685},
    {-0.3308618287255563, 0.214847559468213, 0.09509516302823659},
    {-4.634230498983486, -5.799100973351585, -19.33244095627987},
    {6.228269936347081, 14.17993336680509, 56.69055260068105},
    {4.776384997670288, -13.74514537774601, -65.35303263337234},
    {-5.435455855934631, 4.645852612178535, 26.3124352495832},
}};

constexpr Poly kMagma{{
    {-0.002136485053939582, -0.000749655052795221, -0.005386127855323933},
    {0.2516605407371642, 0.6775232436837668, 2.494026599312351},
    {8.353717279216625, -3.577719514958484, 0.3144679030132573},
    {-27.66873308576866, 14.26473078096533, -13.64921318813922},
    {52.17613981234068, -27.94360607168351, 12.94416944238394},
    {-50.76852536473588, 29.04658282127291, 4.23415299384598},
    {18.65570506591883, -11.48977351997711, -5.601961508734096},
}};

// ColorBrewer 11-class RdBu (Cynthia Brewer, colorbrewer2.org), reversed so
// low values are blue and high values red; linear interpolation between the
// published control points, as matplotlib's "RdBu_r" does.
constexpr std::array<std::array<double, 3>, 11> kRdBuReversed{{
    {5, 48, 97},
    {33, 102, 172},
    {67, 147, 195},
    {146, 197, 222},
    {209, 229, 240},
    {247, 247, 247},
    {253, 219, 199},
    {244, 165, 130},
    {214, 96, 77},
    {178, 24, 43},
    {103, 0, 31},
}};

uint8_t toByte(double unit) {
  return uint8_t(std::lround(std::clamp(unit, 0.0, 1.0) * 255.0));
}

Rgba8 evalPoly(const Poly& poly, double t) {
  std::array<double, 3> c{};
  for (int ch = 0; ch < 3; ++ch) {
    double v = poly[6][ch];
    for (int k = 5; k >= 0; --k) {
      v = poly[k][ch] + t * v;
    }
    c[ch] = v;
  }
  return {toByte(c[0]), toByte(c[1]), toByte(c[2]), 255};
}

Rgba8 evalDiverging(double t) {
  const double pos = t * double(kRdBuReversed.size() - 1);
  const size_t i = std::min(size_t(pos), kRdBuReversed.size() - 2);
  const double f = pos - double(i);
  std::array<double, 3> c{};
  for (int ch = 0; ch < 3; ++ch) {
    c[ch] = (kRdBuReversed[i][ch] * (1.0 - f) + kRdBuReversed[i + 1][ch] * f) / 255.0;
  }
  return {toByte(c[0]), toByte(c[1]), toByte(c[2]), 255};
}

Rgba8 evaluate(Colormap colormap, double t) {
  switch (colormap) {
  case Colormap::Viridis:
    return evalPoly(kViridis, t);
  case Colormap::Magma:
    return evalPoly(kMagma, t);
  case Colormap::Diverging:
    return evalDiverging(t);
  }
  return {};
}

} // namespace

ColormapLut colormapLut(Colormap colormap) {
  ColormapLut lut{};
  for (uint32_t i = 0; i < kColormapLutSize; ++i) {
    lut[i] = evaluate(colormap, double(i) / double(kColormapLutSize - 1));
  }
  return lut;
}

Rgba8 colormapColour(Colormap colormap, float t) {
  const float clamped = std::clamp(std::isnan(t) ? 0.0f : t, 0.0f, 1.0f);
  return colormapLut(colormap)[size_t(std::floor(clamped * float(kColormapLutSize - 1) + 0.5f))];
}

const char* colormapName(Colormap colormap) {
  switch (colormap) {
  case Colormap::Viridis:
    return "viridis";
  case Colormap::Magma:
    return "magma";
  case Colormap::Diverging:
    return "diverging (RdBu)";
  }
  return "?";
}

} // namespace ws::render
