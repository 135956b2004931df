#pragma once
// The run controller: one run, for both programs. It resolves a model
// (built-in, GGUF, safetensors + config.json, card) and a chip, maps one on
// the other, picks the timing engine, and runs the loop that asks the
// generator for the next token, times it on the engine and reports it as
// one TokenEvent; it owns the observers and writes the exports (trace, CSV,
// report, heatmap PNG) atomically. The GUI's Session calls it from its
// worker thread; waferscope-cli `run` and `simulate` call it from main.
//
// Threads: a controller belongs to the thread that calls its methods (one at
// a time); cancel() alone may be called from any thread.
#include "app/frame/field_adapter.h"
#include "app/frame/frame.h"
#include "app/frame/frame_builder.h"
#include "app/run/run_events.h"
#include "core/sampler.h"
#include "sim/chip_spec.h"
#include "sim/mapper.h"
#include "sim/serving_profile.h"
#include "sim/speculative_step.h"
#include "sim/timing_engine.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace ws::core {
class Generator;
class SpeculativeGenerator;
struct GeneratedToken;
} // namespace ws::core

namespace ws::app {

// The name the built-in model is loaded by (core::resolveModelPath).
inline constexpr const char* kBuiltinModelName = "builtin";

// One generated run.
struct RunSettings {
  std::string prompt;
  // Token ids run instead of the prompt's text when not empty (a model file
  // without a tokenizer has no other way to be prompted).
  std::vector<int32_t> promptIds;
  core::SamplerSettings sampler;
  int maxTokens = 64;
};

class RunController {
public:
  RunController();
  ~RunController();
  RunController(const RunController&) = delete;
  RunController& operator=(const RunController&) = delete;

  // Model: kBuiltinModelName, a model card name, a .gguf file, a config.json,
  // a directory holding one, or a .safetensors file (its config.json beside
  // it). Forgets the mapping and the latest run. A model whose weights core
  // cannot run gives timing-only runs, tokens replayed from the built-in model.
  ModelLoadedEvent loadModel(const std::string& nameOrPath);
  bool hasModel() const { return m_spec.has_value(); }
  const core::ModelSpec& modelSpec() const;
  // Tokens of `prompt` by the model's tokenizer, or the built-in model's for
  // a model without one (the replayed token source).
  int64_t countPromptTokens(const std::string& prompt);

  // Chip: a preset name or a chip JSON file. Forgets the mapping.
  void setChip(const std::string& nameOrPath);
  bool hasChip() const { return m_chip.has_value(); }
  const sim::ChipSpec& chip() const;

  // Serving profile of the next mapping and runs (assets/serving/; "" or a
  // profile without speculation: plain decoding). With speculative decoding
  // the wafer maps the profile's draft for the target beside it
  // (ServingProfile::draftFor: the built-in draft for the built-in model) and a run
  // drafts K tokens per verify pass: on the host with the built-in pair when
  // the built-in model gives the tokens, with the model's own weights
  // otherwise (a draft card has none: map() throws std::invalid_argument).
  // Forgets the mapping; throws core::FormatError for a bad profile.
  void setServingProfile(const std::string& nameOrPath);
  const std::optional<sim::ServingProfile>& servingProfile() const { return m_serving; }
  // True when the mapping holds a draft beside the target.
  bool speculative() const { return m_pair != nullptr; }

  // Maps the model on the chip with `options` (default: the mapper's context,
  // at most the model's). Throws sim::FitError when it does not fit. The
  // mapped placement of a speculative mapping is sim::combinedPlacement.
  MappedEvent map();
  MappedEvent map(const sim::MapOptions& options);
  std::shared_ptr<const sim::Placement> placement() const { return m_placement; }

  // The engine of the next run. A run on the detailed engine throws
  // std::invalid_argument naming the limit when the mapping is too large for
  // it (detailedEngineLimit), WorkBudgetError when it would take too long.
  void setEngine(sim::EngineKind kind);
  sim::EngineKind engine() const { return m_engineKind; }
  // Why the detailed engine cannot run a fabric of `pes` PEs, or "" when it can.
  static std::string detailedEngineLimit(int64_t pes);
  // Host threads of the forward pass (0: one per core), from the next run on.
  void setHostThreads(int threads);
  // GPUs the report compares with: presets or JSON files (default: every preset).
  void setGpuBaselines(std::vector<std::string> namesOrPaths);

  // A run generated on the host and timed on the chip. startRun tokenizes
  // the prompt and sets up the engine and observers; each nextToken()
  // generates one token and times it (the first one as the prompt's
  // prefill), or returns nothing once the run has ended (token limit,
  // end-of-sequence, cancel()); finishRun() makes the report.
  RunStartedEvent startRun(const RunSettings& settings);
  std::optional<TokenEvent> nextToken();
  // True when nextToken() would return nothing for a known reason (the token
  // limit was reached, the context is full, the run ended or was cancelled).
  bool runEnded() const;
  FinishedEvent finishRun();
  // [any thread] Ends the run in progress within a layer of the host's
  // forward pass, a long prompt's included. startRun clears it.
  void cancel();

  // A timing-only run (no host generation): `promptTokens` of prefill per
  // sequence, then `genTokens` decode steps of each, round robin
  // (sim::runPrefillAndDecode). `fields` attaches the heatmap observers.
  // `onStep` (may be empty) is called after every step.
  FinishedEvent timeRun(int64_t promptTokens, int64_t genTokens, int sequences, bool fields,
                        const std::function<void()>& onStep = {});

  // The latest run, kept after it ends for frames and exports.
  const std::vector<TokenEvent>& tokens() const { return m_tokens; }
  int64_t promptTokens() const { return m_promptTokens; }
  const std::optional<sim::RunReport>& report() const { return m_report; }

  // `plane` over [start, end) of simulated time, SRAM at `context` tokens
  // (only that plane is evaluated; app/frame's adapter).
  std::shared_ptr<const Frame> makeFrame(double start, double end, int64_t context, Plane plane);

  // Exports of the latest run, each written to a temporary file renamed over
  // `path`. Throw std::runtime_error naming the path when there is nothing to
  // export. The heatmap shows the step holding `atSeconds` (< 0: the last).
  void exportTrace(const std::string& path) const;
  void exportCsv(const std::string& path) const;
  void exportReport(const std::string& path) const;
  void exportHeatmap(const std::string& path, Plane plane, double atSeconds = -1.0,
                     ColourScale scale = ColourScale::Absolute);

private:
  struct FunctionalModel;
  // One engine call of the latest run, replayed for the trace export.
  struct Step {
    bool prefill = false;
    int64_t tokens = 1;
    int sequence = 0;
    int draftTokens = 0; // > 0: a speculative step (sim::runSpeculativeStep)
    int accepted = 0;
  };
  struct SpeculativeRun;

  FunctionalModel& tokenSource();
  bool tokensFromBuiltin() const { return !m_ownWeights || m_ownWeightsAreBuiltin; }
  std::optional<TokenEvent> nextSpeculativeToken();
  TokenEvent tokenEvent(const sim::TokenTiming& timing, const core::GeneratedToken& generated);
  void clearRun();
  void forgetMapping();
  void startEngine(bool fields);
  const std::vector<sim::GpuSpec>& gpuBaselines();
  void setActiveGenerator(core::Generator* generator);

  // Model
  std::optional<core::ModelSpec> m_spec;
  std::unique_ptr<FunctionalModel> m_ownWeights; // the model's own, when core can run them
  std::unique_ptr<FunctionalModel> m_builtin;    // token source of timing-only models
  bool m_hasWeights = false;
  bool m_ownWeightsAreBuiltin = false;
  std::string m_note;
  std::optional<sim::ServingProfile> m_serving;
  int m_hostThreads = 0;

  // Chip, mapping, engine
  std::optional<sim::ChipSpec> m_chip;
  std::shared_ptr<const sim::Placement> m_placement;
  std::unique_ptr<sim::SpeculativePair> m_pair; // speculative mappings: what each engine runs
  std::unique_ptr<FrameBuilder> m_frames;       // of m_placement: its used PEs found once
  sim::EngineKind m_engineKind = sim::EngineKind::Fast;
  std::vector<std::string> m_gpuNames;
  std::optional<std::vector<sim::GpuSpec>> m_gpus;

  // The latest run
  struct Observers;
  std::unique_ptr<Observers> m_observers;
  std::unique_ptr<sim::TimingEngine> m_engine; // the target's
  std::unique_ptr<SpeculativeRun> m_speculative;
  std::vector<Step> m_steps;
  std::vector<TokenEvent> m_tokens;
  std::optional<sim::RunReport> m_report;
  int64_t m_promptTokens = 0;
  uint64_t m_frameSerial = 0;

  // Cancellation, shared with other threads.
  std::atomic<bool> m_cancelled{false};
  std::mutex m_generatorMutex;
  core::Generator* m_activeGenerator = nullptr;              // guarded by m_generatorMutex
  core::SpeculativeGenerator* m_activeSpeculative = nullptr; // guarded by m_generatorMutex
};

} // namespace ws::app
