#pragma once
// What a Session reports to its consumer, in order, as plain data.
#include "core/model_spec.h"
#include "sim/engine_observer.h"
#include "sim/placement.h"
#include "sim/run_report.h"

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace ws::app {

// A long step is under way ("loading model", "mapping"); fraction in 0..1.
struct ProgressEvent {
  std::string stage;
  double fraction = 0.0;
};

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
  int64_t promptTokens = 0;
  int maxTokens = 0;
  bool replayedTokens = false; // timing-only model: tokens from the built-in model
  std::string note;            // says so, for the UI
};

struct TokenEvent {
  int64_t index = 0; // 1 = the first generated token (its timing is the prefill)
  int32_t id = 0;
  std::string piece;
  bool prefill = false;
  double simStart = 0.0; // seconds
  double simEnd = 0.0;
  sim::TimeBreakdown breakdown; // seconds along the critical path
  int criticalRegion = -1;
  std::string criticalRegionName;
  double hostSeconds = 0.0; // functional forward pass + sampling
  int64_t contextLength = 0;
  double decodeTokensPerSecond = 0.0; // simulated, over the run so far (0 before a decode step)
  std::vector<double> sramBytesPerPe; // per region at this token's context
};

struct FinishedEvent {
  sim::RunReport report; // tokens/s, TTFT, energy, bottlenecks, GPU baselines
  std::string stopReason;
  int64_t generatedTokens = 0;
};

// An export written (atomically) to `path`.
struct ExportedEvent {
  std::string kind; // "trace", "csv", "report"
  std::string path;
};

// One line. fitError: the model does not fit the chip (mapping or a run's KV growth).
struct ErrorEvent {
  std::string message;
  bool fitError = false;
};

// Playback state changed.
struct StateEvent {
  bool running = false;
  bool paused = false;
};

using SessionEvent = std::variant<ProgressEvent, ModelLoadedEvent, MappedEvent, RunStartedEvent,
                                  TokenEvent, FinishedEvent, ExportedEvent, ErrorEvent, StateEvent>;

} // namespace ws::app
