#pragma once
// The device a renderer draws with, supplied by its owner (the off-screen
// renderer or QVulkanWindow), and small helpers for buffers and images.
#include <vulkan/vulkan.h>

#include <cstdint>
#include <functional>

namespace ws::render {

struct VulkanDevice {
  VkInstance instance = VK_NULL_HANDLE;
  VkPhysicalDevice physicalDevice = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  uint32_t queueFamily = 0;
  VkQueue queue = VK_NULL_HANDLE;
};

struct Buffer {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize size = 0;
  void* mapped = nullptr; // persistently mapped when host visible
};

struct Texture {
  VkImage image = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkImageView view = VK_NULL_HANDLE;
  uint32_t width = 0;
  uint32_t height = 0;
};

// Host-visible buffers are coherent and mapped; `cached` prefers cached memory (readback).
Buffer createHostBuffer(const VulkanDevice& dev, VkDeviceSize size, VkBufferUsageFlags usage,
                        bool cached = false);
void destroyBuffer(VkDevice device, Buffer& buffer);

Texture createTexture(const VulkanDevice& dev, VkFormat format, uint32_t width, uint32_t height,
                      VkImageUsageFlags usage);
void destroyTexture(VkDevice device, Texture& texture);

// Records with `record` into a one-time command buffer, submits and waits.
// For set-up only (LUT and font uploads), never per frame.
void submitOnce(const VulkanDevice& dev, const std::function<void(VkCommandBuffer)>& record);

// Layout transition of a whole colour image.
void imageBarrier(VkCommandBuffer cmd, VkImage image, VkImageLayout oldLayout,
                  VkImageLayout newLayout, VkPipelineStageFlags srcStage, VkAccessFlags srcAccess,
                  VkPipelineStageFlags dstStage, VkAccessFlags dstAccess);

VkShaderModule createShaderModule(VkDevice device, const uint32_t* code, size_t bytes);

} // namespace ws::render
