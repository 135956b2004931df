#pragma once
// Builds heatmap frames of a run: owns the field observers (activity, SRAM,
// link load) that record the engine's events, and evaluates only the plane a
// frame is asked for, over any window of simulated time (so a GUI can scrub).
// One builder per mapping: the used-PE runs are computed once; newRun()
// replaces the observers for each run. Qt-free; runs on the thread that
// drives the engine.
#include "app/frame/field_adapter.h"
#include "app/frame/frame.h"
#include "sim/engine_observer.h"
#include "sim/fields.h"
#include "sim/placement.h"

#include <initializer_list>
#include <memory>
#include <vector>

namespace ws::app {

// A window of simulated time, seconds, and the KV length the SRAM plane shows.
struct FrameWindow {
  double start = 0.0;
  double end = 0.0;
  int64_t contextTokens = 0;
};

class FrameBuilder {
public:
  // `placement` must outlive the builder.
  explicit FrameBuilder(const sim::Placement& placement);

  // Fresh observers for the planes a run will show (all by default); the
  // caller adds them to the run's engine.
  std::vector<sim::EngineObserver*> newRun(std::initializer_list<Plane> planes = {
                                               Plane::Activity, Plane::Sram, Plane::Links});
  // `plane` over `window`: activity and link load are zero on used PEs for an
  // empty window. Serial and region ops are the caller's. Throws
  // std::logic_error for a plane newRun did not record.
  std::shared_ptr<Frame> build(const FrameWindow& window, Plane plane);

  const UsedCells& usedCells() const { return m_used; }

private:
  const sim::Placement& m_placement;
  UsedCells m_used;
  std::unique_ptr<sim::ActivityField> m_activity;
  std::unique_ptr<sim::SramField> m_sram;
  std::unique_ptr<sim::LinkField> m_links;
};

} // namespace ws::app
