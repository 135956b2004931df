#pragma once
// A short run of a model card on a chip with every frame plane recorded, for
// the sim-to-render adapter's tests and golden images.
#include "app/frame/frame_builder.h"
#include "core/model_spec.h"
#include "sim/chip_spec.h"
#include "sim/decode_run.h"
#include "sim/mapper.h"
#include "sim/timing_engine.h"
#include "sim/token_timeline.h"

#include <memory>
#include <string>

namespace ws::test {

// The dense and the MoE mapping of the golden tests.
inline constexpr const char* kDenseCard = "llama-3.1-8b";
inline constexpr const char* kMoeCard = "gpt-oss-20b";

struct AdapterRun {
  std::unique_ptr<sim::Placement> placement;
  std::unique_ptr<app::FrameBuilder> frames;
  sim::TokenTimeline timeline;
  std::unique_ptr<sim::TimingEngine> engine;

  // The last decode step's window, its KV length for SRAM.
  app::FrameWindow lastStep() const {
    const sim::TokenTiming& t = timeline.tokens().back();
    return {t.simStart, t.simEnd, t.contextLength};
  }
};

// `card` on `chip`: a 32-token prefill and 3 decode steps on the fast engine.
inline std::unique_ptr<AdapterRun> runCard(const std::string& card, const std::string& chip) {
  auto run = std::make_unique<AdapterRun>();
  sim::MapOptions options;
  options.contextTokens = 256;
  run->placement = std::make_unique<sim::Placement>(
      sim::mapModel(core::loadModelSpec(card), sim::loadChipSpec(chip), options));
  run->frames = std::make_unique<app::FrameBuilder>(*run->placement);
  run->engine = sim::makeTimingEngine(sim::EngineKind::Fast, *run->placement);
  for (sim::EngineObserver* observer : run->frames->newRun()) {
    run->engine->addObserver(observer);
  }
  run->engine->addObserver(&run->timeline);
  sim::runPrefillAndDecode(*run->engine, 32, 3, 1);
  return run;
}

} // namespace ws::test
