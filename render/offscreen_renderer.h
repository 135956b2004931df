#pragma once
// Off-screen path: no window, no Qt. Creates its own Vulkan instance and
// device (honours VK_DRIVER_FILES), draws with the same HeatmapRenderer and
// overlay as the window, and reads the result back as RGBA8.
//
//   OffscreenRenderer r(1280, 800);
//   Image img = r.render(field, overlays, HeatmapStyle{Colormap::Magma, ...});
//   writePng(img, "heatmap.png");
//
// Validation: VK_LAYER_KHRONOS_validation is enabled when
// WS_VULKAN_VALIDATION=1 (an error if the layer is missing) or in Debug
// builds (when installed); every warning or error it reports is counted.
#include "render/camera.h"
#include "render/field.h"
#include "render/image.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ws::render {

struct OffscreenOptions {
  // Largest texture side used for the field; 0 = the device limit
  // (maxImageDimension2D). Smaller values force tiling (tests).
  uint32_t maxTileSize = 0;
};

class OffscreenRenderer {
public:
  // Throws VulkanError when no Vulkan driver or device is available.
  OffscreenRenderer(uint32_t width, uint32_t height, OffscreenOptions options = {});
  ~OffscreenRenderer();
  OffscreenRenderer(const OffscreenRenderer&) = delete;
  OffscreenRenderer& operator=(const OffscreenRenderer&) = delete;

  // Draws one frame and reads it back. Without a camera the field is fitted
  // to the image. Throws std::invalid_argument for a malformed field.
  Image render(const Field& field, const FieldOverlays& overlays, const HeatmapStyle& style,
               std::optional<Camera> camera = {});
  // The same without copying the values (the renderer keeps the field until
  // the next one).
  Image render(std::shared_ptr<const Field> field, const FieldOverlays& overlays,
               const HeatmapStyle& style, std::optional<Camera> camera = {});

  // Benchmark path: uploads the field and draws one frame without reading it
  // back; up to two frames are in flight. finish() waits for all of them.
  void renderFrame(const Field& field, const FieldOverlays& overlays, const HeatmapStyle& style,
                   std::optional<Camera> camera = {});
  void renderFrame(std::shared_ptr<const Field> field, const FieldOverlays& overlays,
                   const HeatmapStyle& style, std::optional<Camera> camera = {});
  void finish();

  uint32_t width() const;
  uint32_t height() const;
  std::string deviceName() const;
  // Largest field texture side the device accepts (maxImageDimension2D).
  uint32_t maxTextureSize() const;
  bool validationEnabled() const;
  // Warnings and errors reported by the validation layer since construction.
  uint32_t validationMessageCount() const;
  std::vector<std::string> validationMessages() const;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace ws::render
