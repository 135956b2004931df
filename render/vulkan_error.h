#pragma once
// Every Vulkan failure (no loader or driver, no device, no display, a failed
// call) surfaces as a VulkanError with a one-line message; callers print it
// and exit non-zero.
#include <vulkan/vulkan.h>

#include <stdexcept>
#include <string>

namespace ws::render {

class VulkanError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// "VK_ERROR_OUT_OF_DEVICE_MEMORY" etc.
const char* vkResultName(VkResult result);

// Throws VulkanError("Vulkan: <what> failed (<result>)") unless result is VK_SUCCESS.
void checkVk(VkResult result, const char* what);

} // namespace ws::render
