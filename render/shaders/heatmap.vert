#version 450
// One quad per field tile, placed on screen by the camera transform.
layout(push_constant) uniform Push {
  vec2 viewport;    // pixels
  vec2 center;      // cell at the viewport centre, relative to tileOrigin (precision)
  float zoom;       // pixels per cell
  float rangeMin;
  float rangeScale; // 1 / (max - min), 0 for a zero-width range
  float rangeBias;  // added to t (0.5 for a zero-width range)
  ivec2 tileOrigin; // cells
  ivec2 tileSize;   // cells
  int lutRow;       // colormap
  int rangeValid;   // 0: no finite value, all cells are "no data"
} pc;

void main() {
  // Triangle strip corners (0,0) (1,0) (0,1) (1,1).
  vec2 corner = vec2(gl_VertexIndex & 1, gl_VertexIndex >> 1);
  vec2 cellInTile = corner * vec2(pc.tileSize);
  vec2 screen = (cellInTile - pc.center) * pc.zoom + 0.5 * pc.viewport;
  gl_Position = vec4(screen / pc.viewport * 2.0 - 1.0, 0.0, 1.0);
}
