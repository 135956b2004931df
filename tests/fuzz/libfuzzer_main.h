#pragma once
// The body of the libFuzzer targets (fuzz_gguf, fuzz_json): the input is
// written to a file of the target's name in a per-process directory and read
// through tests/fuzz/fuzz_targets.h; an error that does not name the file
// aborts, which libFuzzer reports as a crash with the input kept.
#include "tests/fuzz/fuzz_targets.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace ws::fuzz {

inline int fuzzOneInput(Target target, const uint8_t* data, size_t size) {
  static const std::filesystem::path dir = [] {
    const auto d = std::filesystem::temp_directory_path() /
                   ("waferscope-libfuzzer-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  const std::filesystem::path file = dir / std::string(targetFileName(target));
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
  }
  const Outcome outcome = exercise(target, file);
  if (outcome.unnamed) {
    std::fprintf(stderr, "fuzz %s: error does not name the file: %s\n",
                 std::string(targetName(target)).c_str(), outcome.unnamed->c_str());
    std::abort();
  }
  return 0;
}

} // namespace ws::fuzz
