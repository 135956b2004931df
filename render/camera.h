#pragma once
// 2-D camera over a field: screen pixels <-> cell coordinates.
//
// Conventions: screen pixel (i, j) covers [i, i+1) x [j, j+1) with y down;
// cell (x, y) covers [x, x+1) x [y, y+1) in cell space. The shader samples
// each pixel at its centre (i + 0.5, j + 0.5) with the same transform, so
// pickCell(i + 0.5, j + 0.5) is the cell drawn at pixel (i, j).
#include <glm/vec2.hpp>

#include <cstdint>
#include <optional>

namespace ws::render {

class Camera {
public:
  static constexpr double kMinZoom = 1.0 / 4096.0; // pixels per cell
  static constexpr double kMaxZoom = 1024.0;

  Camera() = default;
  Camera(glm::dvec2 viewportPx, glm::dvec2 centerCell, double pixelsPerCell);

  void setViewport(glm::dvec2 sizePx) { m_viewport = sizePx; }
  glm::dvec2 viewport() const { return m_viewport; }
  void setCenter(glm::dvec2 cell) { m_center = cell; }
  glm::dvec2 center() const { return m_center; }
  // Clamped to [kMinZoom, kMaxZoom].
  void setZoom(double pixelsPerCell);
  double zoom() const { return m_zoom; }

  // Whole field visible and centred, with marginPx kept free on every side.
  void fitToView(uint32_t fieldWidth, uint32_t fieldHeight, double marginPx = 0.0);
  // Whole field visible and centred inside the screen rectangle [rectMin, rectMax).
  void fitToRect(uint32_t fieldWidth, uint32_t fieldHeight, glm::dvec2 rectMin, glm::dvec2 rectMax);
  // The cells [cellMin, cellMax) visible and centred inside the screen
  // rectangle [rectMin, rectMax) (a part of the field: the used region).
  void fitCellsToRect(glm::dvec2 cellMin, glm::dvec2 cellMax, glm::dvec2 rectMin,
                      glm::dvec2 rectMax);
  // Moves the content by deltaPx on screen (drag).
  void panByPixels(glm::dvec2 deltaPx);
  // Multiplies the zoom by factor keeping the cell under screenPx fixed.
  void zoomAt(glm::dvec2 screenPx, double factor);

  glm::dvec2 screenToCell(glm::dvec2 screenPx) const;
  glm::dvec2 cellToScreen(glm::dvec2 cell) const;
  // The cell containing screenPx, or nothing outside the field.
  std::optional<glm::ivec2> pickCell(glm::dvec2 screenPx, uint32_t fieldWidth,
                                     uint32_t fieldHeight) const;

private:
  glm::dvec2 m_viewport{1.0, 1.0};
  glm::dvec2 m_center{0.0, 0.0};
  double m_zoom = 1.0;
};

} // namespace ws::render
