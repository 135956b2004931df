#include "render/vulkan_device.h"

#include "render/vulkan_error.h"

namespace ws::render {
namespace {

uint32_t findMemoryType(VkPhysicalDevice physicalDevice, uint32_t typeBits,
                        VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred) {
  VkPhysicalDeviceMemoryProperties props;
  vkGetPhysicalDeviceMemoryProperties(physicalDevice, &props);
  for (VkMemoryPropertyFlags wanted : {required | preferred, required}) {
    for (uint32_t i = 0; i < props.memoryTypeCount; ++i) {
      if ((typeBits & (1u << i)) != 0 && (props.memoryTypes[i].propertyFlags & wanted) == wanted) {
        return i;
      }
    }
  }
  throw VulkanError("Vulkan: no suitable memory type on this device");
}

VkDeviceMemory allocate(const VulkanDevice& dev, const VkMemoryRequirements& req,
                        VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred) {
  VkMemoryAllocateInfo info{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  info.allocationSize = req.size;
  info.memoryTypeIndex =
      findMemoryType(dev.physicalDevice, req.memoryTypeBits, required, preferred);
  VkDeviceMemory memory = VK_NULL_HANDLE;
  checkVk(vkAllocateMemory(dev.device, &info, nullptr, &memory), "vkAllocateMemory");
  return memory;
}

} // namespace

Buffer createHostBuffer(const VulkanDevice& dev, VkDeviceSize size, VkBufferUsageFlags usage,
                        bool cached) {
  Buffer buffer;
  buffer.size = size;
  VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.size = size;
  info.usage = usage;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  checkVk(vkCreateBuffer(dev.device, &info, nullptr, &buffer.buffer), "vkCreateBuffer");
  try {
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(dev.device, buffer.buffer, &req);
    buffer.memory = allocate(
        dev, req, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
        cached ? VK_MEMORY_PROPERTY_HOST_CACHED_BIT : 0);
    checkVk(vkBindBufferMemory(dev.device, buffer.buffer, buffer.memory, 0), "vkBindBufferMemory");
    checkVk(vkMapMemory(dev.device, buffer.memory, 0, VK_WHOLE_SIZE, 0, &buffer.mapped),
            "vkMapMemory");
  } catch (...) {
    destroyBuffer(dev.device, buffer);
    throw;
  }
  return buffer;
}

void destroyBuffer(VkDevice device, Buffer& buffer) {
  if (buffer.buffer != VK_NULL_HANDLE) {
    vkDestroyBuffer(device, buffer.buffer, nullptr);
  }
  if (buffer.memory != VK_NULL_HANDLE) {
    vkFreeMemory(device, buffer.memory, nullptr); // unmaps implicitly
  }
  buffer = {};
}

Texture createTexture(const VulkanDevice& dev, VkFormat format, uint32_t width, uint32_t height,
                      VkImageUsageFlags usage) {
  Texture tex;
  tex.width = width;
  tex.height = height;
  VkImageCreateInfo info{VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO};
  info.imageType = VK_IMAGE_TYPE_2D;
  info.format = format;
  info.extent = {width, height, 1};
  info.mipLevels = 1;
  info.arrayLayers = 1;
  info.samples = VK_SAMPLE_COUNT_1_BIT;
  info.tiling = VK_IMAGE_TILING_OPTIMAL;
  info.usage = usage;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  info.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
  checkVk(vkCreateImage(dev.device, &info, nullptr, &tex.image), "vkCreateImage");
  try {
    VkMemoryRequirements req;
    vkGetImageMemoryRequirements(dev.device, tex.image, &req);
    tex.memory = allocate(dev, req, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
    checkVk(vkBindImageMemory(dev.device, tex.image, tex.memory, 0), "vkBindImageMemory");
    VkImageViewCreateInfo view{VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO};
    view.image = tex.image;
    view.viewType = VK_IMAGE_VIEW_TYPE_2D;
    view.format = format;
    view.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    checkVk(vkCreateImageView(dev.device, &view, nullptr, &tex.view), "vkCreateImageView");
  } catch (...) {
    destroyTexture(dev.device, tex);
    throw;
  }
  return tex;
}

void destroyTexture(VkDevice device, Texture& texture) {
  if (texture.view != VK_NULL_HANDLE) {
    vkDestroyImageView(device, texture.view, nullptr);
  }
  if (texture.image != VK_NULL_HANDLE) {
    vkDestroyImage(device, texture.image, nullptr);
  }
  if (texture.memory != VK_NULL_HANDLE) {
    vkFreeMemory(device, texture.memory, nullptr);
  }
  texture = {};
}

void submitOnce(const VulkanDevice& dev, const std::function<void(VkCommandBuffer)>& record) {
  VkCommandPoolCreateInfo poolInfo{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  poolInfo.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT;
  poolInfo.queueFamilyIndex = dev.queueFamily;
  VkCommandPool pool = VK_NULL_HANDLE;
  checkVk(vkCreateCommandPool(dev.device, &poolInfo, nullptr, &pool), "vkCreateCommandPool");
  VkFence fence = VK_NULL_HANDLE;
  auto cleanup = [&] {
    if (fence != VK_NULL_HANDLE) {
      vkDestroyFence(dev.device, fence, nullptr);
    }
    vkDestroyCommandPool(dev.device, pool, nullptr);
  };
  try {
    VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    alloc.commandPool = pool;
    alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    alloc.commandBufferCount = 1;
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    checkVk(vkAllocateCommandBuffers(dev.device, &alloc, &cmd), "vkAllocateCommandBuffers");
    VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    checkVk(vkBeginCommandBuffer(cmd, &begin), "vkBeginCommandBuffer");
    record(cmd);
    checkVk(vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
    VkFenceCreateInfo fenceInfo{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    checkVk(vkCreateFence(dev.device, &fenceInfo, nullptr, &fence), "vkCreateFence");
    VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &cmd;
    checkVk(vkQueueSubmit(dev.queue, 1, &submit, fence), "vkQueueSubmit");
    checkVk(vkWaitForFences(dev.device, 1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
  } catch (...) {
    cleanup();
    throw;
  }
  cleanup();
}

void imageBarrier(VkCommandBuffer cmd, VkImage image, VkImageLayout oldLayout,
                  VkImageLayout newLayout, VkPipelineStageFlags srcStage, VkAccessFlags srcAccess,
                  VkPipelineStageFlags dstStage, VkAccessFlags dstAccess) {
  VkImageMemoryBarrier barrier{VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER};
  barrier.srcAccessMask = srcAccess;
  barrier.dstAccessMask = dstAccess;
  barrier.oldLayout = oldLayout;
  barrier.newLayout = newLayout;
  barrier.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.image = image;
  barrier.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
  vkCmdPipelineBarrier(cmd, srcStage, dstStage, 0, 0, nullptr, 0, nullptr, 1, &barrier);
}

VkShaderModule createShaderModule(VkDevice device, const uint32_t* code, size_t bytes) {
  VkShaderModuleCreateInfo info{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  info.codeSize = bytes;
  info.pCode = code;
  VkShaderModule module = VK_NULL_HANDLE;
  checkVk(vkCreateShaderModule(device, &info, nullptr, &module), "vkCreateShaderModule");
  return module;
}

} // namespace ws::render
