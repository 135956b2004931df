#include "sim/work_budget.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ws::sim {
namespace {

// The mapper tries every layout of its grid of fill fractions and aspects.
constexpr double kLayoutsTried = 9.0 * 7.0;
// Ops a region holds, about: an expert has 5, a dense FFN 6, attention 7 to 9.
constexpr double kOpsPerRegion = 6.0;
constexpr double kWaveletBytes = 4.0;

double wavelets(double bytes) {
  return std::ceil(bytes / kWaveletBytes);
}

} // namespace

WorkEstimate estimateMappingWork(const core::ModelSpec& model, const ChipSpec& chip,
                                 const MapOptions& options) {
  int wafers = std::max(1, options.wafers > 0 ? options.wafers : chip.wafers);
  if (options.fewestWafers) {
    // The mapper stops at the first count whose SRAM holds the model: the
    // weights' share, and one more wafer for packing into rectangles.
    const double bytesPerWeight =
        options.bytesPerWeight > 0 ? options.bytesPerWeight : model.bytesPerWeight;
    const double waferBytes = double(chip.sramBytesPerPe) * double(chip.pesPerWafer());
    const double weightBytes = double(model.paramCounts().total()) * bytesPerWeight;
    if (waferBytes > 0) {
      wafers = int(std::min(double(wafers), std::ceil(weightBytes / waferBytes) + 1.0));
    }
  }
  const double layers = double(model.layers);
  const double moeLayers = model.isMoe() ? layers - std::min(layers, double(model.denseLayers)) : 0;
  const double ffnRegionsPerMoeLayer = double(model.experts) + (model.sharedExperts ? 1.0 : 0.0);
  // Embedding and LM head, an attention region per layer, and a dense FFN or
  // the experts (plus one shared-expert region) per layer.
  const double regions = 2.0 + 2.0 * layers + moeLayers * (ffnRegionsPerMoeLayer - 1.0);
  const double regionBytes = double(sizeof(Region)) + kOpsPerRegion * double(sizeof(Op));
  const double pes = double(chip.pesPerWafer()) * double(wafers);
  WorkEstimate w;
  w.events = kLayoutsTried * regions * kOpsPerRegion;
  // The best layout so far and the one being tried, and the region index per PE.
  w.bytes = 2.0 * regions * regionBytes + pes * double(sizeof(int32_t));
  return w;
}

double detailedEventsPerToken(const Placement& placement) {
  double events = 0.0;
  for (const Region& r : placement.regions()) {
    const double w = std::max(r.rect.w, 1);
    const double h = std::max(r.rect.h, 1);
    const double area = w * h;
    for (const Op& op : r.ops) {
      switch (op.kind) {
      case OpKind::MatVec: {
        // Input slices cross the region one way, partial sums the other.
        const double gOut = r.gridOut(op.broadcast);
        const double gIn = r.gridIn(op.broadcast);
        const double in =
            wavelets(std::ceil(double(op.cols) / std::max(gIn, 1.0)) * kActivationBytes);
        const double out =
            wavelets(std::ceil(double(op.rows) / std::max(gOut, 1.0)) * kPartialSumBytes);
        events += area * (in + out);
        break;
      }
      case OpKind::Attention: {
        const double perColumn = double(op.heads) * double(op.headDim) / w;
        events += area * wavelets(perColumn * (kActivationBytes + kPartialSumBytes));
        break;
      }
      case OpKind::Norm:
      case OpKind::Elementwise:
      case OpKind::Sample:
        events += 2.0 * area; // a reduction and a broadcast along the rows
        break;
      case OpKind::Lookup:
      case OpKind::Transfer:
        events += wavelets(double(op.bytes)) * (w + h);
        break;
      }
    }
  }
  return events;
}

WorkEstimate estimateRunWork(const Placement& placement, bool detailed, int64_t promptTokens,
                             int64_t decodeSteps, int sequences) {
  double ops = 0.0;
  for (const Region& r : placement.regions()) {
    ops += double(r.ops.size());
  }
  const double seqs = std::max(sequences, 1);
  WorkEstimate w;
  if (detailed) {
    // Every prompt token streams through every op; so does each decode step.
    w.events =
        detailedEventsPerToken(placement) * seqs *
        (double(std::max<int64_t>(promptTokens, 0)) + double(std::max<int64_t>(decodeSteps, 0)));
  } else {
    // The fast engine times a prompt in closed form: one pass per step.
    w.events = ops * seqs * (1.0 + double(std::max<int64_t>(decodeSteps, 0)));
  }
  w.bytes = double(placement.width()) * double(placement.height()) * double(sizeof(int32_t));
  return w;
}

void checkWorkBudget(const WorkEstimate& estimate, const std::string& what,
                     const WorkBudget& budget) {
  if (estimate.events > budget.events) {
    throw WorkBudgetError(
        fmt::format("{} would take about {:.3g} simulation events, more than the budget of {:.3g} "
                    "(fewer tokens, steps or sequences, or the fast engine)",
                    what, estimate.events, budget.events),
        estimate);
  }
  if (estimate.bytes > budget.bytes) {
    throw WorkBudgetError(fmt::format("{} would need about {:.3g} GB of memory, more than the "
                                      "budget of {:.3g} GB (fewer wafers or a smaller model)",
                                      what, estimate.bytes / 1e9, budget.bytes / 1e9),
                          estimate);
  }
}

} // namespace ws::sim
