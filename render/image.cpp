#include "render/image.h"

#include <fmt/format.h>
#include <stb_image.h>
#include <stb_image_write.h>
#include <unistd.h>

#include <stdexcept>
#include <system_error>

namespace ws::render {

void writePng(const Image& image, const std::filesystem::path& path) {
  if (image.width == 0 || image.height == 0 ||
      image.rgba.size() != size_t(image.width) * image.height * 4) {
    throw std::runtime_error(fmt::format("{}: cannot write an empty or malformed {} x {} image",
                                         path.string(), image.width, image.height));
  }
  // Same directory, so the rename below is atomic on one file system.
  std::filesystem::path tmp = path;
  tmp += fmt::format(".tmp{}", ::getpid());
  if (stbi_write_png(tmp.c_str(), int(image.width), int(image.height), 4, image.rgba.data(),
                     int(image.width * 4)) == 0) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw std::runtime_error(
        fmt::format("{}: cannot write PNG (directory missing or not writable)", path.string()));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw std::runtime_error(
        fmt::format("{}: cannot replace file: {}", path.string(), ec.message()));
  }
}

Image readPng(const std::filesystem::path& path) {
  int w = 0;
  int h = 0;
  int channels = 0;
  stbi_uc* data = stbi_load(path.c_str(), &w, &h, &channels, 4);
  if (data == nullptr) {
    throw std::runtime_error(
        fmt::format("{}: cannot read PNG ({})", path.string(), stbi_failure_reason()));
  }
  Image image{uint32_t(w), uint32_t(h), std::vector<uint8_t>(data, data + size_t(w) * h * 4)};
  stbi_image_free(data);
  return image;
}

} // namespace ws::render
