#include "sim/fields.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace ws::sim {
namespace {

// Adds to every PE of `r` the overlap of its shifted busy interval with the
// window [t0, t1) (cycles), weighted by `share`, into `out` (row-major, width w).
// Only rows [rowBegin, rowEnd) are touched, so threads can split the rows.
void accumulate(const Region& region, const RegionActivity& a, double t0, double t1, int width,
                float computeShare, float fabricShare, float* compute, float* fabric, int rowBegin,
                int rowEnd) {
  const PeRect& r = region.rect;
  const double window = t1 - t0;
  const double hop = a.hopCyclesX;
  const int yEnd = std::min(r.y + r.h, rowEnd);
  for (int y = std::max(r.y, rowBegin); y < yEnd; ++y) {
    const double rowShift = a.hopCyclesY * std::abs(y - a.sourceY);
    float* c = compute + size_t(y) * size_t(width);
    float* f = fabric ? fabric + size_t(y) * size_t(width) : nullptr;
    for (int x = r.x; x < r.x + r.w; ++x) {
      const double shift = rowShift + hop * std::abs(x - a.sourceX);
      const double start = std::max(t0, a.startCycle + shift);
      const double end = std::min(t1, a.endCycle + shift);
      if (end <= start) {
        continue;
      }
      const float frac = float((end - start) / window);
      c[x] += frac * computeShare;
      if (f) {
        f[x] += frac * fabricShare;
      }
    }
  }
}

// The least and the most hop delay from a record's source to the PEs of `r`.
struct ShiftRange {
  double least = 0.0;
  double most = 0.0;
};
ShiftRange shiftRange(const PeRect& r, const RegionActivity& a) {
  const auto axis = [](int begin, int size, int source) {
    const int last = begin + size - 1;
    const int far = std::max(std::abs(begin - source), std::abs(last - source));
    const int near = source < begin ? begin - source : (source > last ? source - last : 0);
    return std::pair{near, far};
  };
  const auto [nearX, farX] = axis(r.x, r.w, a.sourceX);
  const auto [nearY, farY] = axis(r.y, r.h, a.sourceY);
  return {a.hopCyclesX * double(nearX) + a.hopCyclesY * double(nearY),
          a.hopCyclesX * double(farX) + a.hopCyclesY * double(farY)};
}

// Adds `value` to every PE of `r` within rows [rowBegin, rowEnd).
void addOverRect(const PeRect& r, float value, int width, float* out, int rowBegin, int rowEnd) {
  const int yEnd = std::min(r.y + r.h, rowEnd);
  for (int y = std::max(r.y, rowBegin); y < yEnd; ++y) {
    float* row = out + size_t(y) * size_t(width) + size_t(r.x);
    for (int x = 0; x < r.w; ++x) {
      row[x] += value;
    }
  }
}

// Records whose shifted interval may overlap [t0, t1): they are sorted by
// start, and none lasts longer than maxDuration + maxShift.
template <typename Fn>
void forOverlapping(const std::vector<RegionActivity>& records, double t0, double t1, double reach,
                    Fn&& fn) {
  auto first = std::lower_bound(records.begin(), records.end(), t0 - reach,
                                [](const RegionActivity& a, double t) { return a.startCycle < t; });
  for (auto it = first; it != records.end() && it->startCycle < t1; ++it) {
    fn(*it);
  }
}

void insertSorted(std::vector<RegionActivity>& records, const RegionActivity& a) {
  // Engines emit in nearly increasing start order; concurrent sequences can
  // step back a little.
  if (records.empty() || records.back().startCycle <= a.startCycle) {
    records.push_back(a);
    return;
  }
  auto at = std::upper_bound(records.begin(), records.end(), a.startCycle,
                             [](double t, const RegionActivity& r) { return t < r.startCycle; });
  records.insert(at, a);
}

// The largest shift a record can give a PE of its region: a reduce chain's
// stage per PE along the region's whole span.
double maxShift(const Placement& p) {
  const ChipSpec& chip = p.chip();
  const double perPe = chip.hopLatencyCycles + 2.0 * chip.rampLatencyCycles + 1.0;
  double most = 0.0;
  for (const Region& r : p.regions()) {
    most = std::max(most, perPe * double(r.rect.w + r.rect.h));
  }
  return most;
}

} // namespace

ActivityField::ActivityField(const Placement& placement, int threads)
    : m_placement(placement), m_width(placement.width()), m_height(placement.height()),
      m_secondsPerCycle(placement.chip().secondsPerCycle()), m_maxShiftCycles(maxShift(placement)),
      m_busy(size_t(m_width) * size_t(m_height), 0.0f), m_compute(m_busy.size(), 0.0f),
      m_fabric(m_busy.size(), 0.0f), m_pool(threads) {}

void ActivityField::onActivity(const RegionActivity& activity) {
  m_maxDurationCycles = std::max(m_maxDurationCycles, activity.endCycle - activity.startCycle);
  insertSorted(m_records, activity);
}

void ActivityField::evaluate(double startSeconds, double endSeconds) {
  const double t0 = startSeconds / m_secondsPerCycle;
  const double t1 = endSeconds / m_secondsPerCycle;
  if (t1 <= t0) {
    std::fill(m_busy.begin(), m_busy.end(), 0.0f);
    std::fill(m_compute.begin(), m_compute.end(), 0.0f);
    std::fill(m_fabric.begin(), m_fabric.end(), 0.0f);
    return;
  }
  const auto& regions = m_placement.regions();
  const double reach = m_maxDurationCycles + m_maxShiftCycles;
  // Rows are split over the pool; every band sees every overlapping record.
  m_pool.parallelFor(m_height, 16, [&](int64_t rowBegin, int64_t rowEnd) {
    const size_t begin = size_t(rowBegin) * size_t(m_width);
    const size_t end = size_t(rowEnd) * size_t(m_width);
    std::fill(m_compute.begin() + ptrdiff_t(begin), m_compute.begin() + ptrdiff_t(end), 0.0f);
    std::fill(m_fabric.begin() + ptrdiff_t(begin), m_fabric.begin() + ptrdiff_t(end), 0.0f);
    // Most records lie wholly inside the window at every PE of their region:
    // those add the same fraction everywhere, so they are summed per region
    // and spread in one pass; only records cut by the window go PE by PE.
    std::vector<float> whole(2 * regions.size(), 0.0f);
    forOverlapping(m_records, t0, t1, reach, [&](const RegionActivity& a) {
      const Region& region = regions[size_t(a.region)];
      const ShiftRange shift = shiftRange(region.rect, a);
      if (a.startCycle + shift.least >= t0 && a.endCycle + shift.most <= t1) {
        const float frac = float((a.endCycle - a.startCycle) / (t1 - t0));
        whole[2 * size_t(a.region)] += frac * a.computeShare;
        whole[2 * size_t(a.region) + 1] += frac * a.fabricShare;
        return;
      }
      accumulate(region, a, t0, t1, m_width, a.computeShare, a.fabricShare, m_compute.data(),
                 m_fabric.data(), int(rowBegin), int(rowEnd));
    });
    for (size_t k = 0; k < regions.size(); ++k) {
      const PeRect& rect = regions[k].rect;
      if (whole[2 * k] != 0.0f) {
        addOverRect(rect, whole[2 * k], m_width, m_compute.data(), int(rowBegin), int(rowEnd));
      }
      if (whole[2 * k + 1] != 0.0f) {
        addOverRect(rect, whole[2 * k + 1], m_width, m_fabric.data(), int(rowBegin), int(rowEnd));
      }
    }
    for (size_t i = begin; i < end; ++i) {
      m_compute[i] = std::min(m_compute[i], 1.0f);
      m_fabric[i] = std::min(m_fabric[i], 1.0f);
      m_busy[i] = std::min(m_compute[i] + m_fabric[i], 1.0f);
    }
  });
}

double ActivityField::endSeconds() const {
  double end = 0.0;
  for (const RegionActivity& a : m_records) {
    end = std::max(end, a.endCycle);
  }
  return end * m_secondsPerCycle;
}

void ActivityField::clear() {
  m_records.clear();
  m_maxDurationCycles = 0.0;
  std::fill(m_busy.begin(), m_busy.end(), 0.0f);
  std::fill(m_compute.begin(), m_compute.end(), 0.0f);
  std::fill(m_fabric.begin(), m_fabric.end(), 0.0f);
}

SramField::SramField(const Placement& placement)
    : m_placement(placement), m_width(placement.width()), m_height(placement.height()),
      m_sequenceContext(size_t(std::max(1, placement.options().sequences)), 0),
      m_total(size_t(m_width) * size_t(m_height), 0.0f) {
  for (auto& c : m_category) {
    c.assign(m_total.size(), 0.0f);
  }
  setContext(0);
}

void SramField::onSram(const SramEvent& event) {
  if (event.sequence >= 0 && size_t(event.sequence) < m_sequenceContext.size()) {
    m_sequenceContext[size_t(event.sequence)] = event.contextLength;
  }
  // The cache is sized per sequence; show the mean fill over sequences.
  const int64_t mean = event.totalContextTokens / int64_t(m_sequenceContext.size());
  if (mean != m_context) {
    setContext(mean);
  }
}

void SramField::setContext(int64_t contextTokens) {
  m_context = contextTokens;
  const double capacity = double(m_placement.chip().sramBytesPerPe);
  std::fill(m_total.begin(), m_total.end(), 0.0f);
  for (auto& c : m_category) {
    std::fill(c.begin(), c.end(), 0.0f);
  }
  for (const Region& region : m_placement.regions()) {
    const SramBreakdown s = m_placement.sramPerPe(region, contextTokens);
    const float values[4] = {float(s.weights / capacity), float(s.kv / capacity),
                             float(s.activations / capacity), float(s.reserve / capacity)};
    const float total = float(s.total() / capacity);
    const PeRect& r = region.rect;
    for (int y = r.y; y < r.y + r.h; ++y) {
      const size_t row = size_t(y) * size_t(m_width);
      std::fill_n(m_total.begin() + ptrdiff_t(row + size_t(r.x)), r.w, total);
      for (int k = 0; k < 4; ++k) {
        std::fill_n(m_category[k].begin() + ptrdiff_t(row + size_t(r.x)), r.w, values[k]);
      }
    }
  }
}

const float* SramField::categoryData(SramCategory category) const {
  return m_category[int(category)].data();
}

LinkField::LinkField(const Placement& placement)
    : m_placement(placement), m_width(placement.width()), m_height(placement.height()),
      m_secondsPerCycle(placement.chip().secondsPerCycle()),
      m_load(size_t(m_width) * size_t(m_height), 0.0f) {}

void LinkField::onOp(const OpEvent& event) {
  const Region& region = m_placement.regions()[size_t(event.region)];
  const Op& op = region.ops[size_t(event.op)];
  if (op.kind != OpKind::Transfer) {
    return;
  }
  TransferRecord t;
  t.from = op.sourceRegion < 0 ? event.region : op.sourceRegion;
  t.to = op.targetRegion < 0 ? event.region : op.targetRegion;
  t.startCycle = event.startCycle;
  t.endCycle = event.endCycle;
  const double duration = std::max(event.endCycle - event.startCycle, 1.0);
  t.load = float(std::min(1.0, event.cycles.fabric() / duration));
  m_transfers.push_back(t);
}

void LinkField::onActivity(const RegionActivity& activity) {
  insertSorted(m_activity, activity);
}

void LinkField::evaluate(double startSeconds, double endSeconds) {
  std::fill(m_load.begin(), m_load.end(), 0.0f);
  const double t0 = startSeconds / m_secondsPerCycle;
  const double t1 = endSeconds / m_secondsPerCycle;
  if (t1 <= t0) {
    return;
  }
  const auto& regions = m_placement.regions();
  double reach = maxShift(m_placement);
  for (const RegionActivity& a : m_activity) {
    reach = std::max(reach, a.endCycle - a.startCycle);
  }
  forOverlapping(m_activity, t0, t1, reach, [&](const RegionActivity& a) {
    accumulate(regions[size_t(a.region)], a, t0, t1, m_width, a.fabricShare, 0.0f, m_load.data(),
               nullptr, 0, m_height);
  });
  // Transfers: an L-shaped route from centre to centre, x first.
  for (const TransferRecord& t : m_transfers) {
    const double overlap = std::min(t1, t.endCycle) - std::max(t0, t.startCycle);
    if (overlap <= 0) {
      continue;
    }
    const float add = float(overlap / (t1 - t0)) * t.load;
    const PeRect& a = regions[size_t(t.from)].rect;
    const PeRect& b = regions[size_t(t.to)].rect;
    const int ax = a.x + a.w / 2;
    const int ay = a.y + a.h / 2;
    const int bx = b.x + b.w / 2;
    const int by = b.y + b.h / 2;
    for (int x = std::min(ax, bx); x <= std::max(ax, bx); ++x) {
      m_load[size_t(ay) * size_t(m_width) + size_t(x)] += add;
    }
    for (int y = std::min(ay, by); y <= std::max(ay, by); ++y) {
      m_load[size_t(y) * size_t(m_width) + size_t(bx)] += add;
    }
  }
  for (float& v : m_load) {
    v = std::min(v, 1.0f);
  }
}

} // namespace ws::sim
