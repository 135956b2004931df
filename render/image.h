#pragma once
// RGBA8 images and PNG files (read for golden tests, written for exports).
#include <cstdint>
#include <filesystem>
#include <vector>

namespace ws::render {

struct Image {
  uint32_t width = 0;
  uint32_t height = 0;
  std::vector<uint8_t> rgba; // row-major, 4 bytes per pixel, top row first

  const uint8_t* pixel(uint32_t x, uint32_t y) const { return &rgba[(size_t(y) * width + x) * 4]; }
};

// Writes atomically (temporary file in the same directory, then rename) so a
// reader never sees a half-written PNG. Throws std::runtime_error naming the path.
void writePng(const Image& image, const std::filesystem::path& path);
// Throws std::runtime_error naming the path when it is missing or not a PNG.
Image readPng(const std::filesystem::path& path);

} // namespace ws::render
