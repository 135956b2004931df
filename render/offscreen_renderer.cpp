#include "render/offscreen_renderer.h"

#include "render/colormap.h"
#include "render/heatmap_overlay.h"
#include "render/heatmap_renderer.h"
#include "render/vulkan_error.h"

#include <fmt/format.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <stdexcept>

namespace ws::render {
namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";
constexpr uint32_t kFramesInFlight = 2;
// ImGui's per-frame buffers are reused after this many frames (> frames in flight).
constexpr uint32_t kOverlayImageCount = kFramesInFlight + 1;
constexpr VkFormat kColourFormat = VK_FORMAT_R8G8B8A8_UNORM;

bool validationRequested() {
  const char* env = std::getenv("WS_VULKAN_VALIDATION");
  if (env != nullptr) {
    return std::string(env) == "1";
  }
#ifdef NDEBUG
  return false;
#else
  return true;
#endif
}

bool layerAvailable(const char* name) {
  uint32_t count = 0;
  vkEnumerateInstanceLayerProperties(&count, nullptr);
  std::vector<VkLayerProperties> layers(count);
  vkEnumerateInstanceLayerProperties(&count, layers.data());
  for (const VkLayerProperties& l : layers) {
    if (std::strcmp(l.layerName, name) == 0) {
      return true;
    }
  }
  return false;
}

const char* noDriverHint() {
  return "install a Vulkan driver (e.g. mesa-vulkan-drivers) or check VK_DRIVER_FILES / "
         "VK_ICD_FILENAMES";
}

} // namespace

struct OffscreenRenderer::Impl {
  uint32_t width;
  uint32_t height;

  VulkanDevice dev;
  VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
  bool validation = false;
  mutable std::mutex messagesMutex;
  std::vector<std::string> messages;
  std::string deviceName;
  uint32_t maxTexture = 0;

  Texture colour;
  VkRenderPass renderPass = VK_NULL_HANDLE;
  VkFramebuffer framebuffer = VK_NULL_HANDLE;
  VkCommandPool commandPool = VK_NULL_HANDLE;
  std::array<VkCommandBuffer, kFramesInFlight> commandBuffers{};
  std::array<VkFence, kFramesInFlight> fences{};
  Buffer readback;
  uint64_t frameIndex = 0;

  std::unique_ptr<HeatmapRenderer> heatmap;
  std::unique_ptr<HeatmapOverlay> overlay;

  static VKAPI_ATTR VkBool32 VKAPI_CALL onMessage(VkDebugUtilsMessageSeverityFlagBitsEXT,
                                                  VkDebugUtilsMessageTypeFlagsEXT type,
                                                  const VkDebugUtilsMessengerCallbackDataEXT* data,
                                                  void* user) {
    auto* self = static_cast<Impl*>(user);
    const std::string text = data->pMessage != nullptr ? data->pMessage : "(no message)";
    // Loader chatter (general messages, e.g. while no driver is found) is
    // counted but not printed, so failures stay one line.
    if ((type & VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT) == 0) {
      std::cerr << "vulkan validation: " << text << '\n';
    }
    std::lock_guard lock(self->messagesMutex);
    self->messages.push_back(text);
    return VK_FALSE;
  }

  void createInstance() {
    validation = validationRequested();
    if (validation && !layerAvailable(kValidationLayer)) {
      if (std::getenv("WS_VULKAN_VALIDATION") != nullptr) {
        throw VulkanError(fmt::format("Vulkan: WS_VULKAN_VALIDATION=1 but {} is not installed "
                                      "(apt install vulkan-validationlayers)",
                                      kValidationLayer));
      }
      validation = false; // Debug build without the layer: run unvalidated
    }
    VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = "waferscope";
    app.apiVersion = VK_API_VERSION_1_1;
    VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    info.pApplicationInfo = &app;
    const char* layer = kValidationLayer;
    const char* extension = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
    VkDebugUtilsMessengerCreateInfoEXT messengerInfo{
        VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
    messengerInfo.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                                    VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    messengerInfo.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                                VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                                VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
    messengerInfo.pfnUserCallback = &Impl::onMessage;
    messengerInfo.pUserData = this;
    if (validation) {
      info.enabledLayerCount = 1;
      info.ppEnabledLayerNames = &layer;
      info.enabledExtensionCount = 1;
      info.ppEnabledExtensionNames = &extension;
      info.pNext = &messengerInfo; // also covers instance creation and destruction
    }
    const VkResult result = vkCreateInstance(&info, nullptr, &dev.instance);
    if (result == VK_ERROR_INCOMPATIBLE_DRIVER || result == VK_ERROR_INITIALIZATION_FAILED) {
      throw VulkanError(fmt::format("Vulkan: no usable driver found (vkCreateInstance: {}); {}",
                                    vkResultName(result), noDriverHint()));
    }
    checkVk(result, "vkCreateInstance");
    if (validation) {
      auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
          vkGetInstanceProcAddr(dev.instance, "vkCreateDebugUtilsMessengerEXT"));
      if (create == nullptr) {
        throw VulkanError("Vulkan: VK_EXT_debug_utils is not available for validation messages");
      }
      checkVk(create(dev.instance, &messengerInfo, nullptr, &messenger),
              "vkCreateDebugUtilsMessengerEXT");
    }
  }

  void pickDevice() {
    uint32_t count = 0;
    checkVk(vkEnumeratePhysicalDevices(dev.instance, &count, nullptr),
            "vkEnumeratePhysicalDevices");
    std::vector<VkPhysicalDevice> devices(count);
    checkVk(vkEnumeratePhysicalDevices(dev.instance, &count, devices.data()),
            "vkEnumeratePhysicalDevices");
    // Prefer real GPUs; lavapipe (a CPU device) is the fallback.
    auto rank = [](VkPhysicalDeviceType t) {
      switch (t) {
      case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
        return 0;
      case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
        return 1;
      case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
        return 2;
      default:
        return 3;
      }
    };
    int bestRank = 99;
    for (VkPhysicalDevice pd : devices) {
      uint32_t familyCount = 0;
      vkGetPhysicalDeviceQueueFamilyProperties(pd, &familyCount, nullptr);
      std::vector<VkQueueFamilyProperties> families(familyCount);
      vkGetPhysicalDeviceQueueFamilyProperties(pd, &familyCount, families.data());
      for (uint32_t f = 0; f < familyCount; ++f) {
        if ((families[f].queueFlags & VK_QUEUE_GRAPHICS_BIT) == 0) {
          continue;
        }
        VkPhysicalDeviceProperties props;
        vkGetPhysicalDeviceProperties(pd, &props);
        if (rank(props.deviceType) < bestRank) {
          bestRank = rank(props.deviceType);
          dev.physicalDevice = pd;
          dev.queueFamily = f;
          deviceName = props.deviceName;
          maxTexture = props.limits.maxImageDimension2D;
        }
        break;
      }
    }
    if (dev.physicalDevice == VK_NULL_HANDLE) {
      throw VulkanError(
          fmt::format("Vulkan: no device with graphics support found; {}", noDriverHint()));
    }
    const float priority = 1.0f;
    VkDeviceQueueCreateInfo queueInfo{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    queueInfo.queueFamilyIndex = dev.queueFamily;
    queueInfo.queueCount = 1;
    queueInfo.pQueuePriorities = &priority;
    VkDeviceCreateInfo info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    info.queueCreateInfoCount = 1;
    info.pQueueCreateInfos = &queueInfo;
    checkVk(vkCreateDevice(dev.physicalDevice, &info, nullptr, &dev.device), "vkCreateDevice");
    vkGetDeviceQueue(dev.device, dev.queueFamily, 0, &dev.queue);
  }

  void createTarget() {
    colour = createTexture(dev, kColourFormat, width, height,
                           VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT);
    VkAttachmentDescription attachment{};
    attachment.format = kColourFormat;
    attachment.samples = VK_SAMPLE_COUNT_1_BIT;
    attachment.loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR;
    attachment.storeOp = VK_ATTACHMENT_STORE_OP_STORE;
    attachment.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE;
    attachment.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE;
    attachment.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
    attachment.finalLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL;
    VkAttachmentReference ref{0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
    VkSubpassDescription subpass{};
    subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
    subpass.colorAttachmentCount = 1;
    subpass.pColorAttachments = &ref;
    std::array<VkSubpassDependency, 2> deps{};
    // The previous frame's readback copy must finish before this frame draws.
    deps[0].srcSubpass = VK_SUBPASS_EXTERNAL;
    deps[0].dstSubpass = 0;
    deps[0].srcStageMask =
        VK_PIPELINE_STAGE_TRANSFER_BIT | VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
    deps[0].srcAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
    deps[0].dstStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
    deps[0].dstAccessMask =
        VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT | VK_ACCESS_COLOR_ATTACHMENT_READ_BIT;
    deps[1].srcSubpass = 0;
    deps[1].dstSubpass = VK_SUBPASS_EXTERNAL;
    deps[1].srcStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
    deps[1].srcAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT;
    deps[1].dstStageMask = VK_PIPELINE_STAGE_TRANSFER_BIT;
    deps[1].dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
    VkRenderPassCreateInfo rpInfo{VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO};
    rpInfo.attachmentCount = 1;
    rpInfo.pAttachments = &attachment;
    rpInfo.subpassCount = 1;
    rpInfo.pSubpasses = &subpass;
    rpInfo.dependencyCount = uint32_t(deps.size());
    rpInfo.pDependencies = deps.data();
    checkVk(vkCreateRenderPass(dev.device, &rpInfo, nullptr, &renderPass), "vkCreateRenderPass");
    VkFramebufferCreateInfo fbInfo{VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO};
    fbInfo.renderPass = renderPass;
    fbInfo.attachmentCount = 1;
    fbInfo.pAttachments = &colour.view;
    fbInfo.width = width;
    fbInfo.height = height;
    fbInfo.layers = 1;
    checkVk(vkCreateFramebuffer(dev.device, &fbInfo, nullptr, &framebuffer), "vkCreateFramebuffer");

    VkCommandPoolCreateInfo poolInfo{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    poolInfo.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    poolInfo.queueFamilyIndex = dev.queueFamily;
    checkVk(vkCreateCommandPool(dev.device, &poolInfo, nullptr, &commandPool),
            "vkCreateCommandPool");
    VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    alloc.commandPool = commandPool;
    alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    alloc.commandBufferCount = kFramesInFlight;
    checkVk(vkAllocateCommandBuffers(dev.device, &alloc, commandBuffers.data()),
            "vkAllocateCommandBuffers");
    VkFenceCreateInfo fenceInfo{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    fenceInfo.flags = VK_FENCE_CREATE_SIGNALED_BIT;
    for (VkFence& f : fences) {
      checkVk(vkCreateFence(dev.device, &fenceInfo, nullptr, &f), "vkCreateFence");
    }
    readback = createHostBuffer(dev, VkDeviceSize(width) * height * 4,
                                VK_BUFFER_USAGE_TRANSFER_DST_BIT, true);
  }

  void destroy() {
    if (dev.device != VK_NULL_HANDLE) {
      vkDeviceWaitIdle(dev.device);
      overlay.reset();
      heatmap.reset();
      destroyBuffer(dev.device, readback);
      for (VkFence f : fences) {
        if (f != VK_NULL_HANDLE) {
          vkDestroyFence(dev.device, f, nullptr);
        }
      }
      if (commandPool != VK_NULL_HANDLE) {
        vkDestroyCommandPool(dev.device, commandPool, nullptr);
      }
      if (framebuffer != VK_NULL_HANDLE) {
        vkDestroyFramebuffer(dev.device, framebuffer, nullptr);
      }
      if (renderPass != VK_NULL_HANDLE) {
        vkDestroyRenderPass(dev.device, renderPass, nullptr);
      }
      destroyTexture(dev.device, colour);
      vkDestroyDevice(dev.device, nullptr);
    }
    if (messenger != VK_NULL_HANDLE) {
      auto destroyMessenger = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
          vkGetInstanceProcAddr(dev.instance, "vkDestroyDebugUtilsMessengerEXT"));
      destroyMessenger(dev.instance, messenger, nullptr);
    }
    if (dev.instance != VK_NULL_HANDLE) {
      vkDestroyInstance(dev.instance, nullptr);
    }
  }

  // Records and submits one frame; returns the fence that signals its completion.
  VkFence submitFrame(std::shared_ptr<const Field> shared, const FieldOverlays& overlays,
                      const HeatmapStyle& style, const std::optional<Camera>& requested,
                      bool withReadback) {
    const Field& field = *shared;
    validateField(field);
    heatmap->setStyle(style); // validates the range before any GPU work
    const uint32_t slot = uint32_t(frameIndex % kFramesInFlight);
    VkFence fence = fences[slot];
    checkVk(vkWaitForFences(dev.device, 1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
    heatmap->setField(std::move(shared));

    Camera camera;
    if (requested) {
      camera = *requested;
      camera.setViewport({double(width), double(height)});
    } else {
      camera.setViewport({double(width), double(height)});
      HeatmapOverlay::fitCamera(camera, field.width, field.height, style);
    }

    VkCommandBuffer cmd = commandBuffers[slot];
    checkVk(vkResetCommandBuffer(cmd, 0), "vkResetCommandBuffer");
    VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    checkVk(vkBeginCommandBuffer(cmd, &begin), "vkBeginCommandBuffer");
    heatmap->recordUploads(cmd, slot);

    VkClearValue clear{};
    clear.color = {{kBackgroundColour.r / 255.0f, kBackgroundColour.g / 255.0f,
                    kBackgroundColour.b / 255.0f, 1.0f}};
    VkRenderPassBeginInfo rp{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
    rp.renderPass = renderPass;
    rp.framebuffer = framebuffer;
    rp.renderArea = {{0, 0}, {width, height}};
    rp.clearValueCount = 1;
    rp.pClearValues = &clear;
    vkCmdBeginRenderPass(cmd, &rp, VK_SUBPASS_CONTENTS_INLINE);
    heatmap->recordDraw(cmd, camera);
    OverlayFrame frame;
    frame.field = &heatmap->field();
    frame.overlays = &overlays;
    frame.style = &heatmap->style();
    frame.range = &heatmap->range();
    frame.camera = &camera;
    overlay->build(frame);
    overlay->recordDraw(cmd);
    vkCmdEndRenderPass(cmd);

    if (withReadback) {
      VkBufferImageCopy region{};
      region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
      region.imageExtent = {width, height, 1};
      vkCmdCopyImageToBuffer(cmd, colour.image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
                             readback.buffer, 1, &region);
      VkBufferMemoryBarrier toHost{VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER};
      toHost.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
      toHost.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
      toHost.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
      toHost.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
      toHost.buffer = readback.buffer;
      toHost.size = VK_WHOLE_SIZE;
      vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 0,
                           nullptr, 1, &toHost, 0, nullptr);
    }
    checkVk(vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
    checkVk(vkResetFences(dev.device, 1, &fence), "vkResetFences");
    VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &cmd;
    checkVk(vkQueueSubmit(dev.queue, 1, &submit, fence), "vkQueueSubmit");
    ++frameIndex;
    return fence;
  }
};

OffscreenRenderer::OffscreenRenderer(uint32_t width, uint32_t height, OffscreenOptions options)
    : m_impl(std::make_unique<Impl>()) {
  if (width == 0 || height == 0) {
    throw std::invalid_argument(fmt::format("image size {} x {} is empty", width, height));
  }
  m_impl->width = width;
  m_impl->height = height;
  try {
    m_impl->createInstance();
    m_impl->pickDevice();
    if (width > m_impl->maxTexture || height > m_impl->maxTexture) {
      throw VulkanError(fmt::format("Vulkan: image size {} x {} exceeds the device limit {}", width,
                                    height, m_impl->maxTexture));
    }
    m_impl->createTarget();
    m_impl->heatmap = std::make_unique<HeatmapRenderer>(m_impl->dev, m_impl->renderPass,
                                                        kFramesInFlight, options.maxTileSize);
    m_impl->overlay =
        std::make_unique<HeatmapOverlay>(m_impl->dev, m_impl->renderPass, kOverlayImageCount);
  } catch (...) {
    m_impl->destroy();
    throw;
  }
}

OffscreenRenderer::~OffscreenRenderer() {
  m_impl->destroy();
}

Image OffscreenRenderer::render(const Field& field, const FieldOverlays& overlays,
                                const HeatmapStyle& style, std::optional<Camera> camera) {
  return render(std::make_shared<const Field>(field), overlays, style, camera);
}

Image OffscreenRenderer::render(std::shared_ptr<const Field> field, const FieldOverlays& overlays,
                                const HeatmapStyle& style, std::optional<Camera> camera) {
  VkFence fence = m_impl->submitFrame(std::move(field), overlays, style, camera, true);
  checkVk(vkWaitForFences(m_impl->dev.device, 1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
  Image image;
  image.width = m_impl->width;
  image.height = m_impl->height;
  const auto* src = static_cast<const uint8_t*>(m_impl->readback.mapped);
  image.rgba.assign(src, src + size_t(image.width) * image.height * 4);
  return image;
}

void OffscreenRenderer::renderFrame(const Field& field, const FieldOverlays& overlays,
                                    const HeatmapStyle& style, std::optional<Camera> camera) {
  renderFrame(std::make_shared<const Field>(field), overlays, style, camera);
}

void OffscreenRenderer::renderFrame(std::shared_ptr<const Field> field,
                                    const FieldOverlays& overlays, const HeatmapStyle& style,
                                    std::optional<Camera> camera) {
  m_impl->submitFrame(std::move(field), overlays, style, camera, false);
}

void OffscreenRenderer::finish() {
  checkVk(vkWaitForFences(m_impl->dev.device, kFramesInFlight, m_impl->fences.data(), VK_TRUE,
                          UINT64_MAX),
          "vkWaitForFences");
}

uint32_t OffscreenRenderer::width() const {
  return m_impl->width;
}
uint32_t OffscreenRenderer::height() const {
  return m_impl->height;
}
std::string OffscreenRenderer::deviceName() const {
  return m_impl->deviceName;
}
uint32_t OffscreenRenderer::maxTextureSize() const {
  return m_impl->maxTexture;
}
bool OffscreenRenderer::validationEnabled() const {
  return m_impl->validation;
}

uint32_t OffscreenRenderer::validationMessageCount() const {
  std::lock_guard lock(m_impl->messagesMutex);
  return uint32_t(m_impl->messages.size());
}

std::vector<std::string> OffscreenRenderer::validationMessages() const {
  std::lock_guard lock(m_impl->messagesMutex);
  return m_impl->messages;
}

} // namespace ws::render
