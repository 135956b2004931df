#include "sim/decode_run.h"

namespace ws::sim {

void runPrefillAndDecode(TimingEngine& engine, int64_t promptTokens, int64_t genTokens,
                         int sequences, const std::function<void()>& onStep) {
  for (int s = 0; s < sequences; ++s) {
    engine.prefill(promptTokens, s);
    if (onStep) {
      onStep();
    }
  }
  for (int64_t t = 0; t < genTokens; ++t) {
    for (int s = 0; s < sequences; ++s) {
      engine.decodeStep(s);
      if (onStep) {
        onStep();
      }
    }
  }
}

} // namespace ws::sim
