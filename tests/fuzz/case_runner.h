#pragma once
// Runs mutated cases of one fuzz target, each in a forked child with a time
// limit (SIGALRM), a few at a time. A child that crashes, is stopped by a
// sanitizer, leaks (LeakSanitizer builds), runs past its limit or meets an
// error that does not name the file is a failure; its bytes are kept under
// the work directory to replay.
#include "tests/fuzz/fuzz_targets.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ws::fuzz {

struct Seed {
  std::string name;
  std::string bytes;
};

struct CampaignOptions {
  Target target = Target::Gguf;
  std::vector<Seed> seeds;
  bool json = false; // structural JSON mutations instead of byte edits only
  int cases = 1000;
  uint64_t seed = 19;
  int jobs = 2;
  int timeoutSeconds = 20;
  std::filesystem::path workDir;
};

struct CampaignReport {
  int cases = 0;
  int readThrough = 0;               // every step worked
  int refused = 0;                   // refused with an error naming the file
  std::vector<std::string> failures; // one line each: case, seed, what happened, kept bytes
  double seconds = 0.0;
};

CampaignReport runCampaign(const CampaignOptions& options);

} // namespace ws::fuzz
