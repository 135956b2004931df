#include "render/image.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace ws::render {
namespace {

TEST(Png, RoundTripsAndLeavesNoTemporaryFile) {
  const std::filesystem::path dir = test::outputDir() / "png_round_trip";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Image img{3, 2, {}};
  for (uint8_t i = 0; i < 24; ++i) {
    img.rgba.push_back(uint8_t(i * 10));
  }
  writePng(img, dir / "a.png");
  writePng(img, dir / "a.png"); // replacing an existing file works too
  const Image back = readPng(dir / "a.png");
  EXPECT_EQ(back.width, 3u);
  EXPECT_EQ(back.height, 2u);
  EXPECT_EQ(back.rgba, img.rgba);
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST(Png, ErrorsNameThePath) {
  Image img{1, 1, {1, 2, 3, 4}};
  try {
    writePng(img, "/nonexistent-dir/x.png");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.png"), std::string::npos) << e.what();
  }
  EXPECT_THROW(writePng(Image{2, 2, {}}, test::outputDir() / "bad.png"), std::runtime_error);
  try {
    readPng("/nonexistent.png");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent.png"), std::string::npos);
  }
}

} // namespace
} // namespace ws::render
