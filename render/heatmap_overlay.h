#pragma once
// Dear ImGui layer drawn over the heatmap on both paths: die grid lines,
// labelled region outlines, selection box, title, colour legend (range and
// units), inspector for the hovered cell and frame time. Everything is drawn
// through ImGui draw lists, so a single frame is complete (off-screen PNGs).
//
// Each overlay owns its ImGui context; the methods make it current under a
// process-wide lock, so several overlays (window and PNG export) coexist, on
// one thread or several.
#include "render/camera.h"
#include "render/field.h"
#include "render/vulkan_device.h"

#include <glm/vec2.hpp>

#include <optional>
#include <string>

struct ImGuiContext;

namespace ws::render {

struct OverlayFrame {
  const Field* field = nullptr;
  const FieldOverlays* overlays = nullptr;
  const HeatmapStyle* style = nullptr;
  const ResolvedRange* range = nullptr;
  const Camera* camera = nullptr;
  std::optional<glm::ivec2> hoveredCell; // inspector shown when set
  std::string inspectorText;             // caller-supplied lines for the hovered cell
  double frameMs = -1.0;                 // shown when >= 0
};

// Mouse state for ImGui, in framebuffer pixels.
struct OverlayInput {
  glm::dvec2 mousePx{-1.0, -1.0};
  bool mouseDown[3] = {false, false, false};
  float wheel = 0.0f;
};

class HeatmapOverlay {
public:
  // imageCount: frames whose ImGui buffers may be in use at once (>= frames in flight).
  HeatmapOverlay(const VulkanDevice& device, VkRenderPass renderPass, uint32_t imageCount);
  ~HeatmapOverlay();
  HeatmapOverlay(const HeatmapOverlay&) = delete;
  HeatmapOverlay& operator=(const HeatmapOverlay&) = delete;

  void setInput(const OverlayInput& input);
  // Builds this frame's draw lists; then recordDraw inside the render pass.
  void build(const OverlayFrame& frame);
  void recordDraw(VkCommandBuffer cmd);

  // Height of the legend strip at the bottom of the viewport (0 without legend).
  static double legendHeight(const HeatmapStyle& style);
  // Fits the field into the viewport above the legend strip.
  static void fitCamera(Camera& camera, uint32_t fieldWidth, uint32_t fieldHeight,
                        const HeatmapStyle& style);
  // Fits the cells of `rect` into the same space.
  static void fitCamera(Camera& camera, const CellRect& rect, const HeatmapStyle& style);

private:
  ImGuiContext* m_context = nullptr;
  bool m_backendReady = false;
  VkDevice m_device = VK_NULL_HANDLE;
  VkDescriptorPool m_descriptorPool = VK_NULL_HANDLE;
  void release();
};

} // namespace ws::render
