#pragma once
// Locations the tests read from. A missing directory fails the test loudly:
// the conformance data is required, never optional.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace ws::test {

inline std::filesystem::path requireDir(const char* what, const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) {
    ADD_FAILURE() << what << " not found at " << dir;
  }
  return dir;
}

// ../shared/testdata beside the checkout (tokenizer vectors, reference models).
inline std::filesystem::path testdataDir() {
  return requireDir("shared test data", WS_TESTDATA_DIR);
}
// The project's assets/ (chips, model cards, built-in model, validation table).
inline std::filesystem::path assetsDir() {
  return requireDir("assets", WS_SOURCE_ASSETS_DIR);
}
// Per-suite files beside the tests (golden images, fixtures).
inline std::filesystem::path sourceDir() {
  return requireDir("test sources", WS_TEST_SOURCE_DIR);
}
// Where tests may write (build tree); created on demand.
inline std::filesystem::path outputDir() {
  std::filesystem::path dir = WS_TEST_OUTPUT_DIR;
  std::filesystem::create_directories(dir);
  return dir;
}

} // namespace ws::test
