// libFuzzer target: the JSON readers. The first byte picks the reader (model
// card, chip spec, GPU baseline, config.json, sweep, serving profile; modulo 6), the rest
// is the file.
#include "tests/fuzz/libfuzzer_main.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using ws::fuzz::Target;
  if (size == 0) {
    return 0;
  }
  constexpr Target kReaders[] = {Target::ModelCard, Target::ChipSpec, Target::GpuBaseline,
                                 Target::HfConfig,  Target::Sweep,    Target::ServingProfile};
  return ws::fuzz::fuzzOneInput(kReaders[data[0] % std::size(kReaders)], data + 1, size - 1);
}
