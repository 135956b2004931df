#version 450
// Maps each pixel centre to its cell with the camera transform (the same as
// Camera::pickCell), fetches the value and colours it through the LUT.
layout(push_constant) uniform Push {
  vec2 viewport;
  vec2 center;
  float zoom;
  float rangeMin;
  float rangeScale;
  float rangeBias;
  ivec2 tileOrigin;
  ivec2 tileSize;
  int lutRow;
  int rangeValid;
} pc;

layout(set = 0, binding = 0) uniform sampler2D fieldTile; // R32F
layout(set = 0, binding = 1) uniform sampler2D lut;       // 256 x colormaps, RGBA8

layout(constant_id = 0) const float kNoDataR = 0.0;
layout(constant_id = 1) const float kNoDataG = 0.0;
layout(constant_id = 2) const float kNoDataB = 0.0;

layout(location = 0) out vec4 outColour;

void main() {
  vec2 cellInTile = (gl_FragCoord.xy - 0.5 * pc.viewport) / pc.zoom + pc.center;
  ivec2 cell = clamp(ivec2(floor(cellInTile)), ivec2(0), pc.tileSize - 1);
  float v = texelFetch(fieldTile, cell, 0).r;
  // NaN test on the bits: drivers may assume float compares never see NaN.
  bool noData = (floatBitsToUint(v) & 0x7fffffffu) > 0x7f800000u || pc.rangeValid == 0;
  if (noData) {
    outColour = vec4(kNoDataR, kNoDataG, kNoDataB, 1.0);
    return;
  }
  // A zero-width range maps every value (infinities too) to rangeBias.
  float t = pc.rangeScale == 0.0 ? pc.rangeBias
                                 : clamp((v - pc.rangeMin) * pc.rangeScale + pc.rangeBias, 0.0, 1.0);
  int index = int(floor(t * 255.0 + 0.5));
  outColour = texelFetch(lut, ivec2(index, pc.lutRow), 0);
}
