#pragma once
// Per-PE fields for the heatmap: W x H floats, row-major, where W x H is the
// placement's field (all wafers side by side). render::Field takes a copy of
// data(); nothing here knows about rendering.
#include "core/thread_pool.h"
#include "sim/engine_observer.h"
#include "sim/placement.h"

#include <vector>

namespace ws::sim {

// Busy fraction per PE over a window of simulated time, split into compute and
// fabric. Records the engine's region activity (a few dozen bytes per op) and
// evaluates any window on demand, so a GUI can scrub. evaluate() splits the
// rows over a small thread pool (`threads`, 0 = one per core).
class ActivityField : public EngineObserver {
public:
  explicit ActivityField(const Placement& placement, int threads = 0);
  void onActivity(const RegionActivity& activity) override;

  // Fills the fields for [startSeconds, endSeconds) of simulated time.
  void evaluate(double startSeconds, double endSeconds);
  int width() const { return m_width; }
  int height() const { return m_height; }
  const float* data() const { return m_busy.data(); } // compute + fabric, 0..1
  const float* computeData() const { return m_compute.data(); }
  const float* fabricData() const { return m_fabric.data(); }
  // Latest end of any recorded activity, seconds (0 when none).
  double endSeconds() const;
  size_t recordCount() const { return m_records.size(); }
  void clear();

private:
  const Placement& m_placement;
  int m_width;
  int m_height;
  double m_secondsPerCycle;
  std::vector<RegionActivity> m_records; // sorted by start (engines emit in order)
  double m_maxDurationCycles = 0.0;
  double m_maxShiftCycles = 0.0;
  std::vector<float> m_busy;
  std::vector<float> m_compute;
  std::vector<float> m_fabric;
  core::ThreadPool m_pool;
};

enum class SramCategory { Weights, Kv, Activations, Reserve };

// SRAM occupancy per PE as a fraction of its capacity, by category, at the
// current KV length (follows the engine's SRAM events).
class SramField : public EngineObserver {
public:
  explicit SramField(const Placement& placement);
  void onSram(const SramEvent& event) override;
  // Recomputes for `contextTokens` per sequence.
  void setContext(int64_t contextTokens);
  int64_t contextTokens() const { return m_context; }
  int width() const { return m_width; }
  int height() const { return m_height; }
  const float* data() const { return m_total.data(); } // all categories, 0..1
  const float* categoryData(SramCategory category) const;

private:
  const Placement& m_placement;
  int m_width;
  int m_height;
  int64_t m_context = -1;
  std::vector<int64_t> m_sequenceContext;
  std::vector<float> m_total;
  std::vector<float> m_category[4];
};

// Fraction of link capacity in use at each PE's router over a window: the
// fabric share of region ops plus the routes of transfers between regions.
class LinkField : public EngineObserver {
public:
  explicit LinkField(const Placement& placement);
  void onOp(const OpEvent& event) override;
  void onActivity(const RegionActivity& activity) override;
  void evaluate(double startSeconds, double endSeconds);
  int width() const { return m_width; }
  int height() const { return m_height; }
  const float* data() const { return m_load.data(); }

private:
  struct TransferRecord {
    int from = 0;
    int to = 0;
    double startCycle = 0.0;
    double endCycle = 0.0;
    float load = 0.0f; // fraction of one link's capacity
  };
  const Placement& m_placement;
  int m_width;
  int m_height;
  double m_secondsPerCycle;
  std::vector<RegionActivity> m_activity;
  std::vector<TransferRecord> m_transfers;
  std::vector<float> m_load;
};

} // namespace ws::sim
