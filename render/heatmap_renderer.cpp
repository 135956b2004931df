#include "render/heatmap_renderer.h"

#include "render/colormap.h"
#include "render/vulkan_error.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "shaders/heatmap.frag.h"
#include "shaders/heatmap.vert.h"

namespace ws::render {
namespace {

// Matches the push_constant block of heatmap.vert/.frag (std430 offsets).
struct PushConstants {
  float viewport[2];
  float center[2];
  float zoom;
  float rangeMin;
  float rangeScale;
  float rangeBias;
  int32_t tileOrigin[2];
  int32_t tileSize[2];
  int32_t lutRow;
  int32_t rangeValid;
};
static_assert(sizeof(PushConstants) == 56);

int lutRow(Colormap colormap) {
  return static_cast<int>(colormap);
}

} // namespace

HeatmapRenderer::HeatmapRenderer(const VulkanDevice& device, VkRenderPass renderPass,
                                 uint32_t framesInFlight, uint32_t maxTileSize)
    : m_dev(device), m_framesInFlight(std::max(framesInFlight, 1u)) {
  VkPhysicalDeviceProperties props;
  vkGetPhysicalDeviceProperties(m_dev.physicalDevice, &props);
  const uint32_t deviceLimit = props.limits.maxImageDimension2D;
  m_maxTileSize = maxTileSize == 0 ? deviceLimit : std::min(maxTileSize, deviceLimit);
  m_staging.resize(m_framesInFlight);
  try {
    createPipeline(renderPass);
    uploadLut();
  } catch (...) {
    release();
    throw;
  }
}

HeatmapRenderer::~HeatmapRenderer() {
  release();
}

void HeatmapRenderer::release() {
  VkDevice d = m_dev.device;
  destroyTiles();
  for (Buffer& b : m_staging) {
    destroyBuffer(d, b);
  }
  destroyTexture(d, m_lut);
  if (m_sampler != VK_NULL_HANDLE) {
    vkDestroySampler(d, m_sampler, nullptr);
    m_sampler = VK_NULL_HANDLE;
  }
  if (m_pipeline != VK_NULL_HANDLE) {
    vkDestroyPipeline(d, m_pipeline, nullptr);
    m_pipeline = VK_NULL_HANDLE;
  }
  if (m_pipelineLayout != VK_NULL_HANDLE) {
    vkDestroyPipelineLayout(d, m_pipelineLayout, nullptr);
    m_pipelineLayout = VK_NULL_HANDLE;
  }
  if (m_setLayout != VK_NULL_HANDLE) {
    vkDestroyDescriptorSetLayout(d, m_setLayout, nullptr);
    m_setLayout = VK_NULL_HANDLE;
  }
}

void HeatmapRenderer::createPipeline(VkRenderPass renderPass) {
  VkDevice d = m_dev.device;
  VkSamplerCreateInfo samplerInfo{VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO};
  samplerInfo.magFilter = VK_FILTER_NEAREST;
  samplerInfo.minFilter = VK_FILTER_NEAREST;
  samplerInfo.mipmapMode = VK_SAMPLER_MIPMAP_MODE_NEAREST;
  samplerInfo.addressModeU = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
  samplerInfo.addressModeV = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
  samplerInfo.addressModeW = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
  checkVk(vkCreateSampler(d, &samplerInfo, nullptr, &m_sampler), "vkCreateSampler");

  std::array<VkDescriptorSetLayoutBinding, 2> bindings{};
  for (uint32_t i = 0; i < bindings.size(); ++i) {
    bindings[i].binding = i;
    bindings[i].descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
    bindings[i].descriptorCount = 1;
    bindings[i].stageFlags = VK_SHADER_STAGE_FRAGMENT_BIT;
  }
  VkDescriptorSetLayoutCreateInfo setInfo{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  setInfo.bindingCount = uint32_t(bindings.size());
  setInfo.pBindings = bindings.data();
  checkVk(vkCreateDescriptorSetLayout(d, &setInfo, nullptr, &m_setLayout),
          "vkCreateDescriptorSetLayout");

  VkPushConstantRange range{VK_SHADER_STAGE_VERTEX_BIT | VK_SHADER_STAGE_FRAGMENT_BIT, 0,
                            sizeof(PushConstants)};
  VkPipelineLayoutCreateInfo layoutInfo{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  layoutInfo.setLayoutCount = 1;
  layoutInfo.pSetLayouts = &m_setLayout;
  layoutInfo.pushConstantRangeCount = 1;
  layoutInfo.pPushConstantRanges = &range;
  checkVk(vkCreatePipelineLayout(d, &layoutInfo, nullptr, &m_pipelineLayout),
          "vkCreatePipelineLayout");

  VkShaderModule vert = createShaderModule(d, heatmap_vert, sizeof(heatmap_vert));
  VkShaderModule frag = VK_NULL_HANDLE;
  try {
    frag = createShaderModule(d, heatmap_frag, sizeof(heatmap_frag));
  } catch (...) {
    vkDestroyShaderModule(d, vert, nullptr);
    throw;
  }

  // The no-data colour comes from colormap.h so the CPU and GPU agree.
  const std::array<float, 3> noData{kNoDataColour.r / 255.0f, kNoDataColour.g / 255.0f,
                                    kNoDataColour.b / 255.0f};
  std::array<VkSpecializationMapEntry, 3> specEntries{};
  for (uint32_t i = 0; i < 3; ++i) {
    specEntries[i] = {i, uint32_t(i * sizeof(float)), sizeof(float)};
  }
  VkSpecializationInfo spec{3, specEntries.data(), sizeof(noData), noData.data()};

  std::array<VkPipelineShaderStageCreateInfo, 2> stages{};
  stages[0].sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  stages[0].stage = VK_SHADER_STAGE_VERTEX_BIT;
  stages[0].module = vert;
  stages[0].pName = "main";
  stages[1].sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  stages[1].stage = VK_SHADER_STAGE_FRAGMENT_BIT;
  stages[1].module = frag;
  stages[1].pName = "main";
  stages[1].pSpecializationInfo = &spec;

  VkPipelineVertexInputStateCreateInfo vertexInput{
      VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO};
  VkPipelineInputAssemblyStateCreateInfo assembly{
      VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO};
  assembly.topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP;
  VkPipelineViewportStateCreateInfo viewport{VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO};
  viewport.viewportCount = 1;
  viewport.scissorCount = 1;
  VkPipelineRasterizationStateCreateInfo raster{
      VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO};
  raster.polygonMode = VK_POLYGON_MODE_FILL;
  raster.cullMode = VK_CULL_MODE_NONE;
  raster.frontFace = VK_FRONT_FACE_COUNTER_CLOCKWISE;
  raster.lineWidth = 1.0f;
  VkPipelineMultisampleStateCreateInfo multisample{
      VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO};
  multisample.rasterizationSamples = VK_SAMPLE_COUNT_1_BIT;
  // The window's render pass has a depth attachment; the heatmap ignores it.
  VkPipelineDepthStencilStateCreateInfo depth{
      VK_STRUCTURE_TYPE_PIPELINE_DEPTH_STENCIL_STATE_CREATE_INFO};
  VkPipelineColorBlendAttachmentState blendAttachment{};
  blendAttachment.colorWriteMask = VK_COLOR_COMPONENT_R_BIT | VK_COLOR_COMPONENT_G_BIT |
                                   VK_COLOR_COMPONENT_B_BIT | VK_COLOR_COMPONENT_A_BIT;
  VkPipelineColorBlendStateCreateInfo blend{
      VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO};
  blend.attachmentCount = 1;
  blend.pAttachments = &blendAttachment;
  const std::array<VkDynamicState, 2> dynamicStates{VK_DYNAMIC_STATE_VIEWPORT,
                                                    VK_DYNAMIC_STATE_SCISSOR};
  VkPipelineDynamicStateCreateInfo dynamic{VK_STRUCTURE_TYPE_PIPELINE_DYNAMIC_STATE_CREATE_INFO};
  dynamic.dynamicStateCount = uint32_t(dynamicStates.size());
  dynamic.pDynamicStates = dynamicStates.data();

  VkGraphicsPipelineCreateInfo info{VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO};
  info.stageCount = uint32_t(stages.size());
  info.pStages = stages.data();
  info.pVertexInputState = &vertexInput;
  info.pInputAssemblyState = &assembly;
  info.pViewportState = &viewport;
  info.pRasterizationState = &raster;
  info.pMultisampleState = &multisample;
  info.pDepthStencilState = &depth;
  info.pColorBlendState = &blend;
  info.pDynamicState = &dynamic;
  info.layout = m_pipelineLayout;
  info.renderPass = renderPass;
  info.subpass = 0;
  const VkResult result =
      vkCreateGraphicsPipelines(d, VK_NULL_HANDLE, 1, &info, nullptr, &m_pipeline);
  vkDestroyShaderModule(d, vert, nullptr);
  vkDestroyShaderModule(d, frag, nullptr);
  checkVk(result, "vkCreateGraphicsPipelines");
}

void HeatmapRenderer::uploadLut() {
  m_lut = createTexture(m_dev, VK_FORMAT_R8G8B8A8_UNORM, kColormapLutSize, kColormapCount,
                        VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT);
  Buffer staging = createHostBuffer(m_dev, VkDeviceSize(kColormapLutSize) * kColormapCount * 4,
                                    VK_BUFFER_USAGE_TRANSFER_SRC_BIT);
  auto* dst = static_cast<uint8_t*>(staging.mapped);
  for (Colormap c : {Colormap::Viridis, Colormap::Magma, Colormap::Diverging}) {
    const ColormapLut lut = colormapLut(c);
    std::memcpy(dst + size_t(lutRow(c)) * kColormapLutSize * 4, lut.data(), sizeof(lut));
  }
  static_assert(sizeof(ColormapLut) == kColormapLutSize * 4);
  try {
    submitOnce(m_dev, [&](VkCommandBuffer cmd) {
      imageBarrier(cmd, m_lut.image, VK_IMAGE_LAYOUT_UNDEFINED,
                   VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, 0,
                   VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
      VkBufferImageCopy region{};
      region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
      region.imageExtent = {kColormapLutSize, kColormapCount, 1};
      vkCmdCopyBufferToImage(cmd, staging.buffer, m_lut.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                             1, &region);
      imageBarrier(cmd, m_lut.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                   VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL, VK_PIPELINE_STAGE_TRANSFER_BIT,
                   VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT,
                   VK_ACCESS_SHADER_READ_BIT);
    });
  } catch (...) {
    destroyBuffer(m_dev.device, staging);
    throw;
  }
  destroyBuffer(m_dev.device, staging);
}

void HeatmapRenderer::setField(Field field) {
  setField(std::make_shared<const Field>(std::move(field)));
}

void HeatmapRenderer::setField(std::shared_ptr<const Field> field) {
  validateField(*field);
  m_range = resolveRange(m_style.range, *field);
  m_field = std::move(field);
  m_uploadPending = true;
}

void HeatmapRenderer::setStyle(const HeatmapStyle& style) {
  if (!(style.range == m_style.range)) {
    m_range = resolveRange(style.range, *m_field); // one pass over the field, only on a change
  }
  m_style = style;
}

void HeatmapRenderer::destroyTiles() {
  for (Tile& t : m_tiles) {
    destroyTexture(m_dev.device, t.texture);
  }
  m_tiles.clear();
  if (m_descriptorPool != VK_NULL_HANDLE) {
    vkDestroyDescriptorPool(m_dev.device, m_descriptorPool, nullptr);
    m_descriptorPool = VK_NULL_HANDLE;
  }
  m_tilesWidth = 0;
  m_tilesHeight = 0;
}

void HeatmapRenderer::rebuildTiles() {
  // A new field size is rare (a new chip), not per frame: waiting for the
  // frames in flight that still sample the old tiles is acceptable here.
  checkVk(vkDeviceWaitIdle(m_dev.device), "vkDeviceWaitIdle");
  destroyTiles();
  const VkDeviceSize bytes = VkDeviceSize(m_field->width) * m_field->height * sizeof(float);
  for (Buffer& b : m_staging) {
    if (b.size < bytes) {
      destroyBuffer(m_dev.device, b);
      b = createHostBuffer(m_dev, bytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT);
    }
  }
  for (uint32_t y = 0; y < m_field->height; y += m_maxTileSize) {
    for (uint32_t x = 0; x < m_field->width; x += m_maxTileSize) {
      Tile tile;
      tile.x = x;
      tile.y = y;
      tile.texture =
          createTexture(m_dev, VK_FORMAT_R32_SFLOAT, std::min(m_maxTileSize, m_field->width - x),
                        std::min(m_maxTileSize, m_field->height - y),
                        VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT);
      m_tiles.push_back(tile);
    }
  }
  m_tilesWidth = m_field->width;
  m_tilesHeight = m_field->height;
  if (m_tiles.empty()) {
    return; // an empty field draws nothing
  }

  const auto setCount = uint32_t(m_tiles.size());
  VkDescriptorPoolSize poolSize{VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 2 * setCount};
  VkDescriptorPoolCreateInfo poolInfo{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  poolInfo.maxSets = setCount;
  poolInfo.poolSizeCount = 1;
  poolInfo.pPoolSizes = &poolSize;
  checkVk(vkCreateDescriptorPool(m_dev.device, &poolInfo, nullptr, &m_descriptorPool),
          "vkCreateDescriptorPool");
  for (Tile& tile : m_tiles) {
    VkDescriptorSetAllocateInfo alloc{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    alloc.descriptorPool = m_descriptorPool;
    alloc.descriptorSetCount = 1;
    alloc.pSetLayouts = &m_setLayout;
    checkVk(vkAllocateDescriptorSets(m_dev.device, &alloc, &tile.descriptorSet),
            "vkAllocateDescriptorSets");
    const std::array<VkDescriptorImageInfo, 2> images{
        VkDescriptorImageInfo{m_sampler, tile.texture.view,
                              VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL},
        VkDescriptorImageInfo{m_sampler, m_lut.view, VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL}};
    std::array<VkWriteDescriptorSet, 2> writes{};
    for (uint32_t i = 0; i < 2; ++i) {
      writes[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
      writes[i].dstSet = tile.descriptorSet;
      writes[i].dstBinding = i;
      writes[i].descriptorCount = 1;
      writes[i].descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
      writes[i].pImageInfo = &images[i];
    }
    vkUpdateDescriptorSets(m_dev.device, uint32_t(writes.size()), writes.data(), 0, nullptr);
  }
}

void HeatmapRenderer::recordUploads(VkCommandBuffer cmd, uint32_t frameSlot) {
  if (!m_uploadPending) {
    return;
  }
  m_uploadPending = false;
  if (m_field->width != m_tilesWidth || m_field->height != m_tilesHeight) {
    rebuildTiles();
  }
  if (m_tiles.empty()) {
    return;
  }
  Buffer& staging = m_staging[frameSlot % m_framesInFlight];
  std::memcpy(staging.mapped, m_field->values.data(), m_field->values.size() * sizeof(float));
  for (Tile& tile : m_tiles) {
    // Earlier frames' shader reads must finish before the copy overwrites the tile.
    imageBarrier(cmd, tile.texture.image,
                 tile.initialised ? VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL
                                  : VK_IMAGE_LAYOUT_UNDEFINED,
                 VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT, 0,
                 VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
    VkBufferImageCopy region{};
    region.bufferOffset = (VkDeviceSize(tile.y) * m_field->width + tile.x) * sizeof(float);
    region.bufferRowLength = m_field->width;
    region.bufferImageHeight = m_field->height;
    region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    region.imageExtent = {tile.texture.width, tile.texture.height, 1};
    vkCmdCopyBufferToImage(cmd, staging.buffer, tile.texture.image,
                           VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
    imageBarrier(cmd, tile.texture.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                 VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL, VK_PIPELINE_STAGE_TRANSFER_BIT,
                 VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT,
                 VK_ACCESS_SHADER_READ_BIT);
    tile.initialised = true;
  }
}

void HeatmapRenderer::recordDraw(VkCommandBuffer cmd, const Camera& camera) const {
  if (m_tiles.empty()) {
    return;
  }
  const glm::dvec2 vp = camera.viewport();
  VkViewport viewport{0.0f, 0.0f, float(vp.x), float(vp.y), 0.0f, 1.0f};
  VkRect2D scissor{{0, 0}, {uint32_t(vp.x), uint32_t(vp.y)}};
  vkCmdSetViewport(cmd, 0, 1, &viewport);
  vkCmdSetScissor(cmd, 0, 1, &scissor);
  vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, m_pipeline);

  PushConstants pc{};
  pc.viewport[0] = float(vp.x);
  pc.viewport[1] = float(vp.y);
  pc.zoom = float(camera.zoom());
  pc.lutRow = lutRow(m_style.colormap);
  pc.rangeValid = m_range.valid ? 1 : 0;
  pc.rangeMin = m_range.min;
  if (m_range.max > m_range.min) {
    pc.rangeScale = 1.0f / (m_range.max - m_range.min);
    pc.rangeBias = 0.0f;
  } else {
    pc.rangeScale = 0.0f;
    pc.rangeBias = 0.5f;
  }
  for (const Tile& tile : m_tiles) {
    // The centre relative to the tile, subtracted in double: floats keep
    // sub-pixel precision at any zoom and cell coordinate.
    pc.center[0] = float(camera.center().x - double(tile.x));
    pc.center[1] = float(camera.center().y - double(tile.y));
    pc.tileOrigin[0] = int32_t(tile.x);
    pc.tileOrigin[1] = int32_t(tile.y);
    pc.tileSize[0] = int32_t(tile.texture.width);
    pc.tileSize[1] = int32_t(tile.texture.height);
    vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, m_pipelineLayout, 0, 1,
                            &tile.descriptorSet, 0, nullptr);
    vkCmdPushConstants(cmd, m_pipelineLayout,
                       VK_SHADER_STAGE_VERTEX_BIT | VK_SHADER_STAGE_FRAGMENT_BIT, 0, sizeof(pc),
                       &pc);
    vkCmdDraw(cmd, 4, 1, 0, 0);
  }
}

} // namespace ws::render
