// No Vulkan driver: the off-screen caller prints one clear line and exits 1.
// Runs render_probe (a minimal off-screen caller) with a broken environment.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace {

struct ProcessResult {
  int exitCode = -1;
  std::string output;
};

ProcessResult runProbe(const std::string& env) {
  const std::string command = env + " '" WS_RENDER_PROBE "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  ProcessResult result;
  if (pipe == nullptr) {
    return result;
  }
  std::array<char, 512> buffer{};
  while (fgets(buffer.data(), int(buffer.size()), pipe) != nullptr) {
    result.output += buffer.data();
  }
  const int status = pclose(pipe);
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1; // -1: crashed
  return result;
}

TEST(VulkanErrors, MissingDriverGivesOneLineAndExitCode1) {
  const ProcessResult r = runProbe("VK_DRIVER_FILES=/nonexistent/waferscope_icd.json");
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_EQ(r.output,
            "render_probe: error: Vulkan: no usable driver found (vkCreateInstance: "
            "VK_ERROR_INCOMPATIBLE_DRIVER); install a Vulkan driver (e.g. mesa-vulkan-drivers) "
            "or check VK_DRIVER_FILES / VK_ICD_FILENAMES\n");
}

TEST(VulkanErrors, ProbeSucceedsWithTheTestDriver) {
  const ProcessResult r = runProbe("");
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(r.output.rfind("render_probe: ok on ", 0), 0u) << r.output;
}

} // namespace
