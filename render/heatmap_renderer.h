#pragma once
// The heatmap pipeline: the field as R32F texture tiles coloured through a
// colormap LUT. Device-agnostic: the owner supplies device, queue and render
// pass (off-screen renderer or QVulkanWindow) and records the frames.
//
// Per frame, with frameSlot in [0, framesInFlight) and that slot's previous
// submission complete (its fence waited):
//   recordUploads(cmd, slot)   outside the render pass: copies a new field
//                              through the slot's staging buffer
//   recordDraw(cmd, camera)    inside the render pass
// Uploads are ordered by barriers inside the command buffers, so a new field
// every frame never waits for the GPU.
#include "render/camera.h"
#include "render/field.h"
#include "render/vulkan_device.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace ws::render {

class HeatmapRenderer {
public:
  // maxTileSize 0 = the device's maxImageDimension2D.
  HeatmapRenderer(const VulkanDevice& device, VkRenderPass renderPass, uint32_t framesInFlight,
                  uint32_t maxTileSize = 0);
  ~HeatmapRenderer();
  HeatmapRenderer(const HeatmapRenderer&) = delete;
  HeatmapRenderer& operator=(const HeatmapRenderer&) = delete;

  // Latest field wins. Throws std::invalid_argument for a malformed field.
  // The shared overload keeps the caller's values without a copy (the GUI's
  // frames): the only copy left is into the staging buffer.
  void setField(Field field);
  void setField(std::shared_ptr<const Field> field);
  const Field& field() const { return *m_field; }
  const std::shared_ptr<const Field>& sharedField() const { return m_field; }
  // Throws std::invalid_argument for a non-finite or reversed fixed range.
  void setStyle(const HeatmapStyle& style);
  const HeatmapStyle& style() const { return m_style; }
  const ResolvedRange& range() const { return m_range; }

  void recordUploads(VkCommandBuffer cmd, uint32_t frameSlot);
  void recordDraw(VkCommandBuffer cmd, const Camera& camera) const;

private:
  struct Tile {
    Texture texture;
    uint32_t x = 0;
    uint32_t y = 0;
    VkDescriptorSet descriptorSet = VK_NULL_HANDLE;
    bool initialised = false; // layout is SHADER_READ_ONLY after the first upload
  };

  void createPipeline(VkRenderPass renderPass);
  void uploadLut();
  void rebuildTiles();
  void destroyTiles();
  void release(); // idempotent

  VulkanDevice m_dev;
  uint32_t m_framesInFlight;
  uint32_t m_maxTileSize;
  VkDescriptorSetLayout m_setLayout = VK_NULL_HANDLE;
  VkPipelineLayout m_pipelineLayout = VK_NULL_HANDLE;
  VkPipeline m_pipeline = VK_NULL_HANDLE;
  VkSampler m_sampler = VK_NULL_HANDLE;
  Texture m_lut;
  VkDescriptorPool m_descriptorPool = VK_NULL_HANDLE;
  std::vector<Tile> m_tiles;
  uint32_t m_tilesWidth = 0;
  uint32_t m_tilesHeight = 0;
  std::vector<Buffer> m_staging; // one per frame slot

  std::shared_ptr<const Field> m_field = std::make_shared<const Field>(); // never null
  bool m_uploadPending = false;
  HeatmapStyle m_style;
  ResolvedRange m_range;
};

} // namespace ws::render
