#pragma once
// What the RunController reports about a model, a mapping and a run, as
// plain data: the CLI prints it, the GUI's session forwards it to the UI.
#include "core/model_spec.h"
#include "sim/engine_observer.h"
#include "sim/placement.h"
#include "sim/run_report.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ws::app {

struct ModelLoadedEvent {
  core::ModelSpec spec;
  // True when the functional forward pass runs this model's own weights; a
  // card (or weights core cannot run) gives timing-only runs whose tokens are
  // replayed from the built-in model, and `note` says why.
  bool hasWeights = false;
  std::string note;
};

struct ChipSummary {
  std::string name;
  std::string description;
  int64_t pes = 0;
  double sramBytes = 0.0;
  double clockHz = 0.0;
  int wafers = 1;
};

struct MappedEvent {
  ChipSummary chip;
  // Immutable; shared with the worker. Its const accessors are safe on any
  // thread (regions, regionAt, sramPerPe for the inspector).
  std::shared_ptr<const sim::Placement> placement;
  sim::SramBreakdown sramUsed; // bytes over all PEs at the mapped context
  int64_t pesUsed = 0;
};

struct RunStartedEvent {
  std::string prompt;
  // Speculative decoding: the draft model the wafer runs beside the target
  // and K (0: plain decoding).
  std::string draftModel;
  int draftTokens = 0;
  int64_t promptTokens = 0;
  int maxTokens = 0;
  bool replayedTokens = false; // timing-only model: tokens from the built-in model
  std::string note;            // says so, for the UI
};

// A token of a speculative run: which verify pass (step) committed it,
// whether it was a draft guess the target accepted or the target's own
// token, and the step's phases on the simulated clock (seconds). The tokens
// of a step come out together at its end: the first one's timing spans the
// whole step (its breakdown is the step's), the others' are instants at the
// end, so tokens/s and seconds per token of the run are the step's.
struct SpeculativeTokenInfo {
  int step = 0;               // verify pass, from 1 (the prompt's pass is a plain prefill)
  int drafted = 0;            // guesses the draft made in this step (K)
  int accepted = 0;           // of them, kept
  bool acceptedDraft = false; // this token: a kept guess (else the target's own)
  // On the target's own token: the pieces of the guesses it replaced (the
  // first rejected one and every guess after it).
  std::vector<std::string> rejectedPieces;
  double draftStart = 0.0; // the draft's K decode steps
  double draftEnd = 0.0;
  double verifyStart = 0.0; // the target's verify pass of K + 1 tokens
  double verifyEnd = 0.0;
  double stepEnd = 0.0; // verdict sent back, caches rolled back
};

// One generated token: its text from the host and its timing on the chip.
// The one token type from the controller to both programs; its numbering is
// the engine's (timing.index): 0 = the first generated token, which the
// prefill produces (timing.prefill), then 1, 2, ... for the decode steps.
struct TokenEvent {
  sim::TokenTiming timing; // simulated seconds, breakdown, critical region, context
  int32_t id = 0;
  std::string piece; // UTF-8 text the token adds (may be empty)
  std::string criticalRegionName;
  // Host time that produced the token: the forward passes its logits needed
  // (the whole prompt's for the first token) and sampling.
  double hostSeconds = 0.0;
  double decodeTokensPerSecond = 0.0; // simulated, over the run so far (0 before a decode step)
  std::vector<double> sramBytesPerPe; // per region at this token's context
  std::optional<SpeculativeTokenInfo> speculative; // speculative runs' decode tokens
};

struct FinishedEvent {
  sim::RunReport report; // tokens/s, TTFT, energy, bottlenecks, GPU baselines
  std::string stopReason;
  int64_t generatedTokens = 0;
};

// An export written (atomically) to `path`.
struct ExportedEvent {
  std::string kind; // "trace", "csv", "report", "heatmap"
  std::string path;
};

} // namespace ws::app
