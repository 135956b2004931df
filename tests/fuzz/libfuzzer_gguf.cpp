// libFuzzer target: GGUF files (metadata, model shape, tokenizer, weights and
// a forward step). Seeds: tools/libfuzzer.sh writes them with core's writers.
#include "tests/fuzz/libfuzzer_main.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return ws::fuzz::fuzzOneInput(ws::fuzz::Target::Gguf, data, size);
}
