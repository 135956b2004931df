# Compile options shared by every first-party target.
add_library(ws_options INTERFACE)
target_compile_options(ws_options INTERFACE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers
  $<$<BOOL:${WS_WERROR}>:-Werror>)
# Headers are included by layer: #include "core/gguf.h", "sim/mapper.h", ...
target_include_directories(ws_options INTERFACE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/generated)
target_link_libraries(ws_options INTERFACE Threads::Threads)
# Sanitizers instrument first-party code only (Debian's libraries are not
# rebuilt); any finding stops the program (no recovery), so a test fails.
if(WS_SANITIZE)
  target_compile_options(ws_options INTERFACE -fsanitize=${WS_SANITIZE} -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
  target_link_options(ws_options INTERFACE -fsanitize=${WS_SANITIZE})
endif()
# libFuzzer: coverage instrumentation in every first-party library; the fuzz
# targets themselves link the fuzzer's main (tests/fuzz/CMakeLists.txt).
if(WS_LIBFUZZER)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "WS_LIBFUZZER needs clang (the libfuzzer preset uses clang++-14)")
  endif()
  target_compile_options(ws_options INTERFACE -fsanitize=fuzzer-no-link)
endif()

# ws_add_layer(NAME DIR) builds one static library from every .cpp in DIR
# (not recursing), so the layer owners add files without touching CMake.
function(ws_add_layer name dir)
  file(GLOB sources CONFIGURE_DEPENDS ${dir}/*.cpp)
  add_library(${name} STATIC ${sources})
  target_link_libraries(${name} PUBLIC ws_options)
endfunction()

# Compiles GLSL to SPIR-V and turns it into a C++ header (uint32_t array) so
# binaries carry their shaders and work from any directory.
function(ws_embed_shaders target)
  set(outputs)
  foreach(src ${ARGN})
    get_filename_component(fname ${src} NAME)
    string(MAKE_C_IDENTIFIER ${fname} ident)
    set(spv ${PROJECT_BINARY_DIR}/generated/shaders/${fname}.spv)
    set(hdr ${PROJECT_BINARY_DIR}/generated/shaders/${fname}.h)
    add_custom_command(OUTPUT ${hdr}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/generated/shaders
      COMMAND Vulkan::glslc --target-env=vulkan1.1 -O -o ${spv} ${CMAKE_CURRENT_SOURCE_DIR}/${src}
      COMMAND ${CMAKE_COMMAND} -DSPV=${spv} -DHDR=${hdr} -DIDENT=${ident}
              -P ${PROJECT_SOURCE_DIR}/cmake/SpirvToHeader.cmake
      DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${src} ${PROJECT_SOURCE_DIR}/cmake/SpirvToHeader.cmake
      COMMENT "glslc ${src}")
    list(APPEND outputs ${hdr})
  endforeach()
  target_sources(${target} PRIVATE ${outputs})
endfunction()
