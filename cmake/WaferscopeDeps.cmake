# Every dependency comes from Debian 12's packages (tools/install-deps.sh).
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(Vulkan REQUIRED COMPONENTS glslc)
find_package(PkgConfig REQUIRED)

# GLM ships a config package on Debian 12, but as header-only we only need the path.
find_path(GLM_INCLUDE_DIR glm/glm.hpp REQUIRED)
add_library(glm INTERFACE IMPORTED)
target_include_directories(glm INTERFACE ${GLM_INCLUDE_DIR})
target_compile_definitions(glm INTERFACE GLM_FORCE_DEPTH_ZERO_TO_ONE GLM_FORCE_RADIANS)

# stb (stb_image_write for PNG output); Debian builds it as libstb.
find_path(STB_INCLUDE_DIR stb_image_write.h PATH_SUFFIXES stb REQUIRED)
find_library(STB_LIBRARY stb REQUIRED)
add_library(stb UNKNOWN IMPORTED)
set_target_properties(stb PROPERTIES IMPORTED_LOCATION ${STB_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${STB_INCLUDE_DIR})

# Dear ImGui 1.86: Debian's static libimgui.a carries the Vulkan backend. It
# must come before libvulkan on the link line, hence the interface libraries.
find_path(IMGUI_INCLUDE_DIR imgui.h PATH_SUFFIXES imgui REQUIRED)
find_library(IMGUI_LIBRARY NAMES libimgui.a imgui REQUIRED)
add_library(imgui STATIC IMPORTED)
set_target_properties(imgui PROPERTIES IMPORTED_LOCATION ${IMGUI_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES "${IMGUI_INCLUDE_DIR};${IMGUI_INCLUDE_DIR}/backends"
  INTERFACE_LINK_LIBRARIES "Vulkan::Vulkan;stb")

if(WS_BUILD_GUI)
  find_package(Qt6 6.4 REQUIRED COMPONENTS Core Gui Widgets Charts Test)
endif()
if(WS_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(WS_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
