#include "render/camera.h"

#include <glm/common.hpp>

#include <algorithm>
#include <cmath>

namespace ws::render {

Camera::Camera(glm::dvec2 viewportPx, glm::dvec2 centerCell, double pixelsPerCell)
    : m_viewport(viewportPx), m_center(centerCell) {
  setZoom(pixelsPerCell);
}

void Camera::setZoom(double pixelsPerCell) {
  m_zoom = std::clamp(pixelsPerCell, kMinZoom, kMaxZoom);
}

void Camera::fitToView(uint32_t fieldWidth, uint32_t fieldHeight, double marginPx) {
  fitToRect(fieldWidth, fieldHeight, glm::dvec2(marginPx), m_viewport - marginPx);
}

void Camera::fitToRect(uint32_t fieldWidth, uint32_t fieldHeight, glm::dvec2 rectMin,
                       glm::dvec2 rectMax) {
  fitCellsToRect({0.0, 0.0}, {double(fieldWidth), double(fieldHeight)}, rectMin, rectMax);
}

void Camera::fitCellsToRect(glm::dvec2 cellMin, glm::dvec2 cellMax, glm::dvec2 rectMin,
                            glm::dvec2 rectMax) {
  const glm::dvec2 cells = cellMax - cellMin;
  if (cells.x <= 0.0 || cells.y <= 0.0) {
    m_center = {0.0, 0.0};
    setZoom(1.0);
    return;
  }
  const glm::dvec2 usable = glm::max(rectMax - rectMin, glm::dvec2(1.0));
  setZoom(std::min(usable.x / cells.x, usable.y / cells.y));
  // The cells' centre goes to the rectangle centre.
  const glm::dvec2 rectCenter = (rectMin + rectMax) * 0.5;
  m_center = (cellMin + cellMax) * 0.5 - (rectCenter - m_viewport * 0.5) / m_zoom;
}

void Camera::panByPixels(glm::dvec2 deltaPx) {
  m_center -= deltaPx / m_zoom;
}

void Camera::zoomAt(glm::dvec2 screenPx, double factor) {
  const glm::dvec2 anchor = screenToCell(screenPx);
  setZoom(m_zoom * factor);
  // Keep `anchor` under the cursor: screenPx = (anchor - center) * zoom + viewport / 2.
  m_center = anchor - (screenPx - m_viewport * 0.5) / m_zoom;
}

glm::dvec2 Camera::screenToCell(glm::dvec2 screenPx) const {
  return (screenPx - m_viewport * 0.5) / m_zoom + m_center;
}

glm::dvec2 Camera::cellToScreen(glm::dvec2 cell) const {
  return (cell - m_center) * m_zoom + m_viewport * 0.5;
}

std::optional<glm::ivec2> Camera::pickCell(glm::dvec2 screenPx, uint32_t fieldWidth,
                                           uint32_t fieldHeight) const {
  const glm::dvec2 cell = glm::floor(screenToCell(screenPx));
  if (cell.x < 0.0 || cell.y < 0.0 || cell.x >= double(fieldWidth) ||
      cell.y >= double(fieldHeight)) {
    return std::nullopt;
  }
  return glm::ivec2(int(cell.x), int(cell.y));
}

} // namespace ws::render
