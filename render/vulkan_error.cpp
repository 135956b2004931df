#include "render/vulkan_error.h"

#include <fmt/format.h>

namespace ws::render {

const char* vkResultName(VkResult result) {
  switch (result) {
#define WS_VK_RESULT(name)                                                                         \
  case name:                                                                                       \
    return #name;
    WS_VK_RESULT(VK_SUCCESS)
    WS_VK_RESULT(VK_NOT_READY)
    WS_VK_RESULT(VK_TIMEOUT)
    WS_VK_RESULT(VK_INCOMPLETE)
    WS_VK_RESULT(VK_ERROR_OUT_OF_HOST_MEMORY)
    WS_VK_RESULT(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    WS_VK_RESULT(VK_ERROR_INITIALIZATION_FAILED)
    WS_VK_RESULT(VK_ERROR_DEVICE_LOST)
    WS_VK_RESULT(VK_ERROR_MEMORY_MAP_FAILED)
    WS_VK_RESULT(VK_ERROR_LAYER_NOT_PRESENT)
    WS_VK_RESULT(VK_ERROR_EXTENSION_NOT_PRESENT)
    WS_VK_RESULT(VK_ERROR_FEATURE_NOT_PRESENT)
    WS_VK_RESULT(VK_ERROR_INCOMPATIBLE_DRIVER)
    WS_VK_RESULT(VK_ERROR_TOO_MANY_OBJECTS)
    WS_VK_RESULT(VK_ERROR_FORMAT_NOT_SUPPORTED)
    WS_VK_RESULT(VK_ERROR_OUT_OF_POOL_MEMORY)
    WS_VK_RESULT(VK_ERROR_SURFACE_LOST_KHR)
    WS_VK_RESULT(VK_ERROR_OUT_OF_DATE_KHR)
#undef WS_VK_RESULT
  default:
    return "VK_ERROR_UNKNOWN";
  }
}

void checkVk(VkResult result, const char* what) {
  if (result != VK_SUCCESS) {
    throw VulkanError(fmt::format("Vulkan: {} failed ({})", what, vkResultName(result)));
  }
}

} // namespace ws::render
