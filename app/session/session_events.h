#pragma once
// What a Session reports to its consumer, in order, as plain data: the run
// controller's events (app/run/run_events.h) and the session's own.
#include "app/run/run_events.h"

#include <string>
#include <variant>

namespace ws::app {

// A long step is under way ("loading model", "mapping"); fraction in 0..1.
struct ProgressEvent {
  std::string stage;
  double fraction = 0.0;
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
